import pytest

from runs_app.models import Event, Run, RunStatus
from runs_app.services.runs import run_stop
from tests.api.factories import make_run

pytestmark = pytest.mark.django_db


def control(api, run, **payload):
    return api.post(f"/api/runs/{run.pk}/control/", payload, format="json")


def test_start_queues_a_run_created_paused(api):
    run = make_run()
    response = control(api, run, action="start")
    assert response.status_code == 200
    assert response.data["status"] == "queued"
    assert Event.objects.filter(run=run, type="control", data__action="start").exists()


def test_pause_and_resume_move_a_run_between_queued_and_paused(api):
    run = make_run(start=True)
    assert control(api, run, action="pause").data["status"] == "paused"
    assert control(api, run, action="resume").data["status"] == "queued"


def test_step_asks_a_paused_run_for_one_tick(api):
    run = make_run()
    response = control(api, run, action="step")
    assert response.status_code == 200
    assert Run.objects.get(pk=run.pk).pending_steps == 1


def test_stop_ends_a_paused_run_with_its_reason(api):
    run = make_run()
    response = control(api, run, action="stop")
    assert response.status_code == 200
    assert response.data["status"] == "stopped"
    assert response.data["end_reason"] == "stopped by operator"


def test_duplicate_creates_a_new_run_with_merged_overrides_and_seed(api):
    run = make_run(overrides={"params": {"rain_intensity": 0.2}, "max_ticks": 4})
    response = control(
        api,
        run,
        action="duplicate",
        seed=11,
        start=False,
        overrides={"params": {"levee_height": 2.0}},
    )
    assert response.status_code == 201
    copy = Run.objects.get(pk=response.data["id"])
    assert copy.pk != run.pk
    assert copy.seed == 11
    assert copy.status == RunStatus.PAUSED
    assert copy.overrides == {
        "params": {"rain_intensity": 0.2, "levee_height": 2.0},
        "max_ticks": 4,
    }


def test_reset_creates_a_fresh_run_with_the_same_configuration(api):
    run = make_run(seed=5, overrides={"max_ticks": 4})
    response = control(api, run, action="reset")
    assert response.status_code == 201
    fresh = Run.objects.get(pk=response.data["id"])
    assert (fresh.seed, fresh.overrides, fresh.current_step) == (5, {"max_ticks": 4}, 0)


@pytest.mark.parametrize(
    "setup, action, reason",
    [
        ("paused", "pause", "it is paused"),
        ("paused", "resume", None),
        ("queued", "resume", "not paused"),
        ("queued", "step", "pause it first"),
        ("stopped", "start", "it is stopped"),
        ("stopped", "stop", "it is stopped"),
        ("stepping", "step", "previous step is still running"),
    ],
)
def test_impossible_transitions_are_409_with_the_reason(api, setup, action, reason):
    run = make_run(start=setup == "queued")
    if setup == "stopped":
        run_stop(run=run)
    if setup == "stepping":
        control(api, run, action="step")
    if reason is None:  # a legal transition, for contrast
        assert control(api, run, action=action).status_code == 200
        return
    before = Run.objects.get(pk=run.pk).status
    response = control(api, run, action=action)
    assert response.status_code == 409
    assert reason in response.data["detail"]
    assert Run.objects.get(pk=run.pk).status == before


@pytest.mark.parametrize(
    "payload, path",
    [
        ({}, "action"),
        ({"action": "explode"}, "action"),
        ({"action": "pause", "seed": 3}, "seed"),
        ({"action": "stop", "overrides": {}}, "overrides"),
        ({"action": "duplicate", "overrides": {"max_ticks": "lots"}}, "overrides.max_ticks"),
        (
            {"action": "duplicate", "overrides": {"templates": {"ghost": {}}}},
            "overrides.templates.ghost",
        ),
    ],
)
def test_bad_control_payloads_are_400_and_change_nothing(api, payload, path):
    run = make_run()
    response = api.post(f"/api/runs/{run.pk}/control/", payload, format="json")
    assert response.status_code == 400
    assert path in [error["path"] for error in response.data["errors"]]
    assert Run.objects.count() == 1
    assert Run.objects.get(pk=run.pk).status == RunStatus.PAUSED


def test_controlling_an_unknown_run_is_404(api):
    response = api.post("/api/runs/777/control/", {"action": "pause"}, format="json")
    assert response.status_code == 404
