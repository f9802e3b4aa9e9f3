"""Figure 10: bytes per tick of the stored state snapshots, before and after compact storage.

The flood sample runs on the offline policy in this process (the engine alone; no
database needed): "before" is each tick's snapshot as the JSON text the former `jsonb`
column held, "after" the payload `runs_app.services.snapshots` stores (a compressed
keyframe every `KEYFRAME_EVERY` ticks, compact deltas in between). Also timed: encoding a
tick, and decoding any tick the way the scrubber and forks read it (from its keyframe).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from pathlib import Path
from typing import Any

import simengine.llm  # noqa: F401  (registers the providers the sample's models name)
from simengine.core.offline import OfflineDecisionMaker
from simengine.core.simulation import Simulation
from simengine.core.snapshots import KEYFRAME_EVERY, decode_chain, encode_snapshot
from simengine.core.spec import load_spec_file

SAMPLE = Path(__file__).resolve().parents[1] / "scenarios" / "riverside_flood.yaml"


def _snapshots(ticks: int, *, until_end: bool) -> list[dict[str, Any]]:
    """The sample's snapshot after each tick (seed 42); `until_end` keeps its end conditions."""
    spec = load_spec_file(SAMPLE)
    if not until_end:
        endless = spec.termination.model_copy(update={"success": None, "failure": None})
        spec = spec.model_copy(update={"termination": endless})
    spec = spec.with_max_ticks(ticks)
    simulation = Simulation.create(spec, seed=42, run_id="1")
    maker = OfflineDecisionMaker()

    async def advance() -> list[dict[str, Any]]:
        out = []
        while not simulation.finished:
            out.append((await simulation.step(maker)).snapshot)
        return out

    return asyncio.run(advance())


def _sizes(snapshots: list[dict[str, Any]]) -> dict[str, Any]:
    payloads: list[bytes] = []
    previous = None
    started = time.perf_counter()
    for index, snapshot in enumerate(snapshots, start=1):
        payloads.append(encode_snapshot(index, snapshot, previous)[0])
        previous = snapshot
    encode_ms = (time.perf_counter() - started) * 1000 / len(snapshots)
    decoded = list(decode_chain(payloads))
    exact = [json.dumps(d) for d in decoded] == [json.dumps(s) for s in snapshots]
    before = sum(len(json.dumps(s).encode()) for s in snapshots) / len(snapshots)
    after = sum(len(p) for p in payloads) / len(payloads)
    return {
        "ticks": len(snapshots),
        "before_bytes_per_tick": before,
        "after_bytes_per_tick": after,
        "ratio": after / before,
        "encode_ms_per_tick": encode_ms,
        "exact": exact,
        "payloads": payloads,
    }


def _read_ms(payloads: list[bytes], samples: int = 50) -> float:
    """Mean ms to decode one tick from its keyframe (what `snapshot_at` does after its query)."""
    rng = random.Random(9)
    started = time.perf_counter()
    for _ in range(samples):
        tick = rng.randrange(1, len(payloads) + 1)  # payloads[0] is tick 1
        keyframe = tick - tick % KEYFRAME_EVERY if tick >= KEYFRAME_EVERY else 1
        for _decoded in decode_chain(payloads[keyframe - 1 : tick]):
            pass
    return (time.perf_counter() - started) * 1000 / samples


def measure_snapshot_bytes(*, ticks: int) -> dict[str, Any]:
    """Bytes per tick for the sample as it plays (to its end) and over `ticks` endless ticks."""
    sample = _sizes(_snapshots(ticks, until_end=True))
    long = _sizes(_snapshots(ticks, until_end=False))
    long["read_ms_per_tick"] = _read_ms(long.pop("payloads"))
    sample.pop("payloads")
    return {"keyframe_every": KEYFRAME_EVERY, "sample": sample, "long": long}
