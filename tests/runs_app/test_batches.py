import os
from datetime import timedelta

import pytest
from django.utils import timezone

from runs_app.models import Batch, Run, RunStatus
from runs_app.services.batches import batch_create, batch_progress, grid_cells
from runs_app.services.errors import InvalidRunConfig
from runs_app.services.runs import run_create, run_stop
from tests.processes import celery_worker
from tests.runs_app.factories import recorded_slices, small_flood_version, wait_for_run

SEEDS = int(os.environ.get("SIMENGINE_TEST_BATCH_SEEDS", "100"))


def max_overlap(runs) -> int:
    intervals = [(r.started_at, r.finished_at) for r in runs]
    return max(sum(1 for s, f in intervals if s <= start < f) for start, _ in intervals)


def test_grid_cells_are_every_combination_in_a_stable_order():
    assert grid_cells({"b": [1, 2], "a": ["x"]}) == [{"a": "x", "b": 1}, {"a": "x", "b": 2}]
    assert grid_cells({}) == [{}]


@pytest.mark.django_db
def test_a_bad_grid_is_refused_whole_and_saves_nothing():
    version = small_flood_version()
    with pytest.raises(InvalidRunConfig) as refused:
        batch_create(version=version, grid={"rain_intensity": [0.5, "heavy"], "levee": []})
    assert "grid.levee: expected a non-empty list of values" in refused.value.errors
    with pytest.raises(InvalidRunConfig) as refused:
        batch_create(version=version, grid={"rain_intensity": [0.5, -3]})
    assert any("rain_intensity" in line for line in refused.value.errors)
    assert Batch.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_batch_of_300_runs_completes_on_two_workers_within_its_concurrency(
    settings, celery_broker
):
    settings.SIMENGINE_MAX_CONCURRENT_RUNS = 10
    version = small_flood_version(max_ticks=8, name="Batch flood")
    with (
        celery_worker(
            broker_url=celery_broker.url,
            queue=celery_broker.queue,
            concurrency=1,
            env={**celery_broker.worker_env, "SIMENGINE_MAX_CONCURRENT_RUNS": "10"},
        ),
        celery_worker(
            broker_url=celery_broker.url,
            queue=celery_broker.queue,
            concurrency=1,
            env={**celery_broker.worker_env, "SIMENGINE_MAX_CONCURRENT_RUNS": "10"},
        ),
    ):
        batch = batch_create(
            version=version,
            grid={"rain_intensity": [0.4, 0.6, 0.8]},
            seeds_per_cell=SEEDS,
            base_seed=1000,
            concurrency=10,
        )
        batch = wait_for_run(batch, lambda b: b.status == "completed", timeout=600)

    progress = batch_progress(batch)
    assert (progress["total"], progress["done"], progress["completed"]) == (3 * SEEDS,) * 3
    assert max_overlap(batch.runs.all()) <= 10
    assert sorted(batch.aggregates) == [
        '{"rain_intensity":0.4}',
        '{"rain_intensity":0.6}',
        '{"rain_intensity":0.8}',
    ]
    for cell in batch.aggregates.values():
        assert cell["runs"] == SEEDS
        water = cell["metrics"]["water_level"]
        assert water["n"] == SEEDS and water["ci_low"] <= water["mean"] <= water["ci_high"]
    means = [
        batch.aggregates[k]["metrics"]["water_level"]["mean"] for k in sorted(batch.aggregates)
    ]
    assert means == sorted(means)


@pytest.mark.django_db(transaction=True)
def test_a_batch_run_with_no_other_run_beside_its_batch_takes_one_slice(settings, monkeypatch):
    settings.SIMENGINE_SLICE_TICKS = 5
    sent = recorded_slices(monkeypatch)
    batch = batch_create(version=small_flood_version(max_ticks=15), seeds_per_cell=2)
    batch = wait_for_run(batch, lambda b: b.status == "completed")
    runs = list(batch.runs.all())
    assert [r.current_step for r in runs] == [15, 15]
    assert sorted(sent) == sorted(r.pk for r in runs)  # the admission's slice, nothing after


@pytest.mark.django_db(transaction=True)
def test_a_batch_run_beside_another_run_keeps_to_the_slice_ticks(settings, monkeypatch):
    settings.SIMENGINE_SLICE_TICKS = 5
    version = small_flood_version(max_ticks=15)
    other = run_create(version=version, start=False)
    # another run executing (its live slice elsewhere): the batch must share the workers
    Run.objects.filter(pk=other.pk).update(
        status=RunStatus.RUNNING,
        lease_holder="elsewhere",
        lease_expires_at=timezone.now() + timedelta(minutes=10),
    )
    sent = recorded_slices(monkeypatch)
    batch = batch_create(version=version, seeds_per_cell=1)
    batch = wait_for_run(batch, lambda b: b.status == "completed")
    (run,) = batch.runs.all()
    assert run.current_step == 15
    assert sent.count(run.pk) == 3  # 15 ticks in slices of 5
    Run.objects.filter(pk=other.pk).update(status=RunStatus.STOPPED)


@pytest.mark.django_db(transaction=True)
def test_stop_ends_a_batch_run_in_the_middle_of_its_long_slice(settings):
    settings.SIMENGINE_SLICE_TICKS = 5
    batch = batch_create(version=small_flood_version(max_ticks=5000), seeds_per_cell=1)
    run = wait_for_run(batch.runs.get(), lambda r: r.current_step >= 8)  # past a slice of 5
    run_stop(run=run)
    run = wait_for_run(run, lambda r: r.status == RunStatus.STOPPED)
    assert 8 <= run.current_step < 5000
