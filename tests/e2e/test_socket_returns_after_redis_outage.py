"""A console whose socket closed because Redis was down returns to the socket by itself.

Daphne uses a Redis of this test's own as its channel layer. The test opens a paused run's
console, stops that Redis (the page falls back to polling and says so), starts it again
(the page reconnects, says so, and stops polling), then sends the run's group a status
change through that Redis, as an executing worker does: the page shows it.
"""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from channels_redis.core import RedisChannelLayer  # type: ignore[import-untyped]

from runs_app.broadcast import run_group_name, status_changed_payload
from runs_app.models import Run, RunStatus
from runs_app.services.runs import run_create
from tests.e2e.conftest import login
from tests.processes import RedisServer, daphne_server
from tests.runs_app.factories import small_flood_version
from tests.services import require_redis_server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

PREFIX = f"outage-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(require_redis_server(), tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def server(transactional_db, redis_server):
    """Daphne with `redis_server` as its channel layer (and broker: no worker needed here)."""
    env = {
        "REDIS_URL": redis_server.url,
        "CELERY_BROKER_URL": "",
        "SIMENGINE_CHANNEL_PREFIX": PREFIX,
        "OLLAMA_HOST": "http://127.0.0.1:9",
    }
    with daphne_server(env=env) as url:
        yield url


def test_the_console_goes_back_to_its_socket_when_redis_returns(
    browser_page, server, redis_server, user
):
    run = run_create(
        version=small_flood_version(max_ticks=6),
        seed=5,
        overrides={"model_override": "offline/heuristic"},
        start=False,
    )
    page = browser_page
    login(page, server)
    page.goto(f"{server}/runs/{run.pk}/")
    page.wait_for_selector("#live-indicator[data-state=paused]")

    redis_server.stop()
    page.wait_for_selector("#live-indicator[data-state=offline]")
    assert page.inner_text("#live-indicator .live-text") == "reconnecting… (polling)"

    redis_server.start()
    page.wait_for_selector("#live-indicator[data-state=paused]")
    assert page.inner_text("#live-indicator .live-text") == "connected · paused"

    Run.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)  # what a catch-up reads
    # Playwright's sync API keeps an event loop in this thread: send from another one
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, announce_running(redis_server.url, run.pk)).result()
    page.wait_for_selector("#live-indicator[data-state=live]")
    assert page.inner_text("#live-indicator .live-text") == "live"


async def announce_running(redis_url: str, run_id: int) -> None:
    layer = RedisChannelLayer(hosts=[redis_url], prefix=PREFIX)
    try:
        payload = status_changed_payload(run_id=run_id, status="running", step=0)
        await layer.group_send(run_group_name(run_id), payload)
    finally:
        await layer.flush()
