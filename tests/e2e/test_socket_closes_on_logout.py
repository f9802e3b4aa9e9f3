"""A run's WebSocket closes when its login session ends, through a real Daphne server."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from runs_app.consumers import CLOSE_UNAUTHENTICATED
from runs_app.services.runs import run_create
from tests.e2e.conftest import PASSWORD

pytestmark = pytest.mark.timeout(90)


def in_thread(fn, *args):
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args).result()


def sign_in(client: httpx.Client, username: str) -> None:
    page = client.get("/login/")
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    token = found.group(1)
    answer = client.post(
        "/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{client.base_url}/login/"},
    )
    assert answer.status_code == 302, answer.text[:500]


def sign_out(client: httpx.Client) -> None:
    answer = client.post(
        "/logout/",
        data={"csrfmiddlewaretoken": client.cookies["csrftoken"]},
        headers={"Referer": f"{client.base_url}/"},
    )
    assert answer.status_code == 302, answer.text[:500]


def test_logging_out_closes_the_open_socket_of_that_session(server, flood, user):
    run = run_create(version=flood, overrides={"model_override": "offline/heuristic"}, start=False)
    http = httpx.Client(base_url=server, follow_redirects=False, timeout=10)
    other = httpx.Client(base_url=server, follow_redirects=False, timeout=10)
    sign_in(http, user.username)
    sign_in(other, user.username)  # the same user in another browser: a second session

    async def watch() -> tuple[int, bool]:
        url = f"ws://{urlparse(server).netloc}/ws/runs/{run.pk}/"
        mine = await websockets.connect(
            url,
            origin=server,
            additional_headers={"Cookie": f"sessionid={http.cookies['sessionid']}"},
        )
        theirs = await websockets.connect(
            url,
            origin=server,
            additional_headers={"Cookie": f"sessionid={other.cookies['sessionid']}"},
        )
        await asyncio.to_thread(sign_out, http)
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(10):
                while True:
                    await mine.recv()
        # the other session's socket stays open: it still answers a ping
        async with asyncio.timeout(5):
            await (await theirs.ping())
        still_open = theirs.state == websockets.protocol.State.OPEN
        await theirs.close()
        assert closed.value.rcvd is not None
        return closed.value.rcvd.code, still_open

    code, still_open = in_thread(asyncio.run, watch())
    assert code == CLOSE_UNAUTHENTICATED
    assert still_open
    http.close()
    other.close()
