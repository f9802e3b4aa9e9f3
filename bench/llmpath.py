"""Figure 9: a worker's CPU per LLM decision against a stand-in that answers at once.

One run of the bench flood on a one-process worker pool, the stand-in Ollama at latency 0,
so the worker's CPU is all the product's LLM path costs: build the observation and the
prompt, send the request and read the answer, parse and validate it, record the call,
apply the decision (the rest of the engine's tick), and persist the tick. The probes
(`bench.probes`) time each synchronous part on its own and the tick's concurrent decisions
as one window; request/response is that window minus the parts inside it.

The profile is of the same path in this process (engine + LLM layer, no database), with
cProfile, its functions summed by the layer they belong to.
"""

from __future__ import annotations

import asyncio
import cProfile
import os
import pstats
import time
from typing import Any

from bench.overhead import cpu_meter
from bench.pools import WorkerPool
from bench.runs import call_counts, create_paused, start_all, wait_final
from bench.saturation import MODEL
from bench.scenarios import flood_spec, flood_version

TARGET_MS = 1.5
# where a profiled function belongs, by the first path fragment it contains
LAYERS = (
    ("simengine/llm/transport", "transport (asyncio streams)"),
    ("simengine/llm/prompts", "prompt"),
    ("simengine/llm/parsing", "parse + validate"),
    ("jsonschema", "parse + validate"),
    ("simengine/llm/limits", "slot limiter"),
    ("simengine/llm", "LLM layer (ask, retries, records)"),
    ("tenacity", "LLM layer (ask, retries, records)"),
    ("site-packages/ollama", "ollama SDK + httpx client"),
    ("site-packages/httpx", "ollama SDK + httpx client"),
    ("site-packages/pydantic", "ollama SDK + httpx client"),
    ("simengine/core", "engine (observe, apply, memory)"),
    ("site-packages/redis", "slot limiter"),
    ("asyncio", "event loop + sockets"),
    ("method 'send'", "event loop + sockets"),
    ("method 'recv", "event loop + sockets"),
    ("select.epoll", "event loop + sockets"),
    ("/json/", "JSON encoding"),
    ("_json.", "JSON encoding"),
    ("<built-in method", "builtins"),
    ("<method", "builtins"),
)


def measure_llm_cpu(*, pool: WorkerPool, redis, server, agents: int, ticks: int) -> dict[str, Any]:
    """Worker CPU ms per LLM decision, split by part, from one run on a one-process pool."""
    saved = server.latency
    server.latency = 0.0
    try:
        # warm the worker first: imports, the start-up heap's freeze, connections
        (warm,) = create_paused(flood_version(agents=4, ticks=2, model=MODEL), 1, first_seed=3)
        start_all([warm])
        wait_final([warm], timeout=120)
        version = flood_version(agents=agents, ticks=ticks, model=MODEL)
        (run,) = create_paused(version, 1, first_seed=11)
        server.reset()
        probes = pool.probes(redis)
        probes.clear()
        with cpu_meter(pool) as meter:
            start_all([run])
            (final,) = wait_final([run], timeout=120 + agents * ticks * 0.05)
        totals = probes.settled_totals()
    finally:
        server.latency = saved
    calls = call_counts([final])
    decisions = max(calls["decide"], 1)
    cpu = totals.cpu

    def ms(value: float) -> float:
        return value / decisions * 1000

    inside = cpu.get("prompt", 0.0) + cpu.get("parse", 0.0) + cpu.get("record", 0.0)
    split = {
        "prompt": ms(cpu.get("observe", 0.0) + cpu.get("prompt", 0.0)),
        "request_response": ms(cpu.get("decide", 0.0) - inside),
        "parse_validate": ms(cpu.get("parse", 0.0)),
        "record": ms(cpu.get("record", 0.0) + cpu.get("commit", 0.0) - cpu.get("notify", 0.0)),
        "notify": ms(cpu.get("notify", 0.0)),
        "apply": ms(cpu.get("step", 0.0) - cpu.get("decide", 0.0) - cpu.get("observe", 0.0)),
        "slice_other": ms(cpu.get("slice", 0.0) - cpu.get("step", 0.0) - cpu.get("commit", 0.0)),
    }
    per_decision = ms(cpu.get("slice", 0.0))
    return {
        "agents": agents,
        "ticks": ticks,
        "decisions": calls["decide"],
        "calls_per_decision": (calls["decide"] + calls["repair"]) / decisions,
        "worker_cpu_ms_per_decision": per_decision,
        "worker_cpu_ms_per_decision_from_proc": meter.seconds["workers"] / decisions * 1000,
        "machine_cpu_ms_per_decision": meter.per(decisions),
        "split_ms": split,
        "target_ms": TARGET_MS,
        "ratio_to_target": per_decision / TARGET_MS,
        "profile": profile_llm_path(server, agents=agents, ticks=min(ticks, 20)),
    }


