"""The MCP tools, one module per subject; `ALL_TOOLS` is what the server registers."""

from runs_app.mcp.tools import batches, history, runs, scenarios

ALL_TOOLS = [*scenarios.TOOLS, *runs.TOOLS, *history.TOOLS, *batches.TOOLS]
