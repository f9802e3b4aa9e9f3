"""The MCP server object: simengine's tools and resources on the official SDK's `MCPServer`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase
from mcp_types import ToolAnnotations

from runs_app.mcp.context import USER_SCOPE_KEY
from runs_app.mcp.resources import register_resources
from runs_app.mcp.tools import ALL_TOOLS
from runs_app.services.report import simengine_version

NAME = "simengine"
INSTRUCTIONS = (
    "simengine runs multi-agent simulations (e.g. a city flood with rescuers). Find a "
    "scenario (list_scenarios), start a run (start_run; overrides.model_override "
    "'offline/heuristic' needs no model server), then watch and steer it: get_run_state, "
    "control_run (pause/step/resume/stop), send_message, god_mode, set_agent_status, "
    "read_messages/read_events/read_decisions (cursor pages), evaluate_run. Controls are "
    "applied at the next tick boundary. Resources: simengine://scenarios/{id}/yaml, "
    "simengine://runs/{id}/report and simengine://runs/{id}/trace."
)
READ_ONLY = {
    "list_scenarios",
    "get_scenario",
    "validate_scenario",
    "list_runs",
    "get_run_state",
    "read_messages",
    "read_events",
    "read_decisions",
    "get_batch",
}


def build_server(*, user_id: int | None = None) -> MCPServer[dict[str, Any]]:
    """The server; `user_id` is the user every call acts for (stdio), else the request's (HTTP)."""

    @asynccontextmanager
    async def lifespan(_: MCPServer[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
        yield {} if user_id is None else {USER_SCOPE_KEY: user_id}

    server: MCPServer[dict[str, Any]] = MCPServer(
        NAME,
        instructions=INSTRUCTIONS,
        version=simengine_version(),
        lifespan=lifespan,
        tools=[_strict_tool(fn) for fn in ALL_TOOLS],
    )
    register_resources(server)
    return server


def _strict_tool(fn: Callable[..., Any]) -> Tool:
    """The tool of `fn`, refusing arguments it does not take (a typo is named, not ignored)."""
    annotations = ToolAnnotations(read_only_hint=fn.__name__ in READ_ONLY, open_world_hint=False)
    tool = Tool.from_function(fn, annotations=annotations, structured_output=False)
    loose = tool.fn_metadata.arg_model
    strict: type[ArgModelBase] = type(
        loose.__name__,
        (loose,),
        {"model_config": {**loose.model_config, "extra": "forbid"}, "__module__": __name__},
    )
    tool.fn_metadata.arg_model = strict
    tool.parameters = strict.model_json_schema(by_alias=True)
    return tool
