"""Every payload pushed to a run's WebSocket group, typed in one place, and the group's name.

A payload's `type` names the consumer handler that forwards it (`run.tick` -> `run_tick`);
the consumer sends the payload to the browser unchanged, as JSON.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

logger = logging.getLogger(__name__)

# The in-memory layer's queues belong to the event loop serving WebSockets; senders in
# other threads (the embedded run executor) must hand their sends to that loop.
_consumer_loop: asyncio.AbstractEventLoop | None = None


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


def register_consumer_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Remember the event loop serving WebSockets (in-memory layer sends must run on it)."""
    global _consumer_loop
    _consumer_loop = loop


def run_group_name(run_id: int) -> str:
    """The channel-layer group of everyone watching one run."""
    return f"run-{run_id}"


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
    layer = get_channel_layer()
    if layer is None:
        return
    group = run_group_name(run_id)
    message: dict[str, Any] = dict(payload)  # the layer API takes a plain dict
    try:
        if isinstance(layer, InMemoryChannelLayer):
            loop = _consumer_loop
            if loop is not None and loop.is_running():
                future = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), loop)
                future.result(timeout=5)
            return
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        logger.warning("could not notify watchers of run %s", run_id, exc_info=True)
