"""The run WebSocket consumer on the in-memory channel layer: who may watch, what arrives."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from runs_app import consumers
from runs_app.broadcast import (
    RunPayload,
    RunStatusPayload,
    RunTickPayload,
    TickMessage,
    run_group_name,
    session_group_name,
    status_changed_payload,
    tick_committed_payload,
)
from runs_app.consumers import CLOSE_NOT_FOUND, CLOSE_UNAUTHENTICATED
from runs_app.models import FINAL_RUN_STATUSES, Event, Run
from runs_app.routing import websocket_urlpatterns
from runs_app.services.lifecycle import run_stop
from scenarios_app.services import scenario_import
from tests.console.conftest import finished_run
from tests.personas import make_world
from tests.runs_app.factories import wait_until_final

SAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "riverside_flood.yaml"

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(autouse=True)
def in_memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture
def user(transactional_db, django_user_model):
    return django_user_model.objects.create_user("watcher", password="pw")


@pytest.fixture
def run(user):
    """A finished run of the watcher's own."""
    version = scenario_import(text=SAMPLE.read_text(encoding="utf-8"), user=user).version
    run = finished_run(version, ticks=4, user=user)
    # Its automatic evaluation runs on a thread and announces itself to the run's group:
    # let it finish first, so that no test receives its payload among the ones it sends.
    deadline = time.monotonic() + 20
    while not run.evaluations.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    return run


def watching(run_id: int, user: Any) -> WebsocketCommunicator:
    # channels-stubs type URLRouter's routes as its own pattern class, which Django's path()
    # does not return; the routes are the project's, whatever their declared type.
    routes: list[Any] = list(websocket_urlpatterns)
    communicator = WebsocketCommunicator(URLRouter(routes), f"/ws/runs/{run_id}/")
    # The stubs' test scope lists only ASGI keys; "user" is what AuthMiddleware would add.
    communicator.scope["user"] = user  # type: ignore[typeddict-unknown-key]
    return communicator


def session(run_id: int, user: Any, body: Callable[[WebsocketCommunicator], Awaitable[Any]]):
    """Connect as `user`, run `body`, always disconnect; returns what `body` returns."""

    async def go() -> Any:
        communicator = watching(run_id, user)
        connected, _ = await communicator.connect()
        assert connected
        try:
            return await body(communicator)
        finally:
            await communicator.disconnect()

    return async_to_sync(go)()


def memory_layer() -> InMemoryChannelLayer:
    layer = get_channel_layer()
    assert isinstance(layer, InMemoryChannelLayer)
    return layer


async def send_to_group(run_id: int, payload: RunPayload) -> None:
    await memory_layer().group_send(run_group_name(run_id), dict(payload))


def test_an_anonymous_watcher_is_refused_with_4401(run):
    async def connect() -> tuple[bool, int | str | None]:
        return await watching(run.pk, AnonymousUser()).connect()

    assert async_to_sync(connect)() == (False, CLOSE_UNAUTHENTICATED)


def test_a_watcher_of_an_unknown_run_is_refused_with_4404(user):
    async def connect() -> tuple[bool, int | str | None]:
        return await watching(999_999, user).connect()

    assert async_to_sync(connect)() == (False, CLOSE_NOT_FOUND)


def test_a_logged_in_watcher_joins_the_runs_group_and_leaves_it(run, user):
    layer = memory_layer()

    async def members(communicator: WebsocketCommunicator) -> set[str]:
        return set(layer.groups.get(run_group_name(run.pk), {}))

    assert len(session(run.pk, user, members)) == 1
    assert not layer.groups.get(run_group_name(run.pk))


def test_a_tick_payload_arrives_with_exactly_its_typed_shape(run, user):
    payload = tick_committed_payload(
        run_id=run.pk,
        step=5,
        status="running",
        metrics={"rescued": 3},
        messages=[
            {
                "id": "m1",
                "sender": "Mayor",
                "channel": "all",
                "recipient": "",
                "text": "go",
                "tick": 5,  # not part of the payload: cut off
            }
        ],
    )

    async def receive(communicator: WebsocketCommunicator) -> dict[str, Any]:
        await send_to_group(run.pk, payload)
        return await communicator.receive_json_from()

    received = session(run.pk, user, receive)
    assert received == {
        "type": "run.tick",
        "run": run.pk,
        "step": 5,
        "status": "running",
        "metrics": {"rescued": 3},
        "messages": [
            {"id": "m1", "sender": "Mayor", "channel": "all", "recipient": "", "text": "go"}
        ],
    }
    assert set(received) == RunTickPayload.__required_keys__
    assert set(received["messages"][0]) == TickMessage.__required_keys__


def test_a_status_payload_arrives_with_exactly_its_typed_shape(run, user):
    payload = status_changed_payload(run_id=run.pk, status="paused", step=4, reason="operator")

    async def receive(communicator: WebsocketCommunicator) -> dict[str, Any]:
        await send_to_group(run.pk, payload)
        return await communicator.receive_json_from()

    received = session(run.pk, user, receive)
    assert received == {
        "type": "run.status",
        "run": run.pk,
        "status": "paused",
        "step": 4,
        "reason": "operator",
    }
    assert set(received) == RunStatusPayload.__required_keys__


