import pytest

from scenarios_app.services import scenario_import
from tests.api.factories import make_event, make_llm_call, make_run, make_step
from tests.console.conftest import SAMPLE, finished_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def run():
    return make_run()


@pytest.fixture
def flood_run_of_five(user):
    version = scenario_import(text=SAMPLE.read_text(encoding="utf-8"), user=user).version
    return finished_run(version, ticks=5, user=user)


def results(response):
    assert response.status_code == 200, response.data
    return response.data["results"]


def test_it_lists_steps_in_order_with_metrics_and_snapshots(api, run):
    for index in (2, 1, 3):
        make_step(run, index, rescued_fraction=index / 10)
    steps = results(api.get(f"/api/runs/{run.pk}/steps/"))
    assert [s["index"] for s in steps] == [1, 2, 3]
    assert steps[0]["metrics"] == {"rescued_fraction": 0.1}
    assert steps[0]["snapshot"] == {"tick": 1}


def test_steps_filter_by_range_and_paginate(api, run):
    for index in range(1, 8):
        make_step(run, index)
    page = api.get(f"/api/runs/{run.pk}/steps/", {"from_step": 2, "to_step": 6, "limit": 3})
    assert [s["index"] for s in results(page)] == [2, 3, 4]
    rest = api.get(page.data["next"])
    assert [s["index"] for s in results(rest)] == [5, 6]
    assert rest.data["next"] is None


def test_it_shows_one_step_by_index(api, run):
    make_step(run, 4, casualties=2)
    response = api.get(f"/api/runs/{run.pk}/steps/4/")
    assert response.status_code == 200
    assert response.data["metrics"] == {"casualties": 2}
    assert api.get(f"/api/runs/{run.pk}/steps/5/").status_code == 404


def test_events_filter_by_type_agent_and_step_range(api, run):
    make_event(run, step=1, type="action", agent="Mayor", action="say")
    make_event(run, step=2, type="action", agent="Rescuer 1", action="move")
    make_event(run, step=2, type="decision", agent="Mayor")
    make_event(run, step=3, type="environment")
    everything = results(api.get(f"/api/runs/{run.pk}/events/"))
    assert [(e["step"], e["type"]) for e in everything] == [
        (1, "action"),
        (2, "action"),
        (2, "decision"),
        (3, "environment"),
    ]
    actions = results(api.get(f"/api/runs/{run.pk}/events/", {"type": "action"}))
    assert [e["agent"] for e in actions] == ["Mayor", "Rescuer 1"]
    mayor = results(api.get(f"/api/runs/{run.pk}/events/", {"agent": "Mayor"}))
    assert [e["type"] for e in mayor] == ["action", "decision"]
    ranged = results(api.get(f"/api/runs/{run.pk}/events/", {"from_step": 2, "to_step": 2}))
    assert [e["type"] for e in ranged] == ["action", "decision"]
    assert actions[0]["data"] == {"action": "say"}


def test_llm_calls_filter_by_agent_purpose_and_step_range(api, run):
    make_llm_call(run, step=1, agent="Mayor")
    make_llm_call(run, step=2, agent="Rescuer 1")
    make_llm_call(run, step=3, agent="Mayor", purpose="repair")
    calls = results(api.get(f"/api/runs/{run.pk}/llm-calls/"))
    assert [(c["step"], c["agent"]) for c in calls] == [
        (1, "Mayor"),
        (2, "Rescuer 1"),
        (3, "Mayor"),
    ]
    assert calls[0]["model"] == "offline/heuristic"
    assert calls[0]["tokens_in"] == 10
    mayor = results(api.get(f"/api/runs/{run.pk}/llm-calls/", {"agent": "Mayor"}))
    assert [c["step"] for c in mayor] == [1, 3]
    repairs = results(api.get(f"/api/runs/{run.pk}/llm-calls/", {"purpose": "repair"}))
    assert [c["step"] for c in repairs] == [3]
    late = results(api.get(f"/api/runs/{run.pk}/llm-calls/", {"from_step": 2}))
    assert [c["step"] for c in late] == [2, 3]


@pytest.mark.parametrize("kind", ["steps", "events", "llm-calls"])
def test_histories_of_unknown_runs_are_404(api, kind):
    assert api.get(f"/api/runs/5555/{kind}/").status_code == 404


@pytest.mark.parametrize("kind", ["steps", "events", "llm-calls"])
def test_a_reversed_step_range_is_400(api, run, kind):
    response = api.get(f"/api/runs/{run.pk}/{kind}/", {"from_step": 3, "to_step": 1})
    assert response.status_code == 400
    assert response.data["errors"] == [{"path": "to_step", "message": "must be >= from_step"}]


def test_a_step_of_a_real_run_has_its_state_metrics_view_and_agents(api, flood_run_of_five):
    run = flood_run_of_five
    response = api.get(f"/api/runs/{run.pk}/steps/3/")
    assert response.status_code == 200, response.data
    body = response.data
    assert (body["index"], body["last"]) == (3, 5)
    assert body["snapshot"]["tick"] == 3
    assert body["view"]["template"] == "map"
    places = {p["id"] for p in body["view"]["data"]["locations"]}
    assert places == {"hilltop", "church", "hospital", "school", "docks"}
    rescuer = next(a for a in body["agents"] if a["name"] == "Rescuer 1")
    assert rescuer["emotion"] == {
        k: v for k, v in body["snapshot"]["agents"]["Rescuer 1"]["emotion"].items()
    }


def test_a_step_that_is_not_stored_is_a_404_naming_the_tick(api, flood_run_of_five):
    response = api.get(f"/api/runs/{flood_run_of_five.pk}/steps/9/")
    assert response.status_code == 404
    assert "no stored tick 9 (its stored ticks are 0 to 5)" in str(response.data)
