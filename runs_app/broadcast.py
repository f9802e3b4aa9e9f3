"""Every payload pushed to a run's WebSocket group, typed in one place, and the group's name.

A payload's `type` names the consumer handler that forwards it (`run.tick` -> `run_tick`);
the consumer sends the payload to the browser unchanged, as JSON.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypedDict

from channels.layers import InMemoryChannelLayer, get_channel_layer

logger = logging.getLogger(__name__)

# The in-memory layer's queues belong to the event loop serving WebSockets; senders in
# other threads (the embedded run executor) must hand their sends to that loop.
_consumer_loop: asyncio.AbstractEventLoop | None = None


SEND_TIMEOUT = 5.0  # seconds a sender waits for the channel layer before giving up

# One event loop per process, in a thread of its own, sends to the channel layer for
# every synchronous caller: `async_to_sync` would build a loop (and the layer a Redis
# connection) for every tick, about 3 ms of CPU each; this costs a tenth of that.
_sender: tuple[int, asyncio.AbstractEventLoop] | None = None
_sender_lock = threading.Lock()


def _sender_loop() -> asyncio.AbstractEventLoop:
    """This process's sending loop, started on first use (again in a forked child)."""
    global _sender
    with _sender_lock:
        if _sender is None or _sender[0] != os.getpid() or _sender[1].is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(
                target=loop.run_forever, name="simengine-broadcast", daemon=True
            ).start()
            _sender = (os.getpid(), loop)
        return _sender[1]


class TickMessage(TypedDict):
    """A message sent during the tick, as the console shows it."""

    id: str
    sender: str
    channel: str
    recipient: str
    text: str


class RunTickPayload(TypedDict):
    """A tick was committed: its index, the run's status and metrics, its messages."""

    type: Literal["run.tick"]
    run: int
    step: int
    status: str
    metrics: dict[str, Any]
    messages: list[TickMessage]


class RunStatusPayload(TypedDict):
    """The run's status changed (started, paused, finished ...), with why when it ended."""

    type: Literal["run.status"]
    run: int
    status: str
    step: int
    reason: str


class RunControlPayload(TypedDict):
    """An operator queued a control (agent, message, god mode) for the run's next tick."""

    type: Literal["run.control"]
    run: int
    step: int
    kind: str
    control: int


class RunEvaluatedPayload(TypedDict):
    """An evaluation of the run was stored, or an evaluator failed."""

    type: Literal["run.evaluated"]
    run: int
    model: str
    ok: bool


RunPayload = RunTickPayload | RunStatusPayload | RunControlPayload | RunEvaluatedPayload


class SessionEndedPayload(TypedDict):
    """The login session a WebSocket was opened with has ended (logout): close the socket."""

    type: Literal["session.ended"]


def register_consumer_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Remember the event loop serving WebSockets (in-memory layer sends must run on it)."""
    global _consumer_loop
    _consumer_loop = loop


def run_group_name(run_id: int) -> str:
    """The channel-layer group of everyone watching one run."""
    return f"run-{run_id}"


def session_group_name(session_key: str) -> str:
    """The channel-layer group of every WebSocket opened with one login session.

    Named by a digest: the session key is a credential and stays out of Redis key names.
    """
    return "session-" + hashlib.sha256(session_key.encode()).hexdigest()[:40]


def tick_committed_payload(
    *,
    run_id: int,
    step: int,
    status: str,
    metrics: dict[str, Any],
    messages: Sequence[Mapping[str, Any]],
) -> RunTickPayload:
    """The payload announcing a committed tick (each message cut to `TickMessage`'s keys)."""
    return {
        "type": "run.tick",
        "run": run_id,
        "step": step,
        "status": status,
        "metrics": metrics,
        "messages": [
            {
                "id": m["id"],
                "sender": m["sender"],
                "channel": m["channel"],
                "recipient": m["recipient"],
                "text": m["text"],
            }
            for m in messages
        ],
    }


def status_changed_payload(
    *, run_id: int, status: str, step: int, reason: str = ""
) -> RunStatusPayload:
    """The payload announcing a status change."""
    return {"type": "run.status", "run": run_id, "status": status, "step": step, "reason": reason}


def control_queued_payload(*, run_id: int, step: int, kind: str, control: int) -> RunControlPayload:
    """The payload announcing a control queued for the next tick."""
    return {"type": "run.control", "run": run_id, "step": step, "kind": kind, "control": control}


def evaluated_payload(*, run_id: int, model: str, ok: bool) -> RunEvaluatedPayload:
    """The payload announcing a stored evaluation (`ok`) or a failed one."""
    return {"type": "run.evaluated", "run": run_id, "model": model, "ok": ok}


def broadcast_to_run(run_id: int, payload: RunPayload) -> None:
    """Send a payload to everyone watching a run; never fails the caller."""
    _send_to_group(run_group_name(run_id), dict(payload), f"watchers of run {run_id}")


def broadcast_session_ended(session_key: str) -> None:
    """Tell every WebSocket opened with this login session to close; never fails the caller."""
    payload: SessionEndedPayload = {"type": "session.ended"}
    _send_to_group(session_group_name(session_key), dict(payload), "a session's WebSockets")


def close_sockets_of_session(sender: Any, request: Any = None, **kwargs: Any) -> None:
    """`user_logged_out` receiver: the WebSockets opened with this session close now."""
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        broadcast_session_ended(session_key)


def _send_to_group(group: str, message: dict[str, Any], whom: str) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        if isinstance(layer, InMemoryChannelLayer):
            loop = _consumer_loop
            if loop is not None and loop.is_running():
                future = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), loop)
                future.result(timeout=5)
            return
        future = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), _sender_loop())
        future.result(timeout=SEND_TIMEOUT)
    except Exception:
        logger.warning("could not notify %s", whom, exc_info=True)
