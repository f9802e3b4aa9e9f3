import pytest

from runs_app.models import Batch, BatchStatus, Run, RunStatus
from runs_app.services.batches import batch_create
from tests.api.factories import make_version

pytestmark = pytest.mark.django_db


def test_it_creates_a_batch_over_a_grid_with_seeds(api):
    version = make_version()
    payload = {
        "version": version.pk,
        "name": "rain sweep",
        "grid": {"rain_intensity": [0.3, 0.6], "levee_height": [2.0, 3.0, 4.0]},
        "seeds_per_cell": 2,
        "base_seed": 100,
        "concurrency": 3,
        "overrides": {"max_ticks": 4},
    }
    response = api.post("/api/batches/", payload, format="json")
    assert response.status_code == 201, response.data
    batch = Batch.objects.get(pk=response.data["id"])
    assert batch.total_runs == 12
    assert response.data["progress"]["total"] == 12
    assert response.data["progress"]["queued"] == 12
    assert sorted(batch.runs.values_list("seed", flat=True)) == [100] * 6 + [101] * 6
    assert set(batch.runs.values_list("max_ticks", flat=True)) == {4}


def test_a_batch_of_a_scenario_uses_its_latest_version_and_one_run_by_default(api):
    version = make_version()
    response = api.post("/api/batches/", {"scenario": version.scenario_id}, format="json")
    assert response.status_code == 201
    assert response.data["total_runs"] == 1
    assert response.data["scenario_version"]["id"] == version.pk


@pytest.mark.parametrize(
    "change, path",
    [
        ({"grid": {"rain_intensity": []}}, "grid.rain_intensity"),
        ({"grid": {"rain_intensity": 0.3}}, "grid.rain_intensity"),
        ({"grid": {"rain_intensity": ["lots"]}}, "world.params.rain_intensity"),
        ({"seeds_per_cell": 0}, "seeds_per_cell"),
        ({"concurrency": 0}, "concurrency"),
        ({"seeds_per_cell": 20_000, "grid": {"rain_intensity": [0.1, 0.2]}}, "batch"),
        ({"grid": {"x" * 400: [1]}}, "grid"),
        ({"overrides": {"templates": {"ghost": {}}}}, "overrides.templates.ghost"),
    ],
)
def test_bad_batches_are_400_with_the_path_and_save_nothing(api, change, path):
    version = make_version()
    response = api.post("/api/batches/", {"version": version.pk, **change}, format="json")
    assert response.status_code == 400, response.data
    assert path in [error["path"] for error in response.data["errors"]]
    assert not Batch.objects.exists()
    assert not Run.objects.exists()


def test_it_lists_batches_and_filters_them(api):
    flood, other = make_version("Flood"), make_version("Other")
    mine = batch_create(version=flood, user=api.user)
    batch_create(version=other, user=api.user)
    response = api.get("/api/batches/", {"scenario": flood.scenario_id})
    assert [b["id"] for b in response.data["results"]] == [mine.pk]
    assert api.get("/api/batches/", {"status": "finished"}).status_code == 400


def test_batch_detail_shows_progress(api):
    batch = batch_create(version=make_version(), seeds_per_cell=3, user=api.user)
    first = batch.runs.order_by("id").first()
    assert first is not None
    Run.objects.filter(pk=first.pk).update(status=RunStatus.COMPLETED)
    response = api.get(f"/api/batches/{batch.pk}/")
    assert response.status_code == 200
    assert response.data["progress"]["done"] == 1
    assert response.data["progress"]["completed"] == 1
    assert response.data["progress"]["queued"] == 2


def test_aggregates_summarise_completed_runs_per_cell(api):
    batch = batch_create(
        version=make_version(),
        grid={"rain_intensity": [0.3, 0.6]},
        seeds_per_cell=2,
        user=api.user,
    )
    for run, value in zip(batch.runs.order_by("id"), [0.5, 0.7, 0.2, 0.4], strict=True):
        Run.objects.filter(pk=run.pk).update(
            status=RunStatus.COMPLETED, metrics={"rescued_fraction": value}
        )
    response = api.get(f"/api/batches/{batch.pk}/aggregates/")
    assert response.status_code == 200
    cells = response.data["cells"]
    low = cells['{"rain_intensity":0.3}']
    assert low["params"] == {"rain_intensity": 0.3}
    assert low["runs"] == 2
    assert low["metrics"]["rescued_fraction"]["mean"] == pytest.approx(0.6)
    assert low["metrics"]["rescued_fraction"]["n"] == 2
    high = cells['{"rain_intensity":0.6}']["metrics"]["rescued_fraction"]
    assert high["mean"] == pytest.approx(0.3)
    assert high["ci_low"] < high["mean"] < high["ci_high"]


def test_aggregates_of_a_completed_batch_are_the_stored_ones(api):
    batch = batch_create(version=make_version(), user=api.user)
    Batch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.COMPLETED, aggregates={"{}": {"params": {}, "runs": 0, "metrics": {}}}
    )
    response = api.get(f"/api/batches/{batch.pk}/aggregates/")
    assert response.data == {
        "batch": batch.pk,
        "status": "completed",
        "cells": {"{}": {"params": {}, "runs": 0, "metrics": {}}},
    }


@pytest.mark.parametrize("url", ["/api/batches/404/", "/api/batches/404/aggregates/"])
def test_unknown_batches_are_404(api, url):
    assert api.get(url).status_code == 404
