"""A run's trace as JSON lines, in the `simulate --jsonl` format, from its stored events.

One event per line, `{"agent", "data", "tick", "type"}` with sorted keys, written by the
core's `trace_line` (the same function `simulate --jsonl` writes with); a batch's trace adds
each run's `seed`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from runs_app.models import Batch, Event, Run
from simengine.core.runner import trace_line

CHUNK = 2000


def event_trace_line(row: Mapping[str, Any], **extra: Any) -> str:
    """One stored event (`step`, `type`, `agent`, `data`) as a trace line, newline included."""
    event = {"tick": row["step"], "type": row["type"], "agent": row["agent"] or None}
    event["data"] = row["data"]
    return trace_line(event, **extra) + "\n"


def run_trace(run: Run) -> Iterator[str]:
    """The run's events in (tick, id) order as trace lines (streams: flat memory)."""
    rows = Event.objects.filter(run=run).order_by("step", "id")
    for row in rows.values("step", "type", "agent", "data").iterator(chunk_size=CHUNK):
        yield event_trace_line(row)


def batch_trace(batch: Batch) -> Iterator[str]:
    """Every run of the batch, by seed, as trace lines carrying their `seed`."""
    rows = Event.objects.filter(run__batch=batch).order_by("run__seed", "step", "id")
    fields = ("run__seed", "step", "type", "agent", "data")
    for row in rows.values(*fields).iterator(chunk_size=CHUNK):
        yield event_trace_line(row, seed=row["run__seed"])
