"""The console's world view and tick scrubber over HTTP: the map, tick k's regions, now."""

from __future__ import annotations

import re

import pytest
import yaml
from django.urls import reverse

from runs_app.models import Step
from scenarios_app.services import scenario_import
from simengine.core.worlds import register_world, starter_scenario, unregister_world
from tests.console.conftest import SAMPLE, finished_run
from tests.core.test_adding_a_world_kind import CounterWorld

SAMPLES = SAMPLE.parent

pytestmark = pytest.mark.django_db


@pytest.fixture
def ten_ticks(flood_version):
    return finished_run(flood_version, ticks=10)


def test_the_console_draws_the_flood_map_with_every_place_and_token(admin_client, ten_ticks):
    page = admin_client.get(reverse("runs:console", args=[ten_ticks.pk])).content.decode()
    for place in ("hilltop", "church", "hospital", "school", "docks"):
        assert f'data-location="{place}"' in page
    assert len(re.findall(r'id="token-[a-z0-9-]+"', page)) == 9  # every body, not the River
    assert 'id="token-rescuer-1"' in page
    assert 'id="scrub-range"' in page and 'max="10"' in page


def test_a_tick_shows_its_own_tiles_agents_map_and_history(admin_client, ten_ticks):
    response = admin_client.get(reverse("runs:at", args=[ten_ticks.pk, 3]))
    assert response.status_code == 200
    html = response.content.decode()
    metrics = Step.objects.get(run=ten_ticks, index=3).metrics
    tile = re.search(
        r'data-metric="rescued".*?metric-tile-value metric-value">([^<]*)<', html, re.S
    )
    assert tile and tile.group(1).strip() == str(metrics["rescued"])
    assert 'data-step="3"' in html and 'data-last="10"' in html
    assert 'id="agents-body"' in html and 'hx-swap-oob="true"' in html
    steps = [
        int(s) for s in re.findall(r'<td class="text-end metric-value text-muted">(\d+)</td>', html)
    ]
    assert steps and max(steps) == 3
    assert "agent-pause" not in html  # no controls on a past tick


def test_a_tick_that_is_not_stored_is_a_404_naming_it(admin_client, ten_ticks):
    response = admin_client.get(reverse("runs:at", args=[ten_ticks.pk, 11]))
    assert response.status_code == 404
    assert response.content.decode() == (
        f"run {ten_ticks.pk} has no stored tick 11 (its stored ticks are 0 to 10)"
    )


def test_now_shows_the_latest_tick_with_agent_controls_back(admin_client, flood_version):
    run = finished_run(flood_version, ticks=3)
    html = admin_client.get(reverse("runs:now", args=[run.pk])).content.decode()
    assert 'data-step="3"' in html and 'data-scrubbed="0"' in html


def test_the_timeline_and_chat_stop_at_the_scrubbed_tick(admin_client, ten_ticks):
    timeline = admin_client.get(reverse("runs:timeline", args=[ten_ticks.pk]), {"until": 2})
    steps = re.findall(
        r'<td class="text-end metric-value text-muted">(\d+)</td>', timeline.content.decode()
    )
    assert steps and {int(s) for s in steps} <= {1, 2}
    chat = admin_client.get(
        reverse("runs:chat", args=[ten_ticks.pk]), {"until": 1}
    ).content.decode()
    assert "· tick 2<" not in chat and "· tick 5<" not in chat


def test_a_dialogue_run_is_drawn_as_a_table_with_votes_and_proposals(admin_client):
    text = (SAMPLES / "dialogue_dilemma.yaml").read_text(encoding="utf-8")
    run = finished_run(scenario_import(text=text).version, ticks=4)
    page = admin_client.get(reverse("runs:console", args=[run.pk])).content.decode()
    assert 'data-template="table"' in page
    for name in ("Engineer", "Farmer", "Mayor", "Doctor"):
        assert f'id="seat-{name.lower()}"' in page
    assert 'id="table-tally"' in page
    at = admin_client.get(reverse("runs:at", args=[run.pk, 2])).content.decode()
    assert 'data-template="table"' in at and 'data-tick="2"' in at


def test_a_kind_without_a_view_is_shown_as_its_state_tree(admin_client):
    kind = register_world(CounterWorld())
    try:
        version = scenario_import(text=yaml.safe_dump(starter_scenario("counter"))).version
        run = finished_run(version, ticks=2)
        page = admin_client.get(reverse("runs:console", args=[run.pk])).content.decode()
        assert 'data-template="tree"' in page and 'id="world-tree"' in page
        assert 'data-path="total"' in page
        at = admin_client.get(reverse("runs:at", args=[run.pk, 1])).content.decode()
        assert 'data-template="tree"' in at
    finally:
        unregister_world(kind.name)
