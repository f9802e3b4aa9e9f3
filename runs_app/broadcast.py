"""Every payload pushed to a run's WebSocket group, typed in one place."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

logger = logging.getLogger(__name__)

# The in-memory layer's queues belong to the event loop serving WebSockets; senders in
# other threads (the embedded run executor) must hand their sends to that loop.
_consumer_loop: asyncio.AbstractEventLoop | None = None


def register_consumer_loop(loop: asyncio.AbstractEventLoop) -> None:
    global _consumer_loop
    _consumer_loop = loop


def run_group_name(run_id: int) -> str:
    return f"run-{run_id}"


def tick_committed_payload(
    *, run_id: int, step: int, status: str, metrics: dict[str, Any], messages: list[dict]
) -> dict[str, Any]:
    return {
        "type": "run.tick",
        "run": run_id,
        "step": step,
        "status": status,
        "metrics": metrics,
        "messages": messages,
    }


def status_changed_payload(*, run_id: int, status: str, step: int, reason: str = "") -> dict:
    return {"type": "run.status", "run": run_id, "status": status, "step": step, "reason": reason}


def broadcast_to_run(run_id: int, payload: dict[str, Any]) -> None:
    """Send a payload to everyone watching a run; never fails the caller."""
    layer = get_channel_layer()
    if layer is None:
        return
    group = run_group_name(run_id)
    try:
        if isinstance(layer, InMemoryChannelLayer):
            loop = _consumer_loop
            if loop is not None and loop.is_running():
                future = asyncio.run_coroutine_threadsafe(layer.group_send(group, payload), loop)
                future.result(timeout=5)
            return
        async_to_sync(layer.group_send)(group, payload)
    except Exception:
        logger.warning("could not notify watchers of run %s", run_id, exc_info=True)
