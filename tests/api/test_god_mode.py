"""God mode through POST /api/runs/{id}/control/: world values, events, emotions.

Checked against the run's world (400 naming what is wrong), refused on a finished run (409),
queued (202), then applied at the next tick and seen in the timeline.
"""

import pytest

from runs_app.models import Event, PendingControl, Run, RunStatus
from runs_app.selectors import snapshot_at
from runs_app.services.execution import execute_slice
from runs_app.services.runs import run_step, run_stop
from tests.api.factories import make_run

pytestmark = pytest.mark.django_db


def control(api, run, **payload):
    return api.post(f"/api/runs/{run.pk}/control/", payload, format="json")


def errors(response) -> dict[str, str]:
    return {e["path"]: e["message"] for e in response.data["errors"]}


def step_once(run: Run) -> Run:
    run_step(run=run)
    execute_slice(run.pk)
    run.refresh_from_db()
    return run


def test_setting_the_water_level_is_queued_then_applied_at_the_next_tick(api):
    run = make_run()
    response = control(api, run, action="set_world_value", path="water_level", value=9.5)
    assert response.status_code == 202
    assert response.data["kind"] == "set_world_value"
    assert response.data["payload"] == {"path": "water_level", "value": 9.5}
    assert response.data["applied_step"] is None
    queued = Event.objects.get(run=run, type="control")
    assert queued.data["action"] == "set_world_value" and queued.data["by"] == "ana"

    run = step_once(run)
    assert PendingControl.objects.get(pk=response.data["id"]).applied_step == 1
    applied = Event.objects.get(run=run, type="ControlApplied")
    assert applied.data["detail"].startswith("water_level set to 9.5 (was ")
    assert run.metrics["water_level"] >= 9.5  # then the tick's own rise


def test_firing_a_declared_event_with_its_parameters(api):
    run = make_run()
    response = control(
        api, run, action="fire_event", event={"type": "rain_change", "intensity": 3.0}
    )
    assert response.status_code == 202
    assert response.data["payload"] == {"type": "rain_change", "params": {"intensity": 3.0}}
    run = step_once(run)
    applied = Event.objects.get(run=run, type="ControlApplied")
    assert applied.data["detail"] == "event rain_change triggered"
    stored = snapshot_at(run, 1)
    assert stored is not None and stored["world"]["rain_intensity"] == 3.0


def test_setting_an_agents_emotion(api):
    run = make_run()
    response = control(
        api, run, action="set_emotion", agent="Rescuer 1", emotion={"fear": 0.9, "hope": 0.1}
    )
    assert response.status_code == 202
    run = step_once(run)
    applied = Event.objects.get(run=run, type="ControlApplied")
    assert applied.data["detail"].startswith("Rescuer 1's emotion set: fear ")
    assert "hope" in applied.data["detail"]


@pytest.mark.parametrize(
    ("payload", "path", "message"),
    [
        (
            {"path": "water_levl", "value": 2},
            "path",
            "'water_levl' is not a value of this world (did you mean water_level?)",
        ),
        (
            {"path": "locations.moon.civilians", "value": 1},
            "path",
            "'locations.moon.civilians' is not a value of this world "
            "('moon' is not one of: hilltop, docks)",
        ),
        (
            {"path": "water_level", "value": "high"},
            "path",
            "'water_level' expects a number, got 'high'",
        ),
        (
            {"path": "levee_breached", "value": 1},
            "path",
            "'levee_breached' expects true or false, got 1",
        ),
        (
            {"path": "locations", "value": 1},
            "path",
            "'locations' is a group of values, not a single value",
        ),
        (
            {"path": "locations.docks.boats", "value": -3},
            "path",
            "locations.docks.boats must not be negative",
        ),
    ],
)
def test_a_bad_path_or_value_is_refused_naming_it(api, payload, path, message):
    run = make_run()
    response = control(api, run, action="set_world_value", **payload)
    assert response.status_code == 400
    assert errors(response) == {path: message}
    assert not PendingControl.objects.filter(run=run).exists()
    assert not Event.objects.filter(run=run, type="control").exists()


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (
            {"type": "earthquake"},
            {
                "event.type": "unknown event type 'earthquake' for world kind 'flood' "
                "(known: levee_breach, rain_change, supply_drop, stranded)"
            },
        ),
        (
            {"type": "rain_change"},
            {"event.intensity": "required for event 'rain_change'"},
        ),
        (
            {"type": "rain_change", "intensity": "lots"},
            {"event.intensity": "expected a number, got 'lots'"},
        ),
        (
            {"type": "supply_drop", "location": "moon"},
            {"event.location": "unknown location 'moon' (known: hilltop, docks)"},
        ),
    ],
)
def test_a_bad_event_is_refused_naming_it(api, event, expected):
    run = make_run()
    response = control(api, run, action="fire_event", event=event)
    assert response.status_code == 400
    assert errors(response) == expected


def test_a_bad_agent_or_emotion_is_refused_naming_each(api):
    run = make_run()
    response = control(
        api, run, action="set_emotion", agent="Nobody", emotion={"fear": 2, "joy": 0.5}
    )
    assert response.status_code == 400
    found = errors(response)
    assert found["agent"].startswith("run ") and "no agent named 'Nobody'" in found["agent"]
    assert found["emotion.fear"] == "must be from 0 to 1, got 2"
    assert found["emotion.joy"] == "unknown feeling (known: fear, stress, hope, empathy)"


def test_missing_or_foreign_fields_are_named(api):
    run = make_run()
    response = control(api, run, action="set_world_value", path="water_level", agent="x")
    assert response.status_code == 400
    assert errors(response) == {
        "agent": "not used by action 'set_world_value'",
        "value": "required by action 'set_world_value'",
    }


@pytest.mark.parametrize(
    "payload",
    [
        {"action": "set_world_value", "path": "water_level", "value": 3},
        {"action": "fire_event", "event": {"type": "levee_breach"}},
        {"action": "set_emotion", "agent": "Rescuer 1", "emotion": {"fear": 0.5}},
    ],
)
def test_god_mode_on_a_finished_run_is_a_conflict(api, payload):
    run = make_run()
    run_stop(run=run)
    assert Run.objects.get(pk=run.pk).status == RunStatus.STOPPED
    response = api.post(f"/api/runs/{run.pk}/control/", payload, format="json")
    assert response.status_code == 409
    assert response.data["detail"].endswith(f"run {run.pk}: it is stopped")
    assert not PendingControl.objects.filter(run=run).exists()


def test_the_schema_documents_the_god_mode_actions(api):
    schema = api.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/runs/{run_id}/control/"]["post"]
    assert {"200", "201", "202", "400", "409"} <= set(operation["responses"])
    body = schema["components"]["schemas"]["RunControl"]
    assert {"set_world_value", "fire_event", "set_emotion"} <= set(_enum(schema, body, "action"))
    assert {"path", "value", "event", "agent", "emotion"} <= set(body["properties"])


def _enum(schema: dict, body: dict, name: str) -> list[str]:
    prop = body["properties"][name]
    if "enum" in prop:
        return prop["enum"]
    ref = (prop.get("$ref") or prop["allOf"][0]["$ref"]).split("/")[-1]
    return schema["components"]["schemas"][ref]["enum"]
