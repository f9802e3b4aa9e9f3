"""The first WebSocket after a Redis restart connects and streams (issue: it answered 500).

A real Daphne uses a Redis of the test's own as its channel layer; the test opens a socket,
restarts that Redis (it comes back empty, as after a crash), then opens sockets again: each
must connect (or close cleanly with a close code, never an HTTP 500) and then stream what
the run's group is sent.
"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import pytest
import websockets
from channels_redis.core import RedisChannelLayer  # type: ignore[import-untyped]
from django.test import Client
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from runs_app.broadcast import run_group_name, status_changed_payload
from runs_app.consumers import CLOSE_TRY_AGAIN_LATER
from runs_app.services.runs import run_create
from tests.processes import daphne_server
from tests.runs_app.factories import small_flood_version

pytestmark = pytest.mark.timeout(120)

PREFIX = "restart-test"


def in_thread(fn, *args, **kwargs):
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


async def watch_and_hear(server: str, run_id: int, cookie: str, redis_url: str) -> dict:
    """Open the run's socket, send its group a status payload, return what arrives."""
    url = f"ws://{urlparse(server).netloc}/ws/runs/{run_id}/"
    headers = {"Cookie": f"sessionid={cookie}"}
    layer = RedisChannelLayer(hosts=[redis_url], prefix=PREFIX)
    try:
        async with asyncio.timeout(20):
            async with websockets.connect(
                url, origin=Origin(server), additional_headers=headers
            ) as ws:
                payload = status_changed_payload(run_id=run_id, status="paused", step=0)
                # The consumer joins the group just before it accepts: send until it hears.
                while True:
                    await layer.group_send(run_group_name(run_id), dict(payload))
                    try:
                        frame = await asyncio.wait_for(ws.recv(), timeout=0.5)
                    except TimeoutError:
                        continue
                    return json.loads(frame)
    finally:
        await layer.flush()


async def closed_with(server: str, run_id: int, cookie: str) -> int | None:
    """Open the run's socket and return the code it is closed with."""
    url = f"ws://{urlparse(server).netloc}/ws/runs/{run_id}/"
    headers = {"Cookie": f"sessionid={cookie}"}
    async with asyncio.timeout(30):
        async with websockets.connect(url, origin=Origin(server), additional_headers=headers) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
    return closed.value.rcvd.code if closed.value.rcvd else None


def test_the_first_socket_after_a_redis_restart_connects_and_streams(
    transactional_db, restartable_redis, django_user_model
):
    restartable_redis.start()
    user = django_user_model.objects.create_user("watcher", password="pw")
    run = run_create(version=small_flood_version(max_ticks=3, user=user), start=False, user=user)
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"].value
    env = {
        "REDIS_URL": restartable_redis.url,
        "CELERY_BROKER_URL": "",
        "SIMENGINE_CHANNEL_PREFIX": PREFIX,
        "OLLAMA_HOST": "http://127.0.0.1:9",
    }
    with daphne_server(env=env) as server:
        hear = lambda: in_thread(  # noqa: E731
            asyncio.run, watch_and_hear(server, run.pk, cookie, restartable_redis.url)
        )
        assert hear()["type"] == "run.status"

        restartable_redis.stop()
        restartable_redis.start()

        for _ in range(3):  # the first socket after the restart, and the ones after it
            assert hear() == {
                "type": "run.status",
                "run": run.pk,
                "status": "paused",
                "step": 0,
                "reason": "",
            }

        restartable_redis.stop()  # and while Redis is down: a clean close code, no 500
        assert in_thread(asyncio.run, closed_with(server, run.pk, cookie)) == CLOSE_TRY_AGAIN_LATER
