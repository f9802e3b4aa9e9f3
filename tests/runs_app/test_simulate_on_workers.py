from io import StringIO

import pytest
from django.core.management import call_command

from runs_app.models import Batch
from tests.processes import celery_worker
from tests.runs_app.factories import ROOT, small_flood_version

FLOOD = str(ROOT / "scenarios" / "riverside_flood.yaml")


def simulate(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("simulate", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_simulate_runs_a_stored_scenario_by_name():
    small_flood_version(max_ticks=6, name="Stored flood")
    out, _ = simulate("Stored flood", "--seed", "3")
    assert "Stored flood, seed 3" in out
    assert "ticks: 6" in out


@pytest.mark.django_db(transaction=True)
def test_simulate_runs_go_to_the_workers_as_a_batch_when_a_broker_is_set(celery_broker):
    with celery_worker(
        broker_url=celery_broker.url, queue=celery_broker.queue, env=celery_broker.worker_env
    ):
        out, err = simulate(
            FLOOD,
            "--runs",
            "6",
            "--concurrency",
            "3",
            "--seed",
            "10",
            "--max-ticks",
            "6",
            "--model-override",
            "offline/heuristic",
        )
    batch = Batch.objects.get()
    assert batch.total_runs == 6 and batch.concurrency == 3
    assert sorted(batch.runs.values_list("seed", flat=True)) == list(range(10, 16))
    assert set(batch.runs.values_list("status", flat=True)) == {"completed"}
    assert "Riverside flood, 6 runs (seeds 10..15)" in out
    assert "95% CI" in out
    assert f"batch {batch.pk}: 6 runs on the worker pool" in err
