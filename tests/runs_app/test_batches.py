import os

import pytest

from runs_app.models import Batch
from runs_app.services.batches import batch_create, batch_progress, grid_cells
from runs_app.services.errors import InvalidRunConfig
from tests.processes import celery_worker
from tests.runs_app.factories import small_flood_version, wait_for_run

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
