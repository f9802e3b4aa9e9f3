"""PostgreSQL faults: connections killed mid-run, and no connection leak under Daphne."""

from __future__ import annotations

import threading
import time
from collections import Counter
from functools import partial

import httpx
import pytest
from django.db import connection

from runs_app.models import Run, Step
from runs_app.services.runs import run_create
from tests import processes
from tests.api.factories import make_user
from tests.fakes import FakeOllama
from tests.gate import TcpGate
from tests.processes import celery_worker, daphne_server
from tests.runs_app.factories import small_flood_version, wait_for_run, wait_until_final
from tests.services import unavailable

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

TICKS = 60


@pytest.fixture(autouse=True)
def _postgresql():
    if connection.vendor != "postgresql":
        unavailable("PostgreSQL (set DATABASE_URL=postgres://...)")


def _other_backends() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall()]


def _reached(run: Run, *, step: int) -> bool:
    return run.current_step >= step


def _terminate_other_backends() -> int:
    pids = _other_backends()
    with connection.cursor() as cursor:
        for pid in pids:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    return len(pids)


def test_a_run_continues_when_its_database_connections_are_killed_mid_run(monkeypatch):
    with FakeOllama(slots=8, latency=0.05, models=None) as ollama:
        monkeypatch.setenv("OLLAMA_HOST", ollama.url)
        run = run_create(
            version=small_flood_version(max_ticks=TICKS),
            overrides={"model_override": "ollama/llama3.2"},
        )
        killed = 0
        for step in (4, 20, 40):
            wait_for_run(run, partial(_reached, step=step), timeout=60)
            killed += _terminate_other_backends()
        run = wait_until_final(run, timeout=120)

    assert killed >= 3  # the slice's connection (and its guard's) each time
    assert (run.status, run.current_step, run.error) == ("completed", TICKS, "")
    indexes = list(Step.objects.filter(run=run).order_by("index").values_list("index", flat=True))
    assert indexes == list(range(1, TICKS + 1))


CLIENTS = 20
SECONDS = 4.0
POOL = 4


def test_twenty_api_clients_under_daphne_get_no_errors_and_hold_few_connections():
    from rest_framework.authtoken.models import Token

    user = make_user("loadtester")
    token = Token.objects.create(user=user).key
    small_flood_version()  # something to list
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    peak = 0
    baseline = len(_other_backends())  # this test process's own pool
    with daphne_server(env={"SIMENGINE_DB_POOL_SIZE": str(POOL)}) as base:
        stop_at = time.monotonic() + SECONDS

        def client() -> None:
            headers = {"Authorization": f"Token {token}"}
            with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
                paths = ("/api/runs/", "/api/scenarios/", "/api/batches/")
                n = 0
                while time.monotonic() < stop_at:
                    try:
                        statuses[http.get(paths[n % len(paths)]).status_code] += 1
                    except httpx.HTTPError as exc:
                        errors.append(repr(exc))
                    n += 1

        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            peak = max(peak, len(_other_backends()))
            time.sleep(0.1)
        after = len(_other_backends())

    assert errors == []
    assert set(statuses) == {200}, statuses
    assert sum(statuses.values()) > CLIENTS
    daphne_peak = peak - baseline
    assert daphne_peak <= POOL, f"Daphne held {daphne_peak} connections with a pool of {POOL}"
    assert after - baseline <= POOL


def test_a_slice_that_cannot_reach_the_database_is_sent_again_later(celery_broker):
    settings_dict = connection.settings_dict
    gate = TcpGate(
        (settings_dict.get("HOST") or "127.0.0.1", int(settings_dict.get("PORT") or 5432))
    )
    gate.open()
    url = processes.test_database_url().replace(
        f":{settings_dict.get('PORT') or 5432}/", f":{gate.port}/"
    )
    env = {"DATABASE_URL": url, "SIMENGINE_DB_POOL_SIZE": "0"}
    try:
        with celery_worker(
            broker_url=celery_broker.url, queue=celery_broker.queue, env=env
        ) as worker:
            gate.close()  # PostgreSQL now refuses the worker's connections
            run = run_create(version=small_flood_version(max_ticks=5))  # sent to the worker
            worker.wait_for_log("giving up on this slice", timeout=60)
            gate.open()
            run = wait_until_final(run, timeout=60)
            log = worker.log()
    finally:
        gate.close()

    assert "retrying from the last tick" in log
    assert (run.status, run.current_step, run.error) == ("completed", 5, "")
