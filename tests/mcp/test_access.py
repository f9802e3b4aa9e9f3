"""The MCP tools find objects with the same rights as the API: owners, shares and staff.

A stranger's lookups answer "not found" (the API's 404), a reader's changes "forbidden"
(its 403), and the tool error says so in the API's words.
"""

from __future__ import annotations

import pytest
from mcp.server.mcpserver.exceptions import ToolError

from runs_app.mcp import lookup
from runs_app.mcp.errors import api_errors
from tests.personas import World, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return make_world()


def _finds(world: World, who: str) -> set[str]:
    user = world.people()[who]
    found = set()
    if world.run in lookup.visible_runs(user):
        found.add("run")
    if world.batch in lookup.visible_batches(user):
        found.add("batch")
    if world.scenario in lookup.visible_scenarios(user):
        found.add("scenario")
    return found


@pytest.mark.parametrize("who", ["owner", "reader", "editor", "staff"])
def test_everyone_it_is_shared_with_finds_it(world, who):
    user = world.people()[who]
    assert _finds(world, who) == {"run", "batch", "scenario"}
    assert lookup.get_run(user, world.run.pk) == world.run
    assert lookup.get_version(user, world.scenario.pk).scenario == world.scenario


def test_a_stranger_finds_nothing_and_is_told_not_found(world):
    assert _finds(world, "stranger") == set()
    with pytest.raises(ToolError, match=f"^Not found: No run {world.run.pk}.$"), api_errors():
        lookup.get_run(world.stranger, world.run.pk)
    with pytest.raises(ToolError, match="^Not found: "), api_errors():
        lookup.get_version_by_id(world.stranger, world.scenario.versions.get().pk)


def test_a_reader_may_not_change_and_is_told_forbidden(world):
    for find, pk in (
        (lookup.get_run, world.run.pk),
        (lookup.get_batch, world.batch.pk),
        (lookup.get_scenario, world.scenario.pk),
    ):
        assert find(world.reader, pk).pk == pk
        with pytest.raises(ToolError, match="^Forbidden: You do not have permission"), api_errors():
            find(world.reader, pk, edit=True)
        for who in ("owner", "editor", "staff"):
            assert find(world.people()[who], pk, edit=True).pk == pk
