"""The MCP server: the simulation controller and state inspection for AI assistants.

Tools and resources call the same selectors and services as the REST API; every object
is looked up through `runs_app.mcp.lookup`. Transports: stdio (`manage.py mcp --user NAME`)
and streamable HTTP at `/mcp/` in the ASGI app (`runs_app.mcp.http`), with the API's tokens.
"""
