from datetime import timedelta

import pytest
from django.utils import timezone

from agents_app.models import Agent
from runs_app.models import Run, RunStatus
from runs_app.services.batches import batch_create
from runs_app.services.runs import run_stop
from tests.api.factories import make_run, make_version

pytestmark = pytest.mark.django_db


def test_it_creates_a_run_of_a_scenarios_latest_version(api):
    make_version("Flood")
    latest = make_version("Flood", **{"max_ticks: 5": "max_ticks: 7"})
    response = api.post("/api/runs/", {"scenario": latest.scenario_id}, format="json")
    assert response.status_code == 201
    run = Run.objects.get(pk=response.data["id"])
    assert run.scenario_version == latest
    assert run.status == RunStatus.QUEUED
    assert run.seed == 7
    assert response.data["scenario_version"] == {
        "id": latest.pk,
        "number": 2,
        "scenario": latest.scenario_id,
        "scenario_name": "Flood",
    }
    assert response.data["agent_count"] == 3
    assert response.data["created_by"] == "ana"


def test_it_creates_a_paused_run_of_a_version_with_seed_and_overrides(api):
    version = make_version()
    payload = {
        "version": version.pk,
        "seed": 99,
        "start": False,
        "overrides": {
            "params": {"rain_intensity": 0.9},
            "model_override": "offline/heuristic",
            "max_ticks": 3,
            "templates": {"rescuer": {"count": 3}},
        },
    }
    response = api.post("/api/runs/", payload, format="json")
    assert response.status_code == 201
    run = Run.objects.get(pk=response.data["id"])
    assert (run.status, run.seed, run.max_ticks) == (RunStatus.PAUSED, 99, 3)
    assert run.overrides == payload["overrides"]
    assert Agent.objects.filter(run=run, template_id="rescuer").count() == 3


@pytest.mark.parametrize(
    "payload, path",
    [
        ({}, "scenario"),
        ({"scenario": 1, "version": 1}, "scenario"),
        ({"version": 123456}, "version"),
        ({"scenario": 123456}, "scenario"),
        ({"version": "one"}, "version"),
        ({"version": "V", "seed": -1}, "seed"),
        ({"version": "V", "seed": 2**40}, "seed"),
        ({"version": "V", "start": "maybe"}, "start"),
        ({"version": "V", "overrides": {"max_ticks": 0}}, "overrides.max_ticks"),
        ({"version": "V", "overrides": {"model_override": "olama/x"}}, "overrides.model_override"),
        ({"version": "V", "overrides": {"params": []}}, "overrides.params"),
        ({"version": "V", "overrides": {"templates": {"ghost": {}}}}, "overrides.templates.ghost"),
        (
            {"version": "V", "overrides": {"templates": {"rescuer": 3}}},
            "overrides.templates.rescuer",
        ),
        (
            {"version": "V", "overrides": {"params": {"rain_intensity": "lots"}}},
            "world.params.rain_intensity",
        ),
    ],
)
def test_bad_run_payloads_answer_400_with_the_path_and_save_nothing(api, payload, path):
    version = make_version()
    payload = {k: (version.pk if v == "V" else v) for k, v in payload.items()}
    response = api.post("/api/runs/", payload, format="json")
    assert response.status_code == 400, response.data
    assert path in [error["path"] for error in response.data["errors"]]
    assert not Run.objects.exists()
    assert not Agent.objects.exists()


def test_it_lists_runs_newest_first(api):
    version = make_version()
    first, second = make_run(version), make_run(version)
    response = api.get("/api/runs/")
    assert response.status_code == 200
    assert [r["id"] for r in response.data["results"]] == [second.pk, first.pk]


def test_it_filters_runs_by_scenario_status_batch_and_creation_time(api):
    flood, other = make_version("Flood"), make_version("Other")
    paused = make_run(flood)
    queued = make_run(flood, start=True)
    elsewhere = make_run(other)
    batch = batch_create(version=flood, seeds_per_cell=2, user=api.user)
    batch_runs = set(batch.runs.values_list("id", flat=True))
    Run.objects.filter(pk=paused.pk).update(created_at=timezone.now() - timedelta(days=2))

    def ids(**params):
        response = api.get("/api/runs/", params)
        assert response.status_code == 200, response.data
        return {r["id"] for r in response.data["results"]}

    assert ids(scenario=other.scenario_id) == {elsewhere.pk}
    assert ids(version=other.pk) == {elsewhere.pk}
    assert ids(status="paused") == {paused.pk, elsewhere.pk}
    assert ids(batch=batch.pk) == batch_runs
    yesterday = (timezone.now() - timedelta(days=1)).isoformat()
    assert ids(created_before=yesterday) == {paused.pk}
    assert ids(created_after=yesterday, scenario=flood.scenario_id) == {queued.pk, *batch_runs}


@pytest.mark.parametrize(
    "params, path",
    [
        ({"status": "sleeping"}, "status"),
        ({"scenario": "x"}, "scenario"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"limit": 0}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"offset": -1}, "offset"),
    ],
)
def test_bad_run_filters_answer_400_with_the_parameter(api, params, path):
    response = api.get("/api/runs/", params)
    assert response.status_code == 400
    assert response.data["errors"][0]["path"] == path


def test_run_detail_has_metrics_and_end_reason(api):
    run = make_run()
    run_stop(run=run)
    Run.objects.filter(pk=run.pk).update(metrics={"rescued_fraction": 0.5})
    response = api.get(f"/api/runs/{run.pk}/")
    assert response.status_code == 200
    assert response.data["status"] == "stopped"
    assert response.data["end_reason"] == "stopped by operator"
    assert response.data["metrics"] == {"rescued_fraction": 0.5}
    assert response.data["evaluations"] == []


def test_an_unknown_run_is_404(api):
    assert api.get("/api/runs/4040/").status_code == 404
    assert api.get("/api/runs/99999999999999999999999/").status_code == 404


def test_overrides_that_do_not_fit_the_database_are_400(api):
    version = make_version()
    overrides = {"params": {"termination.max_ticks": 10**20}}
    response = api.post(
        "/api/runs/", {"version": version.pk, "overrides": overrides}, format="json"
    )
    assert response.status_code == 400
    assert response.data["errors"][0]["path"] == "termination.max_ticks"
