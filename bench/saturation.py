"""Figures 1 and 5: LLM-bound runs against a stand-in Ollama with P slots and latency L.

The stand-in (`tests.fakes.FakeOllama`) answers every chat with a valid decision after L
seconds, serving at most P at once (others wait, as in Ollama). A sampler reads its
counters every 50 ms; rates and busy fractions are taken over the steady part of a
scenario, from 10 % to 90 % of its calls (the ramp-up and the last tick's drain excluded).
"""

from __future__ import annotations

import asyncio
import math
import os
import threading
import time
from dataclasses import dataclass

from bench.overhead import cpu_meter
from bench.pools import WorkerPool
from bench.runs import call_counts, create_paused, start_all, wait_final
from bench.scenarios import flood_version

MODEL = "ollama/llama3.2"


@dataclass(frozen=True)
class Sample:
    """One reading of the stand-in: when, calls completed, and busy slot-seconds."""

    at: float
    completed: int
    busy: float


class Sampler:
    """Polls the stand-in's counters in a thread."""

    def __init__(self, server, interval: float = 0.05) -> None:
        self.server = server
        self.interval = interval
        self.samples: list[Sample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="bench-sampler")

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._take()

    def _take(self) -> None:
        stats = self.server.stats()
        completed = stats.total - stats.in_flight
        self.samples.append(Sample(time.monotonic(), completed, stats.busy_seconds))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._take()


def steady_state(samples: list[Sample], slots: int) -> dict[str, float]:
    """Calls per second and busy fraction between 10 % and 90 % of the calls completed."""
    final = samples[-1].completed
    low = next(s for s in samples if s.completed >= 0.1 * final)
    high = next(s for s in samples if s.completed >= 0.9 * final)
    seconds = max(high.at - low.at, 1e-9)
    first = next((s for s in samples if s.completed > 0), samples[-1])
    calls = max(high.completed - low.completed, 1)
    return {
        "calls_per_second": (high.completed - low.completed) / seconds,
        "busy_fraction": (high.busy - low.busy) / (slots * seconds),
        "idle_slot_ms_per_call": (slots * seconds - (high.busy - low.busy)) / calls * 1000,
        "window_seconds": seconds,
        "whole_calls_per_second": final / max(samples[-1].at - first.at, 1e-9),
    }


def measure_runs(
    *,
    pool: WorkerPool,
    redis,
    server,
    runs: int,
    agents: int,
    ticks: int,
    slots: int,
    latency: float,
    model: str = MODEL,
) -> dict:
    """`runs` runs of `agents` LLM agents for `ticks` ticks on `model`, started together."""
    version = flood_version(agents=agents, ticks=ticks, model=model)
    created = create_paused(version, runs)
    fallbacks = [r.notes for r in created if r.notes]
    if fallbacks:
        raise RuntimeError(f"the stand-in was not used: {fallbacks[0]}")
    server.reset()
    probes = pool.probes(redis)
    probes.clear()
    ideal = slots / latency
    with cpu_meter(pool) as meter, Sampler(server) as sampler:
        start_all(created)
        timeout = 120 + 4 * runs * agents * ticks / ideal
        final = wait_final(created, timeout=timeout)
    stats = server.stats()
    calls = call_counts(final)
    steady = steady_state(sampler.samples, slots)
    totals = probes.settled_totals()
    held = totals.seconds.get("slot_held", 0.0) / max(totals.counts.get("slot_held", 0), 1)
    rounds = math.ceil(agents / slots)  # slot rounds one tick needs when it runs alone
    barrier = agents / (rounds * latency)
    decisions = calls["decide"]
    return {
        "model": model,
        "runs": runs,
        "agents": agents,
        "ticks": ticks,
        "slots": slots,
        "latency_s": latency,
        "worker_processes": pool.processes,
        "decisions": decisions,
        "decisions_per_second": steady["calls_per_second"] * decisions / max(stats.total, 1),
        "busy_fraction": steady["busy_fraction"],
        "idle_slot_ms_per_call": steady["idle_slot_ms_per_call"],
        # a worker holds a slot for L plus this: the request's trip, the answer's parsing and
        # waiting for its event loop; the rest of the idle time is the hand-over to the next
        "slot_held_beyond_latency_ms": (held - latency) * 1000,
        "steady_window_s": steady["window_seconds"],
        "whole_run_decisions_per_second": steady["whole_calls_per_second"],
        "ideal_p_over_l": ideal,
        "ratio_to_p_over_l": steady["calls_per_second"] / ideal,
        "one_run_tick_barrier_ideal": barrier if runs == 1 else None,
        "machine_cpu_ms_per_decision": meter.per(max(decisions, 1)),
        "machine_busy_fraction": meter.machine / (meter.wall * (os.cpu_count() or 1)),
        "calls": {
            **calls,
            "server_requests": stats.total,
            "per_decision": (calls["decide"] + calls["repair"]) / max(decisions, 1),
            "max_in_flight": stats.max_in_flight,
            "max_queued": stats.max_queued,
            "rejected_503": stats.rejected,
        },
    }


def measure_minimal_loop(*, server, calls: int, agents: int, slots: int, latency: float) -> dict:
    """The ideal in the same run: a bare asyncio loop, `agents` callers, P-slot semaphore."""
    import ollama

    async def main() -> None:
        client = ollama.AsyncClient(host=server.url)
        gate = asyncio.Semaphore(slots)
        share = [calls // agents + (1 if i < calls % agents else 0) for i in range(agents)]

        async def agent(count: int) -> None:
            for _ in range(count):
                async with gate:
                    await client.chat(
                        model="llama3.2",
                        messages=[{"role": "user", "content": "Decide."}],
                        format={"type": "object", "properties": {"thought": {"type": "string"}}},
                        stream=False,
                    )

        await asyncio.gather(*(agent(n) for n in share if n))

    server.reset()
    with Sampler(server) as sampler:
        asyncio.run(main())
    steady = steady_state(sampler.samples, slots)
    ideal = slots / latency
    return {
        "calls": calls,
        "agents": agents,
        "calls_per_second": steady["calls_per_second"],
        "busy_fraction": steady["busy_fraction"],
        "ratio_to_p_over_l": steady["calls_per_second"] / ideal,
    }
