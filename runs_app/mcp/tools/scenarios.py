"""Scenario tools: list, read, validate, save a version, design from a brief."""

from collections.abc import Callable
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult
from pydantic import Field

from runs_app.mcp import lookup
from runs_app.mcp.context import acting, result, with_progress
from runs_app.mcp.errors import invalid, validated
from runs_app.mcp.tools.fields import Limit, Offset, ScenarioId
from scenarios_app.api.design import DesignRequestSerializer, DesignResultSerializer
from scenarios_app.api.serializers import (
    ScenarioDetailSerializer,
    ScenarioSerializer,
    VersionDetailSerializer,
)
from scenarios_app.services import (
    DesignFailed,
    design_from_brief,
    scenario_create,
    scenario_update,
    storage_errors,
)
from simengine.core.spec import ScenarioSpec, SpecError, load_spec, parse_spec

SpecObject = Annotated[
    dict[str, Any] | None,
    Field(description="The scenario spec as an object (format in the README), or give `text`."),
]
SpecText = Annotated[
    str | None,
    Field(max_length=1_000_000, description="The scenario as YAML or JSON text, or give `spec`."),
]


def list_scenarios(
    ctx: Context,
    name: Annotated[str | None, Field(max_length=200, description="Part of the name.")] = None,
    is_draft: Annotated[bool | None, Field(description="Only drafts, or only non-drafts.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> CallToolResult:
    """List scenarios by name (id, name, description, latest version), filtered and paged."""
    with acting(ctx) as user:
        scenarios = lookup.visible_scenarios(user)
        if name:
            scenarios = scenarios.filter(name__icontains=name)
        if is_draft is not None:
            scenarios = scenarios.filter(is_draft=is_draft)
        count = scenarios.count()
        page = ScenarioSerializer(scenarios[offset : offset + limit], many=True).data
        names = ", ".join(f"{s['name']} (#{s['id']})" for s in page) or "none"
        return result(
            f"{count} scenarios; this page: {names}", {"count": count, "results": list(page)}
        )


def get_scenario(
    ctx: Context,
    scenario_id: ScenarioId,
    version_number: Annotated[
        int | None, Field(ge=1, le=2**31 - 1, description="Version number (default: latest).")
    ] = None,
) -> CallToolResult:
    """Read a scenario and one version's full spec (latest by default)."""
    with acting(ctx) as user:
        scenario = lookup.get_scenario(user, scenario_id)
        data = dict(ScenarioDetailSerializer(scenario).data)
        if version_number is not None:
            data["latest_version"] = VersionDetailSerializer(
                lookup.get_version(user, scenario_id, version_number)
            ).data
        shown = data["latest_version"]["number"] if data["latest_version"] else "none"
        return result(f"Scenario {scenario.name!r} (#{scenario.pk}), version {shown}.", data)


def _spec_from(spec: dict[str, Any] | None, text: str | None) -> tuple[ScenarioSpec, str]:
    """The validated spec given as an object or as text, and the argument it came from."""
    if (spec is None) == (text is None):
        raise invalid(["spec: give either a spec object or its text"])
    if text is not None:
        try:
            return load_spec(text), "text"
        except SpecError as exc:
            raise invalid(list(exc.errors), prefix="text") from None
    try:
        return parse_spec(spec), "spec"
    except SpecError as exc:
        raise invalid(list(exc.errors), prefix="spec") from None


def validate_scenario(
    ctx: Context, spec: SpecObject = None, text: SpecText = None
) -> CallToolResult:
    """Check a scenario without saving it: every error with its path, or that it is valid."""
    with acting(ctx):
        if (spec is None) == (text is None):
            raise invalid(["spec: give either a spec object or its text"])
        try:
            parsed = load_spec(text) if text is not None else parse_spec(spec)
            errors = storage_errors(parsed.to_dict())
        except SpecError as exc:
            errors = list(exc.errors)
        items = [_error_item(line) for line in errors]
        if not items:
            return result(f"Valid scenario {parsed.name!r}.", {"valid": True, "errors": []})
        lines = "\n".join(f"{e['path']}: {e['message']}" for e in items)
        return result(f"{len(items)} errors:\n{lines}", {"valid": False, "errors": items})


def _error_item(line: str) -> dict[str, str]:
    path, sep, message = line.partition(": ")
    return {"path": path, "message": message} if sep else {"path": "(root)", "message": line}


def save_scenario_version(
    ctx: Context,
    spec: SpecObject = None,
    text: SpecText = None,
    scenario_id: Annotated[
        int | None,
        Field(ge=1, description="Save as this scenario's next version; omit to create one."),
    ] = None,
    note: Annotated[str, Field(max_length=300, description="The version's note.")] = "",
) -> CallToolResult:
    """Save a valid spec as a scenario's next version, or as a new scenario (nothing if invalid)."""
    with acting(ctx) as user:
        parsed, source = _spec_from(spec, text)
        try:
            if scenario_id is not None:
                scenario = lookup.get_scenario(user, scenario_id, edit=True)
                saved = scenario_update(scenario=scenario, spec=parsed, user=user, note=note)
            else:
                saved = scenario_create(spec=parsed, user=user, note=note)
        except SpecError as exc:
            raise invalid(list(exc.errors), prefix=source) from None
        version = saved.version
        data = {
            "created": saved.created,
            "scenario": ScenarioSerializer(lookup.get_scenario(user, version.scenario_id)).data,
            "version": VersionDetailSerializer(version).data,
        }
        what = "Saved" if saved.created else "Unchanged (same as the latest),"
        return result(
            f"{what} {version.scenario.name!r} version {version.number} (scenario "
            f"#{version.scenario_id}).",
            data,
        )


async def design_scenario(
    ctx: Context,
    brief: Annotated[str, Field(min_length=1, max_length=4000, description="What it should be.")],
    model: Annotated[
        str, Field(max_length=200, description="Designer model, e.g. `ollama/llama3.2`.")
    ] = "offline/heuristic",
    agent_model: Annotated[
        str | None, Field(max_length=200, description="Model of the designed agents.")
    ] = None,
) -> CallToolResult:
    """Design a scenario from a brief with a model, dry-run it, and save it as a draft."""

    def work() -> CallToolResult:
        with acting(ctx) as user:
            data = validated(
                DesignRequestSerializer,
                {"brief": brief, "model": model, "agent_model": agent_model},
            )
            try:
                outcome = design_from_brief(
                    brief=data["brief"],
                    model=data["model"],
                    agent_model=data.get("agent_model"),
                    user=user,
                )
            except DesignFailed as exc:
                if not exc.attempts:  # the model cannot be served: the API's 409
                    raise ToolError(f"Conflict: {exc.message}") from None
                lines = [f"attempt {i}: {a}" for i, a in enumerate(exc.attempts, 1)]
                raise ToolError("\n".join([f"Design failed: {exc.message}", *lines])) from None
            version = outcome.result.version
            body = DesignResultSerializer(
                {
                    "scenario": version.scenario,
                    "version": version,
                    "model": outcome.model,
                    "attempts": outcome.attempts,
                    "dry_run": outcome.dry_run,
                }
            ).data
            return result(
                f"Designed draft {version.scenario.name!r} (scenario #{version.scenario_id}, "
                f"version {version.number}) with {outcome.model}.",
                dict(body),
            )

    return await with_progress(ctx, "designing", work)


TOOLS: list[Callable[..., Any]] = [
    list_scenarios,
    get_scenario,
    validate_scenario,
    save_scenario_version,
    design_scenario,
]