def profile_llm_path(server, *, agents: int, ticks: int, top: int = 12) -> dict[str, Any]:
    """A cProfile of the engine + LLM path in this process: CPU by layer and the top functions."""
    from simengine.core.simulation import Simulation
    from simengine.llm import LLMSettings, build_decision_maker

    spec = flood_spec(agents=agents, ticks=2 * ticks + 2, model=MODEL)
    simulation = Simulation.create(spec, seed=5, run_id="bench-profile")
    environ = dict(os.environ, OLLAMA_HOST=server.url)
    environ.pop("REDIS_URL", None)  # this process's own limiter: no other process calls
    environ.pop("CELERY_BROKER_URL", None)
    maker = build_decision_maker(LLMSettings.from_env(environ))
    profiler = cProfile.Profile(time.thread_time)  # this thread's CPU, not wall time
    decisions = 0
    saved = server.latency
    server.latency = 0.0

    async def main() -> float:
        nonlocal decisions
        await simulation.step(maker)  # warm: connections, compiled validators, caches
        started = time.thread_time()
        profiler.enable()
        for _ in range(ticks):
            result = await simulation.step(maker)
            decisions += sum(1 for c in result.calls if c.purpose == "decide")
        profiler.disable()
        await maker.aclose()
        return time.thread_time() - started

    try:
        cpu = asyncio.run(main())
        unprofiled = asyncio.run(_unprofiled(simulation, maker, ticks))
        bare = asyncio.run(_bare_client(server.url, calls=max(decisions, 200)))
    finally:
        server.latency = saved
    stats = pstats.Stats(profiler)
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(tottime for _cc, _nc, tottime, _ct, _callers in entries.values()) or 1e-9
    layers: dict[str, float] = {}
    functions = []
    for (path, line, name), (_cc, _nc, tottime, cumtime, _callers) in entries.items():
        where = f"{path}:{line}({name})"
        layer = next((label for key, label in LAYERS if key in where), "other")
        layers[layer] = layers.get(layer, 0.0) + tottime
        functions.append((tottime, cumtime, _short(where)))
    functions.sort(reverse=True)
    return {
        "decisions": decisions,
        "cpu_ms_per_decision_profiled": cpu / max(decisions, 1) * 1000,
        "cpu_ms_per_decision_unprofiled": unprofiled,
        "bare_client_cpu_ms_per_call": bare,
        "share_by_layer": {
            k: round(v / total, 3) for k, v in sorted(layers.items(), key=lambda kv: -kv[1])
        },
        "top_self_time": [
            {"self_share": round(t / total, 3), "cumulative_share": round(c / total, 3), "at": w}
            for t, c, w in functions[:top]
        ],
    }


async def _unprofiled(simulation, maker, ticks: int) -> float:
    """The same path's CPU ms per decision without the profiler (this thread only)."""
    decisions = 0
    started = time.thread_time()
    for _ in range(ticks):
        if simulation.finished:
            break
        result = await simulation.step(maker)
        decisions += sum(1 for c in result.calls if c.purpose == "decide")
    spent = time.thread_time() - started
    await maker.aclose()
    return spent / max(decisions, 1) * 1000


async def _bare_client(url: str, *, calls: int, callers: int = 20) -> float:
    """The ideal: CPU ms per call of a bare asyncio loop with the official `ollama` client.

    This thread's CPU only (the stand-in answers from a thread of its own).
    """
    import ollama

    client = ollama.AsyncClient(host=url)
    schema = {"type": "object", "properties": {"thought": {"type": "string"}}}

    async def caller(count: int) -> None:
        for _ in range(count):
            await client.chat(
                model="llama3.2",
                messages=[{"role": "user", "content": "Decide."}],
                format=schema,
                stream=False,
            )

    await caller(2)  # warm
    started = time.thread_time()
    await asyncio.gather(*(caller(calls // callers) for _ in range(callers)))
    spent = time.thread_time() - started
    await client.close()
    return spent / (calls // callers * callers) * 1000


def _short(where: str) -> str:
    for marker, shown in (
        ("site-packages/", ""),
        ("/simengine/", "simengine/"),
        ("/python3.11/", ""),
    ):
        at = where.find(marker)
        if at >= 0:
            return shown + where[at + len(marker) :]
    return where.removeprefix("~:0")
