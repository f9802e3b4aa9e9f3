"""The storage layer of step snapshots: every read and write of `Step.snapshot_data`.

Each committed tick keeps its state as a keyframe or a delta against the tick before
(`simengine.core.snapshots`). Reading tick k is one query: the rows from the nearest
keyframe at or before k up to k (at most `KEYFRAME_EVERY` small rows), decoded in order.
Nothing else reads `snapshot_data`; callers get plain snapshot dicts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Subquery

from runs_app.models import Step
from simengine.core.snapshots import KEYFRAME_EVERY, decode_snapshot, encode_snapshot

Snapshot = dict[str, Any]


class BrokenSnapshotChain(RuntimeError):
    """A delta row whose previous tick is missing: the stored steps are inconsistent."""


def snapshot_fields(index: int, snapshot: Snapshot, previous: Snapshot | None) -> dict[str, Any]:
    """The Step fields storing `snapshot` as tick `index` (`snapshot_data`, `keyframe`).

    `previous` is the snapshot committed for tick `index - 1` of the same run, or None
    when it is not at hand (a keyframe is stored then).
    """
    data, keyframe = encode_snapshot(index, snapshot, previous)
    return {"snapshot_data": data, "keyframe": keyframe}


def _chain_rows(run_id: int, index: int) -> list[tuple[int, bytes]]:
    """(index, payload) from the nearest keyframe at or before `index` up to `index`."""
    keyframe = (
        Step.objects.filter(run_id=run_id, keyframe=True, index__lte=index)
        .order_by("-index")
        .values("index")[:1]
    )
    rows = Step.objects.filter(run_id=run_id, index__lte=index, index__gte=Subquery(keyframe))
    return list(rows.order_by("index").values_list("index", "snapshot_data"))


def _decode_rows(rows: Iterable[tuple[int, bytes]], base: tuple[int, Snapshot] | None) -> Snapshot:
    current = base
    for index, data in rows:
        previous = current[1] if current is not None and current[0] == index - 1 else None
        try:
            current = (index, decode_snapshot(data, previous))
        except ValueError as exc:
            raise BrokenSnapshotChain(f"step {index}: {exc}") from exc
    if current is None:
        raise BrokenSnapshotChain("no rows to decode")
    return current[1]


def snapshot_at(run_id: int, index: int) -> Snapshot | None:
    """The full snapshot committed for tick `index` of a run, or None if it has none.

    The result is the caller's own (fresh from the stored bytes).
    """
    rows = _chain_rows(run_id, index)
    if not rows or rows[-1][0] != index:
        return None
    return _decode_rows(rows, None)


def latest_step_index(run_id: int) -> int | None:
    """The index of the run's last committed tick, or None before its first."""
    return (
        Step.objects.filter(run_id=run_id)
        .order_by("-index")
        .values_list("index", flat=True)
        .first()
    )


def snapshot_latest(run_id: int) -> tuple[int, Snapshot] | None:
    """(index, snapshot) of the run's last committed tick, or None before its first."""
    index = latest_step_index(run_id)
    if index is None:
        return None
    snapshot = snapshot_at(run_id, index)
    return None if snapshot is None else (index, snapshot)


class SnapshotReader:
    """Decodes many ticks of one run, reusing the last decoded tick for the next one.

    Reading ticks in increasing order costs one small query per tick at most (none for
    steps whose rows the caller already holds); snapshots it returns share unchanged
    parts with each other, so treat them as read-only.
    """

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self._last: tuple[int, Snapshot] | None = None

    def of_step(self, step: Step) -> Snapshot:
        """The snapshot of a Step row loaded with its `snapshot_data`."""
        base = self._base_for(step.index) if not step.keyframe else None
        self._last = (step.index, _decode_rows([(step.index, step.snapshot_data)], base))
        return self._last[1]

    def at(self, index: int) -> Snapshot | None:
        """The snapshot of tick `index`, or None if the run has no such tick."""
        last = self._last
        if last is not None and last[0] == index:
            return last[1]
        if last is not None and last[0] < index <= last[0] + KEYFRAME_EVERY:
            rows = list(
                Step.objects.filter(run_id=self.run_id, index__gt=last[0], index__lte=index)
                .order_by("index")
                .values_list("index", "snapshot_data")
            )
            if not rows or rows[-1][0] != index:
                return None
            if _consecutive(last[0], rows):
                self._last = (index, _decode_rows(rows, last))
                return self._last[1]
        snapshot = snapshot_at(self.run_id, index)
        if snapshot is not None:
            self._last = (index, snapshot)
        return snapshot

    def _base_for(self, index: int) -> tuple[int, Snapshot]:
        if self._last is not None and self._last[0] == index - 1:
            return self._last
        previous = snapshot_at(self.run_id, index - 1)
        if previous is None:
            raise BrokenSnapshotChain(f"run {self.run_id} step {index}: no step {index - 1}")
        return (index - 1, previous)


def _consecutive(after: int, rows: list[tuple[int, bytes]]) -> bool:
    return all(index == after + 1 + i for i, (index, _data) in enumerate(rows))


def snapshots_at(run_id: int, indexes: Iterable[int]) -> Iterator[tuple[int, Snapshot]]:
    """(index, snapshot) for each of `indexes` the run has, in increasing order."""
    reader = SnapshotReader(run_id)
    for index in sorted(set(indexes)):
        snapshot = reader.at(index)
        if snapshot is not None:
            yield index, snapshot
