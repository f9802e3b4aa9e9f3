import signal
import time

import pytest

from runs_app.models import Step
from runs_app.services.batches import batch_create
from runs_app.services.runs import run_create
from tests.processes import celery_worker, start_celery_worker
from tests.runs_app.factories import small_flood_version, wait_for_run, wait_until_final

pytestmark = pytest.mark.django_db(transaction=True)

TICKS = 300


# In a batch with no other run beside it, a run's slice goes on past SIMENGINE_SLICE_TICKS:
# the kill then lands in a long slice, and the run must resume all the same.
@pytest.mark.parametrize("in_batch", [False, True], ids=["run", "batch run"])
def test_a_run_survives_its_worker_being_killed_mid_run(settings, celery_broker, in_batch):
    version = small_flood_version(max_ticks=TICKS, name="Crash flood")
    settings.SIMENGINE_EXECUTOR = "thread"
    reference = wait_until_final(run_create(version=version, seed=21), timeout=120)
    settings.SIMENGINE_EXECUTOR = "celery"

    first = start_celery_worker(
        broker_url=celery_broker.url, queue=celery_broker.queue, env=celery_broker.worker_env
    )
    try:
        if in_batch:
            batch = batch_create(version=version, seeds_per_cell=1, base_seed=21)
            run = batch.runs.get()
        else:
            run = run_create(version=version, seed=21)
        wait_for_run(run, lambda r: r.current_step >= 20)
        first.kill_group(signal.SIGKILL)
        first.proc.wait(10)
    finally:
        first.stop()
    run.refresh_from_db()
    killed_at = run.current_step
    assert run.status == "running" and killed_at < TICKS

    with celery_worker(
        broker_url=celery_broker.url, queue=celery_broker.queue, env=celery_broker.worker_env
    ):
        run = wait_until_final(run, timeout=120)

    assert (run.status, run.current_step) == ("completed", TICKS)
    indexes = list(Step.objects.filter(run=run).order_by("index").values_list("index", flat=True))
    assert indexes == list(range(1, TICKS + 1))
    assert run.messages.count() == reference.messages.count()
    assert run.events.count() == reference.events.count()
    assert run.llm_calls.count() == reference.llm_calls.count()
    assert run.metrics == reference.metrics


# With the defaults: SIMENGINE_RUN_LEASE_SECONDS=30, SIMENGINE_WATCHDOG_INTERVAL=15 (and a
# visibility timeout of 300 s that the watchdog does not wait for). README "Recovery".
RESUME_BOUND = 30 + 15 + 5


def test_a_run_whose_worker_was_killed_resumes_within_the_stated_bound(celery_broker):
    version = small_flood_version(max_ticks=TICKS, name="Bound flood")
    first = start_celery_worker(broker_url=celery_broker.url, queue=celery_broker.queue)
    try:
        run = run_create(version=version, seed=4)
        wait_for_run(run, lambda r: r.current_step >= 10)
        first.kill_group(signal.SIGKILL)
        first.proc.wait(10)
        killed = time.monotonic()
    finally:
        first.stop()
    run.refresh_from_db()
    killed_at = run.current_step
    assert run.status == "running" and killed_at < TICKS

    with celery_worker(broker_url=celery_broker.url, queue=celery_broker.queue):
        wait_for_run(run, lambda r: r.current_step > killed_at, timeout=RESUME_BOUND + 30)
        resumed_in = time.monotonic() - killed
        run = wait_until_final(run, timeout=120)

    assert resumed_in < RESUME_BOUND, f"resumed after {resumed_in:.0f} s"
    assert (run.status, run.current_step) == ("completed", TICKS)
    indexes = list(Step.objects.filter(run=run).order_by("index").values_list("index", flat=True))
    assert indexes == list(range(1, TICKS + 1))
