"""The system page and API with a real worker that is then killed, and a Redis that is stopped."""

from __future__ import annotations

import asyncio
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest
from django.urls import reverse

from runs_app.services.system import CACHE_SECONDS
from simengine.celery import app as celery_app
from simengine.llm.limits import RedisSlotLimiter
from tests.processes import free_port, start_celery_worker
from tests.runs_app.conftest import _forget_connections
from tests.services import port_open, require_redis_server

pytestmark = [pytest.mark.redis, pytest.mark.timeout(180)]

OLLAMA = "http://127.0.0.1:9"  # nothing listens there: Ollama shows as unreachable


@pytest.fixture
def doomed_redis(tmp_path) -> Iterator[tuple[str, subprocess.Popen]]:
    """A Redis of this test's own on a free port, which the test stops."""
    binary = require_redis_server()
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
        + ["--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 10
    while not port_open("127.0.0.1", port, timeout=0.2):
        assert proc.poll() is None and time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0", proc
    if proc.poll() is None:
        proc.terminate()
    proc.wait(10)


@pytest.fixture
def on_that_redis(doomed_redis, settings, monkeypatch):
    url, _ = doomed_redis
    queue = f"test-{uuid.uuid4().hex[:10]}"
    saved = celery_app.conf.broker_url
    celery_app.conf["broker_url"] = url
    _forget_connections()
    settings.REDIS_URL = settings.CELERY_BROKER_URL = url
    settings.SIMENGINE_EXECUTOR = "celery"
    settings.SIMENGINE_CELERY_QUEUE = queue
    monkeypatch.setenv("OLLAMA_HOST", OLLAMA)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    yield url, queue
    celery_app.conf["broker_url"] = saved
    _forget_connections()


def status(client) -> dict:
    time.sleep(CACHE_SECONDS + 0.1)  # past the short cache: a fresh round of checks
    started = time.monotonic()
    response = client.get("/api/system/")
    assert response.status_code == 200, response.content
    assert time.monotonic() - started < 6, "the checks must answer within their deadline"
    return response.json()


def slot_row(data: dict) -> dict:
    return next(s for s in data["llm_slots"]["servers"] if s["name"] == f"ollama:{OLLAMA}")


@pytest.mark.django_db(transaction=True)
def test_a_live_worker_then_a_killed_one_then_redis_stopped(
    admin_client, doomed_redis, on_that_redis
):
    url, queue = on_that_redis
    _, redis_proc = doomed_redis
    worker = start_celery_worker(broker_url=url, queue=queue, concurrency=1)
    limiter = RedisSlotLimiter(url, f"ollama:{OLLAMA}", 4)
    try:
        token = asyncio.run(limiter.acquire())
        data = status(admin_client)
        assert data["executor"] == "celery"
        assert data["database"]["ok"] is True
        assert data["redis"]["ok"] is True and data["redis"]["message"].startswith("Redis ")
        assert data["workers"]["ok"] is True and len(data["workers"]["alive"]) == 1
        assert data["workers"]["alive"][0].startswith("test-")  # the -n name it started with
        assert data["queue"] == {"name": queue, "length": 0, "message": "0 task(s) waiting"}
        assert data["runs"] == {"running": 0, "queued": 0, "paused": 0, "max_concurrent": 10}
        assert slot_row(data) == {
            "name": f"ollama:{OLLAMA}",
            "slots": 4,
            "in_use": 1,
            "waiting": 0,
        }
        ollama = next(p for p in data["providers"] if p["name"] == "ollama")
        assert ollama["ok"] is False and OLLAMA in ollama["message"]
        anthropic = next(p for p in data["providers"] if p["name"] == "anthropic")
        assert anthropic["ok"] is None and "ANTHROPIC_API_KEY" in anthropic["message"]
        asyncio.run(limiter.release(token))
    finally:
        worker.kill_group()  # SIGKILL: the worker dies without saying goodbye
        worker.stop()

    celery_app.send_task("runs.run_slice", args=(999_999,), queue=queue)
    data = status(admin_client)
    assert data["workers"] == {
        "mode": "celery",
        "ok": False,
        "alive": [],
        "message": "no worker answered a ping within 1 s",
    }
    assert data["queue"]["length"] == 1
    assert slot_row(data)["in_use"] == 0
    page = admin_client.get(reverse("runs:system")).content.decode()
    assert "no worker answered a ping within 1 s" in page
    assert "<strong>1</strong> waiting" in page

    redis_proc.terminate()
    redis_proc.wait(10)
    data = status(admin_client)
    assert data["redis"]["ok"] is False
    assert data["workers"]["ok"] is False
    assert data["workers"]["message"] == "the broker is unreachable, so no worker can be asked"
    assert data["queue"]["length"] is None
    assert data["llm_slots"]["message"] == "Redis is unreachable: slot use unknown"
    assert data["database"]["ok"] is True
    page = admin_client.get(reverse("runs:system"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="card-redis"' in html and 'data-ok="false"' in html
    assert "the broker is unreachable" in html


def test_the_system_api_is_for_staff(client, django_user_model, db):
    user = django_user_model.objects.create_user("viewer", password="pw-viewer-1")
    client.force_login(user)
    assert client.get("/api/system/").status_code == 403
    client.logout()
    assert client.get("/api/system/").status_code == 401
