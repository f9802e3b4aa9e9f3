"""Resources: a scenario's YAML, a run's HTML report and its JSONL trace, by id in the URI."""

from collections.abc import Callable
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError

from runs_app.mcp import lookup
from runs_app.mcp.context import acting
from runs_app.services.report import run_report_html
from runs_app.services.traces import run_trace
from scenarios_app.services import scenario_export

SCENARIO_YAML = "simengine://scenarios/{scenario_id}/yaml"
RUN_REPORT = "simengine://runs/{run_id}/report"
RUN_TRACE = "simengine://runs/{run_id}/trace"


def _read(ctx: Context, kind: str, raw_id: str, read: Callable[[Any, int], str]) -> str:
    """`read(user, id)` for the acting user, with unknown ids as not-found resource errors."""
    if not raw_id.isdigit() or len(raw_id) > 18:
        raise ResourceNotFoundError(f"No {kind} {raw_id}.")
    try:
        with acting(ctx) as user:
            return read(user, int(raw_id))
    except ToolError as exc:
        message = str(exc)
        if message.startswith("Not found: "):
            raise ResourceNotFoundError(message.removeprefix("Not found: ")) from None
        raise ResourceError(message) from None


def scenario_yaml(scenario_id: str, ctx: Context) -> str:
    """The scenario's latest version as YAML (the file `exportscenario` writes)."""
    return _read(
        ctx,
        "scenario",
        scenario_id,
        lambda user, pk: scenario_export(version=lookup.get_version(user, pk), fmt="yaml"),
    )


def run_report(run_id: str, ctx: Context) -> str:
    """The run's report: one self-contained HTML file (as of its current tick)."""
    return _read(ctx, "run", run_id, lambda user, pk: run_report_html(lookup.get_run(user, pk)))


def run_trace_jsonl(run_id: str, ctx: Context) -> str:
    """The run's events as JSON lines, the `simulate --jsonl` format."""
    return _read(ctx, "run", run_id, lambda user, pk: "".join(run_trace(lookup.get_run(user, pk))))


def register_resources(server: MCPServer) -> None:
    """Add the resource templates to `server`."""
    server.resource(SCENARIO_YAML, name="scenario_yaml", mime_type="application/yaml")(
        scenario_yaml
    )
    server.resource(RUN_REPORT, name="run_report", mime_type="text/html")(run_report)
    server.resource(RUN_TRACE, name="run_trace", mime_type="application/x-ndjson")(run_trace_jsonl)
