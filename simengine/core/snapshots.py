"""Compact, exact storage of a run's per-tick snapshots: keyframes and deltas.

A run's state after each tick is a JSON document of about 17 KB (the flood sample), and
consecutive ticks differ in a few values. Each tick is stored as one payload:

- a **keyframe**: the whole snapshot, zlib-compressed JSON (every `KEYFRAME_EVERY` ticks,
  and whenever the previous tick's snapshot is not at hand, e.g. a run's or a fork's
  first tick);
- a **delta**: the operations that turn the previous tick's snapshot into this one
  (`[path, value]` sets a value, appending when the index is a list's length; `[path]`
  deletes a key; `[path, n, items]` drops a list's first n items and appends `items`, for
  windows that slide), as JSON, compressed when that is smaller.

Decoding tick k takes the nearest keyframe at or before k and applies at most
`KEYFRAME_EVERY - 1` deltas. The round trip is exact, key order included: a dict whose
keys were reordered is replaced whole, and JSON types are compared strictly (1, 1.0 and
true differ).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

KEYFRAME_EVERY = 20
ZLIB_LEVEL = 6
SLIDE_LIMIT = 8  # a list may slide by at most this many items per tick to be a "slide"
PLAIN_LIMIT = 96  # deltas shorter than this (bytes of JSON) are stored uncompressed

# the first byte of a payload says what follows
KEYFRAME = b"k"  # zlib-compressed JSON snapshot
DELTA_ZLIB = b"d"  # zlib-compressed JSON list of operations
DELTA_PLAIN = b"D"  # plain JSON list of operations

Path = list[str | int]


class SnapshotCodecError(ValueError):
    """A payload that cannot be decoded (unknown format, or a delta without a base)."""


def is_keyframe_tick(index: int) -> bool:
    """Whether tick `index` is stored whole even when the previous snapshot is known."""
    return index % KEYFRAME_EVERY == 0


def encode_snapshot(
    index: int, snapshot: dict[str, Any], previous: dict[str, Any] | None
) -> tuple[bytes, bool]:
    """The payload storing tick `index`, and whether it is a keyframe.

    `previous` is the snapshot stored for tick `index - 1` of the same run, or None when
    it is not at hand (then a keyframe is written).
    """
    if previous is None or is_keyframe_tick(index):
        return KEYFRAME + zlib.compress(_dumps(snapshot), ZLIB_LEVEL), True
    text = _dumps(snapshot_diff(previous, snapshot))
    if len(text) < PLAIN_LIMIT:
        return DELTA_PLAIN + text, False
    return DELTA_ZLIB + zlib.compress(text, ZLIB_LEVEL), False


def decode_snapshot(payload: bytes | memoryview, base: dict[str, Any] | None) -> dict[str, Any]:
    """The snapshot a payload stores; `base` is the previous tick's (needed for a delta).

    The result shares unchanged parts with `base`: treat decoded snapshots as read-only,
    or decode afresh (`decode_chain`) to get one's own copy.
    """
    data = bytes(payload)
    tag, body = data[:1], data[1:]
    if tag == KEYFRAME:
        return json.loads(zlib.decompress(body))
    if tag in (DELTA_ZLIB, DELTA_PLAIN):
        if base is None:
            raise SnapshotCodecError("a delta payload needs the previous tick's snapshot")
        text = zlib.decompress(body) if tag == DELTA_ZLIB else body
        return snapshot_patch(base, json.loads(text))
    raise SnapshotCodecError(f"unknown snapshot payload format {tag!r}")


def decode_chain(payloads: Iterable[bytes | memoryview]) -> Iterator[dict[str, Any]]:
    """Each snapshot of consecutive payloads, the first of which is a keyframe."""
    current: dict[str, Any] | None = None
    for payload in payloads:
        current = decode_snapshot(payload, current)
        yield current


def payload_is_keyframe(payload: bytes | memoryview) -> bool:
    """Whether a payload holds a whole snapshot."""
    return bytes(payload[:1]) == KEYFRAME


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


# -- diff and patch ---------------------------------------------------------------------------


def snapshot_diff(old: Any, new: Any) -> list[list[Any]]:
    """The operations turning JSON value `old` into `new` (see the module docstring)."""
    ops: list[list[Any]] = []
    _diff(old, new, [], ops)
    return ops


def _equal(a: Any, b: Any) -> bool:
    """Strict JSON equality: 1, 1.0 and true differ, and so does key order.

    `==` (fast, in C) ignores both; `repr` then tells them apart, and is only computed for
    values `==` already found equal.
    """
    return bool(a == b) and repr(a) == repr(b)


def _diff(old: Any, new: Any, path: Path, ops: list[list[Any]]) -> None:
    if _equal(old, new):
        return
    if type(old) is dict and type(new) is dict:
        _diff_dicts(old, new, path, ops)
    elif type(old) in (list, tuple) and type(new) in (list, tuple):
        _diff_lists(old, new, path, ops)
    else:
        ops.append([path, new])


def _diff_dicts(old: dict, new: dict, path: Path, ops: list[list[Any]]) -> None:
    old_keys, new_keys = list(old), list(new)
    if old_keys != new_keys:
        kept = [k for k in old_keys if k in new]
        added = [k for k in new_keys if k not in old]
        if kept + added != new_keys:  # reordered: only a replacement keeps the order exact
            ops.append([path, new])
            return
        ops.extend([[*path, k]] for k in old_keys if k not in new)
    for key, value in new.items():
        if key in old:
            _diff(old[key], value, [*path, key], ops)
        else:
            ops.append([[*path, key], value])


def _diff_lists(old: list | tuple, new: list | tuple, path: Path, ops: list[list[Any]]) -> None:
    drop = _slide(old, new)
    if drop:
        ops.append([path, drop, list(new[len(old) - drop :])])
        return
    if len(new) < len(old):
        ops.append([path, new])
        return
    for i, value in enumerate(old):
        _diff(value, new[i], [*path, i], ops)
    for i in range(len(old), len(new)):
        ops.append([[*path, i], new[i]])


def _slide(old: list | tuple, new: list | tuple) -> int:
    """How many items `new` dropped from the front of `old` (0: it is not a slide).

    A slide is `old` without its first n items, plus any new ones.
    """
    if not old or not new or _equal(old[0], new[0]):
        return 0
    for drop in range(1, min(len(old), SLIDE_LIMIT) + 1):
        kept = len(old) - drop
        if kept <= len(new) and all(_equal(old[drop + i], new[i]) for i in range(kept)):
            return drop
    return 0


def snapshot_patch(base: Any, ops: list[list[Any]]) -> Any:
    """`base` with the operations applied; `base` itself is left unchanged.

    Containers on an operation's path are copied once (copy on write); everything else is
    shared with `base`.
    """
    holder = [base]  # so that an operation on the root is like any other
    fresh: set[int] = {id(holder)}
    for op in ops:
        path = [0, *op[0]]
        node: Any = holder
        for key in path[:-1]:
            child = _own(node[key], fresh)
            node[key] = child
            node = child
        last = path[-1]
        if len(op) == 3:
            items = _own(node[last], fresh)
            del items[: op[1]]
            items.extend(op[2])
            node[last] = items
        elif len(op) == 2:
            if isinstance(node, list) and last == len(node):
                node.append(op[1])
            else:
                node[last] = op[1]
        elif node is holder:
            raise SnapshotCodecError("a delta cannot delete the whole snapshot")
        else:
            del node[last]
    return holder[0]


def _own(node: Any, fresh: set[int]) -> Any:
    """`node` itself if this patch made it, else a shallow copy this patch now owns."""
    if id(node) in fresh:
        return node
    if isinstance(node, dict):
        copy: Any = dict(node)
    elif isinstance(node, list | tuple):
        copy = list(node)
    else:
        raise SnapshotCodecError(f"a delta walks into a {type(node).__name__}")
    fresh.add(id(copy))
    return copy