def test_without_catch_up_a_watcher_gets_only_the_payloads(run, user):
    async def receive(communicator: WebsocketCommunicator) -> tuple[dict, bool]:
        await send_to_group(run.pk, status_changed_payload(run_id=run.pk, status="x", step=4))
        first = await communicator.receive_json_from()
        return first, await communicator.receive_nothing(timeout=0.3)

    first, nothing_else = session(run.pk, user, receive)
    assert first["type"] == "run.status" and nothing_else


def test_catch_up_sends_exactly_the_missed_steps(run, user):
    async def catch_up(communicator: WebsocketCommunicator) -> str:
        await communicator.send_json_to({"type": "catch_up", "since": 2})
        frame = await communicator.receive_from()
        assert isinstance(frame, str)
        return frame

    frame = session(run.pk, user, catch_up)
    assert [point["i"] for point in chart_steps(frame)] == [3, 4]
    assert '<template><tbody hx-swap-oob="beforeend:#timeline-body">' in frame
    sent = {int(part.split('"')[0]) for part in frame.split('id="ev-')[1:]}
    assert sent == set(Event.objects.filter(run=run, step__gte=2).values_list("pk", flat=True))


def test_after_catch_up_each_payload_is_followed_by_the_new_fragments(run, user):
    async def follow(communicator: WebsocketCommunicator) -> list[Any]:
        await communicator.send_json_to({"type": "catch_up", "since": 4})
        caught_up = await communicator.receive_from()
        await send_to_group(run.pk, status_changed_payload(run_id=run.pk, status="x", step=4))
        status = await communicator.receive_json_from()
        fragments = await communicator.receive_from()
        return [caught_up, status, fragments]

    caught_up, status, fragments = session(run.pk, user, follow)
    assert chart_steps(caught_up) == []
    assert status["type"] == "run.status"
    assert 'id="chart-frame"' in fragments and chart_steps(fragments) == []


def chart_steps(frame: str) -> list[dict[str, Any]]:
    steps = frame.split('data-steps="')[1].split('"')[0].replace("&quot;", '"')
    return json.loads(steps)


def signed_in_session(user: Any) -> Any:
    """A real database session of `user`, as the login view would leave it."""
    client = Client()
    client.force_login(user)
    return SessionStore(client.cookies["sessionid"].value)


def with_session(run_id: int, user: Any, store: Any) -> WebsocketCommunicator:
    communicator = watching(run_id, user)
    communicator.scope["session"] = store  # type: ignore[typeddict-unknown-key]
    return communicator


def test_a_socket_joins_its_sessions_group_and_closes_when_told_the_session_ended(run, user):
    store = signed_in_session(user)
    layer = memory_layer()

    async def go() -> Any:
        communicator = with_session(run.pk, user, store)
        assert (await communicator.connect())[0]
        assert len(layer.groups.get(session_group_name(store.session_key), {})) == 1
        await layer.group_send(session_group_name(store.session_key), {"type": "session.ended"})
        closed = await communicator.receive_output(timeout=5)
        await communicator.disconnect()  # what Daphne sends once the socket is closed
        return closed

    assert async_to_sync(go)() == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}
    assert not layer.groups.get(session_group_name(store.session_key))


def test_a_socket_closes_once_its_session_has_expired(run, user, monkeypatch):
    monkeypatch.setattr(consumers, "SESSION_CHECK_SECONDS", 0.2)
    store = signed_in_session(user)

    async def go() -> Any:
        communicator = with_session(run.pk, user, store)
        assert (await communicator.connect())[0]
        assert await communicator.receive_nothing(timeout=0.5)  # still signed in: stays open
        await database_sync_to_async(store.delete)()  # expired, flushed or deleted alike
        closed = await communicator.receive_output(timeout=5)
        await communicator.disconnect()  # what Daphne sends once the socket is closed
        return closed

    assert async_to_sync(go)() == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}


def test_only_people_who_may_read_the_run_can_watch_its_socket(transactional_db):
    world = make_world()

    async def connect(user: Any) -> tuple[bool, int | str | None]:
        communicator = watching(world.run.pk, user)
        answer = await communicator.connect()
        if answer[0]:
            await communicator.disconnect()
        return answer

    try:
        for who in ("owner", "reader", "editor", "staff"):
            assert async_to_sync(connect)(world.people()[who]) == (True, None), who
        # A stranger is refused exactly as for a run that does not exist: nothing is revealed.
        assert async_to_sync(connect)(world.stranger) == (False, CLOSE_NOT_FOUND)
    finally:
        # The world's batch started a run on the embedded executor: end it before the
        # database is flushed, or the flush and the run's writes deadlock.
        for batch_run in Run.objects.filter(batch=world.batch):
            if batch_run.status not in FINAL_RUN_STATUSES:
                run_stop(run=batch_run)
            wait_until_final(batch_run)
