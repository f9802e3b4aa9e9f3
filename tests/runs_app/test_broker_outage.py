"""Redis outages: a worker outlives a Redis restart mid-run, and runs created meanwhile wait."""

from __future__ import annotations

import time

import pytest

from runs_app.models import Run, Step
from runs_app.services.runs import run_create
from tests.api.factories import make_user, token_client
from tests.fakes import FakeOllama
from tests.processes import celery_worker
from tests.runs_app.factories import small_flood_version, wait_for_run, wait_until_final

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
    version = small_flood_version(max_ticks=5)
    client = token_client(make_user())

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
