"""Arguments shared by the tools: ids, pages and filters, each with what it means."""

from typing import Annotated, Any

from django.contrib.auth.models import User
from pydantic import Field

from runs_app.api.fields import MAX_ID, MAX_SEED
from runs_app.mcp import lookup
from runs_app.mcp.errors import invalid

ScenarioId = Annotated[int, Field(ge=1, le=MAX_ID, description="Scenario id.")]
RunId = Annotated[int, Field(ge=1, le=MAX_ID, description="Run id.")]
BatchId = Annotated[int, Field(ge=1, le=MAX_ID, description="Batch id.")]
OptionalScenarioId = Annotated[
    int | None, Field(ge=1, le=MAX_ID, description="Scenario id: use its latest version.")
]
OptionalVersionId = Annotated[
    int | None, Field(ge=1, le=MAX_ID, description="Scenario version id (instead of scenario).")
]
Seed = Annotated[
    int | None, Field(ge=0, le=MAX_SEED, description="Random seed (default: the scenario's).")
]
Overrides = Annotated[
    dict[str, Any] | None,
    Field(
        description="Changes for this run: `params` (world params by name or dotted path), "
        "`model_override` (e.g. `offline/heuristic`), `max_ticks`, `templates` "
        '(`{"rescuer": {"count": 2}}`).'
    ),
]
Limit = Annotated[int, Field(ge=1, le=500, description="Results per page.")]
Offset = Annotated[int, Field(ge=0, le=2**31 - 1, description="Index of the first result.")]
Cursor = Annotated[
    str | None, Field(max_length=200, description="`next_cursor` of the previous page.")
]
FromStep = Annotated[int | None, Field(ge=0, le=2**31 - 1, description="First step (inclusive).")]
ToStep = Annotated[int | None, Field(ge=0, le=2**31 - 1, description="Last step (inclusive).")]
AgentName = Annotated[str, Field(min_length=1, max_length=200, description="The agent's name.")]


def check_visible(user: User, *, scenario: int | None, version: int | None) -> None:
    """A scenario or version argument the user cannot see is refused as the API refuses it."""
    try:
        if scenario is not None:
            lookup.get_scenario(user, scenario)
        if version is not None:
            lookup.get_version_by_id(user, version)
    except lookup.NotFound:
        if scenario is not None and not lookup.visible_scenarios(user).filter(pk=scenario):
            raise invalid([f"scenario: no scenario with id {scenario}"]) from None
        raise invalid([f"version: no scenario version with id {version}"]) from None
