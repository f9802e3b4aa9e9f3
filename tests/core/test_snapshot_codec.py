"""Snapshots stored as keyframes and deltas decode to exactly what was stored."""

from __future__ import annotations

import json

import pytest

from simengine.core.offline import OfflineDecisionMaker
from simengine.core.simulation import Simulation
from simengine.core.snapshots import (
    KEYFRAME_EVERY,
    SnapshotCodecError,
    decode_chain,
    decode_snapshot,
    encode_snapshot,
    payload_is_keyframe,
    snapshot_diff,
    snapshot_patch,
)
from tests.core.helpers import run_ticks, sample


def _flood_snapshots(ticks: int) -> list[dict]:
    spec = sample("riverside_flood.yaml")
    endless = spec.termination.model_copy(
        update={"max_ticks": ticks, "success": None, "failure": None}
    )
    spec = spec.model_copy(update={"termination": endless})
    simulation = Simulation.create(spec, seed=42, run_id="r")
    return [r.snapshot for r in run_ticks(simulation, OfflineDecisionMaker(), ticks)]


def _encode_all(snapshots: list[dict]) -> list[bytes]:
    payloads, previous = [], None
    for index, snapshot in enumerate(snapshots, start=1):
        payload, _ = encode_snapshot(index, snapshot, previous)
        payloads.append(payload)
        previous = snapshot
    return payloads


def test_every_tick_of_a_long_flood_decodes_to_the_same_json_text():
    snapshots = _flood_snapshots(45)
    decoded = list(decode_chain(_encode_all(snapshots)))
    assert [json.dumps(d) for d in decoded] == [json.dumps(s) for s in snapshots]


def test_keyframes_come_first_and_every_keyframe_interval():
    payloads = _encode_all(_flood_snapshots(45))
    keyframes = [i for i, p in enumerate(payloads, start=1) if payload_is_keyframe(p)]
    assert keyframes == [1, KEYFRAME_EVERY, 2 * KEYFRAME_EVERY]


def test_deltas_are_a_small_fraction_of_a_full_snapshot():
    snapshots = _flood_snapshots(40)
    payloads = _encode_all(snapshots)
    full = sum(len(json.dumps(s)) for s in snapshots)
    assert sum(len(p) for p in payloads) * 10 < full


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ({"a": 1}, {"a": 1.0}),
        ({"a": 1}, {"a": True}),
        ({"a": 1, "b": 2}, {"b": 2, "a": 1}),
        ({"a": 1, "b": 2}, {"b": 2, "c": 3}),
        ({"a": [1, 2, 3]}, {"a": [1, 2]}),
        ({"a": [1, 2, 3]}, {"a": [2, 3, 4, 5]}),
        ({"a": [[1, "x"], [2, "y"]]}, {"a": [[2, "y"], [3, "z"]]}),
        ({"a": {"b": None}}, {"a": {"b": {"c": []}}}),
        ({"a": [1]}, {"a": {"0": 1}}),
        ([1, 2], {"now": "a dict"}),
    ],
)
def test_a_delta_reproduces_types_values_and_key_order(old, new):
    ops = snapshot_diff(old, new)
    patched = snapshot_patch(old, json.loads(json.dumps(ops)))
    assert json.dumps(patched) == json.dumps(new)


def test_patching_leaves_the_base_unchanged():
    old = {"a": {"b": [1, 2]}, "c": {"d": 1}}
    kept = json.dumps(old)
    patched = snapshot_patch(old, snapshot_diff(old, {"a": {"b": [1, 2, 3]}, "c": {"d": 2}}))
    assert json.dumps(old) == kept
    assert patched == {"a": {"b": [1, 2, 3]}, "c": {"d": 2}}


def test_an_unchanged_tick_is_a_tiny_delta():
    snapshot = _flood_snapshots(2)[-1]
    payload, keyframe = encode_snapshot(2, snapshot, snapshot)
    assert not keyframe and payload == b"D[]"
    assert decode_snapshot(payload, snapshot) == snapshot


def test_a_delta_without_its_base_or_an_unknown_format_is_refused():
    payload, _ = encode_snapshot(3, {"a": 2}, {"a": 1})
    with pytest.raises(SnapshotCodecError, match="needs the previous tick"):
        decode_snapshot(payload, None)
    with pytest.raises(SnapshotCodecError, match="unknown snapshot payload format"):
        decode_snapshot(b"?{}", None)
