"""The API over a run that really executes: what a slice commits is what the API serves."""

import pytest

from runs_app.models import Run
from runs_app.services import execution, leases
from runs_app.services.lifecycle import runs_admit
from tests.api.factories import make_version

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_background_slices(monkeypatch):
    """Slices run only when the test calls them."""
    monkeypatch.setattr(leases, "enqueue_slice", lambda run_id, token=None: None)


def test_a_stepped_run_shows_its_committed_tick_everywhere(api):
    version = make_version()
    created = api.post("/api/runs/", {"version": version.pk, "start": False}, format="json")
    run_id = created.data["id"]
    stepped = api.post(f"/api/runs/{run_id}/control/", {"action": "step"}, format="json")
    assert stepped.status_code == 200
    assert execution.execute_slice(run_id) == "paused"

    detail = api.get(f"/api/runs/{run_id}/").data
    assert detail["current_step"] == 1
    assert detail["status"] == "paused"
    steps = api.get(f"/api/runs/{run_id}/steps/").data["results"]
    assert [s["index"] for s in steps] == [1]
    assert detail["metrics"] == steps[0]["metrics"]
    assert api.get(f"/api/runs/{run_id}/events/", {"from_step": 1}).data["results"]
    calls = api.get(f"/api/runs/{run_id}/llm-calls/").data["results"]
    assert {c["agent"] for c in calls} <= {"Mayor", "Rescuer 1", "Rescuer 2"}


def test_a_run_played_to_the_end_reports_its_end_reason(api):
    version = make_version()
    created = api.post(
        "/api/runs/", {"version": version.pk, "overrides": {"max_ticks": 3}}, format="json"
    )
    run_id = created.data["id"]
    runs_admit()
    assert Run.objects.get(pk=run_id).status == "running"
    for _ in range(5):
        if execution.execute_slice(run_id, max_ticks=10) == "finished":
            break
    detail = api.get(f"/api/runs/{run_id}/").data
    assert detail["status"] == "completed"
    assert detail["current_step"] <= 3
    assert detail["end_reason"]
    assert (
        api.post(f"/api/runs/{run_id}/control/", {"action": "pause"}, format="json").status_code
        == 409
    )
