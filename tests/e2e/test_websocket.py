"""The run WebSocket through a real Daphne: refused when anonymous; ticks and catch-up."""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import httpx
import pytest
import websockets
from django.test import Client
from websockets.exceptions import InvalidStatus

from runs_app.services.runs import run_create
from tests.console.conftest import finished_run

pytestmark = pytest.mark.timeout(90)


def in_thread(fn, *args, **kwargs):
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def ws_url(server: str, run_id: int) -> str:
    return f"ws://{urlparse(server).netloc}/ws/runs/{run_id}/"


async def frames_until(ws, predicate, timeout: float = 20) -> list[str]:
    seen = []
    async with asyncio.timeout(timeout):
        while True:
            frame = await ws.recv()
            seen.append(frame)
            if predicate(frame):
                return seen


def test_an_anonymous_socket_is_refused(server, flood):
    run = in_thread(finished_run, flood, ticks=1)

    async def connect():
        async with websockets.connect(ws_url(server, run.pk), origin=server):
            pass

    with pytest.raises(InvalidStatus) as exc:
        in_thread(asyncio.run, connect())
    assert exc.value.response.status_code == 403


def test_a_logged_in_socket_receives_each_tick(server, flood, user):
    run = run_create(version=flood, overrides={"model_override": "offline/heuristic"}, start=False)
    cookie = session_cookie(user)

    async def watch_a_step():
        headers = {"Cookie": f"sessionid={cookie}"}
        async with websockets.connect(
            ws_url(server, run.pk), origin=server, additional_headers=headers
        ) as ws:
            async with httpx.AsyncClient(base_url=server, cookies={"sessionid": cookie}) as http:
                await http.get(f"/runs/{run.pk}/")
                token = http.cookies["csrftoken"]
                answer = await http.post(
                    f"/runs/{run.pk}/control/step/", headers={"X-CSRFToken": token}
                )
                assert answer.status_code in (200, 302)
            frames = await frames_until(
                ws, lambda f: f.startswith("{") and json.loads(f)["type"] == "run.tick"
            )
            return json.loads(frames[-1])

    payload = in_thread(asyncio.run, watch_a_step())
    assert payload["run"] == run.pk and payload["step"] == 1
    assert "rescued" in payload["metrics"]


def test_a_reconnecting_client_receives_the_steps_it_missed(server, flood, user):
    run = in_thread(finished_run, flood, ticks=4)
    cookie = session_cookie(user)

    async def catch_up(since: int) -> str:
        headers = {"Cookie": f"sessionid={cookie}"}
        async with websockets.connect(
            ws_url(server, run.pk), origin=server, additional_headers=headers
        ) as ws:
            await ws.send(json.dumps({"type": "catch_up", "since": since}))
            frames = await frames_until(ws, lambda f: 'id="chart-frame"' in f)
            return frames[-1]

    frame = in_thread(asyncio.run, catch_up(2))
    steps = frame.split('data-steps="')[1].split('"')[0].replace("&quot;", '"')
    assert [point["i"] for point in json.loads(steps)] == [3, 4]
    assert '<template><tbody hx-swap-oob="beforeend:#timeline-body">' in frame
