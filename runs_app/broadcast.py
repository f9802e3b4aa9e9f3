"""Every payload pushed to a run's WebSocket group, typed in one place."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


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
    async_to_sync(layer.group_send)(run_group_name(run_id), payload)
