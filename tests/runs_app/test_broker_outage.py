"""Redis outages: a worker outlives a Redis restart mid-run, and runs created meanwhile wait."""

from __future__ import annotations

import time

import pytest

from runs_app.models import Evaluation, Run, Step
from runs_app.services.runs import run_create
from runs_app.services.watchdog import runs_sweep
from tests.api.factories import make_user, token_client
from tests.console.conftest import finished_run
from tests.fakes import FakeOllama
from tests.processes import celery_worker
from tests.runs_app.factories import (
    sample_version,
    small_flood_version,
    wait_for_run,
    wait_until_final,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]

TICKS = 60


def test_a_worker_outlives_a_redis_restart_mid_run_and_the_run_completes_once(
    outage_broker, restartable_redis, monkeypatch
):
    restartable_redis.start()
    with FakeOllama(slots=8, latency=0.1, models=None) as ollama:
        monkeypatch.setenv("OLLAMA_HOST", ollama.url)
        env = {**outage_broker.worker_env, "OLLAMA_HOST": ollama.url}
        with celery_worker(
            broker_url=outage_broker.url, queue=outage_broker.queue, env=env
        ) as worker:
            run = run_create(
                version=small_flood_version(max_ticks=TICKS),
                overrides={"model_override": "ollama/llama3.2"},
            )
            wait_for_run(run, lambda r: r.current_step >= 5, timeout=60)
            restartable_redis.stop()  # a slice is in flight: its message is unacknowledged
            time.sleep(5)
            restartable_redis.start()  # empty: queued messages and the unacked index are gone
            run = wait_until_final(run, timeout=180)
            alive = worker.proc.poll() is None
            log = worker.log()

    assert "Connection to broker lost" in log
    assert "Restoring" in log  # the path that crashed: unacked messages restored on close
    assert "Unrecoverable error" not in log, log[-3000:]
    assert alive
    assert (run.status, run.current_step) == ("completed", TICKS)
    indexes = list(Step.objects.filter(run=run).order_by("index").values_list("index", flat=True))
    assert indexes == list(range(1, TICKS + 1))


def test_a_run_created_while_redis_is_down_is_saved_queued_and_runs_once_it_is_back(
    outage_broker, restartable_redis
):
    user = make_user()
    version = small_flood_version(max_ticks=5, user=user)
    client = token_client(user)

    started = time.monotonic()
    response = client.post("/api/runs/", {"version": version.pk}, format="json")
    answered_in = time.monotonic() - started

    assert response.status_code == 201, response.content
    run = Run.objects.get(pk=response.json()["id"])
    assert run.status == "queued"  # not "running" with no slice anywhere
    assert answered_in < 10

    restartable_redis.start()
    with celery_worker(
        broker_url=outage_broker.url, queue=outage_broker.queue, env=outage_broker.worker_env
    ):
        run = wait_until_final(run, timeout=60)  # the worker's start-up sweep admits it
    assert (run.status, run.current_step) == ("completed", 5)


def test_an_evaluation_whose_enqueue_fails_in_an_outage_is_sent_once_by_the_watchdog(
    outage_broker, restartable_redis
):
    """Redis is down when the run completes: its evaluation is kept due, then sent once."""
    run = finished_run(sample_version(), ticks=3)  # completes while the broker is down

    assert run.status == "completed"
    assert not Evaluation.objects.filter(run=run).exists()
    assert run.evaluation_due_at is not None  # kept, not just logged
    assert runs_sweep().evaluations == []  # still down: given back, due for the next sweep

    restartable_redis.start()
    assert runs_sweep().evaluations == [run.pk]
    assert runs_sweep().evaluations == []  # claimed: not sent a second time
    with celery_worker(
        broker_url=outage_broker.url, queue=outage_broker.queue, env=outage_broker.worker_env
    ):
        wait_for_run(run, lambda r: r.evaluation_due_at is None, timeout=60)
    models = list(Evaluation.objects.filter(run=run).values_list("evaluator_model", flat=True))
    assert models and len(models) == len(set(models))  # each evaluator exactly once
    assert runs_sweep().evaluations == []
