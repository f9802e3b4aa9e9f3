"""The engine alone (no database, no workers): the ideal the persisted figures compare to."""

from __future__ import annotations

import asyncio
import time

from bench.scenarios import deciding_agents, flood_spec


def engine_ms_per_decision(*, agents: int, ticks: int, seed: int = 1) -> dict[str, float]:
    """CPU milliseconds per decision of `Simulation.step`, offline policy, tick 1 excluded.

    Tick 1 builds caches (schemas, the policy import) once per run; it is reported apart.
    CPU time (`time.process_time`), not wall time: on a shared machine the wall clock also
    counts other tenants' turns; the wall figure is kept as `wall_ms_per_decision`.
    """
    from simengine.core.simulation import Simulation
    from simengine.llm import LLMSettings, build_decision_maker

    spec = flood_spec(agents=agents, ticks=ticks)
    deciders = deciding_agents(spec)
    maker = build_decision_maker(LLMSettings(redis_url=None))

    async def run() -> tuple[float, float, float, int]:
        simulation = Simulation.create(spec, seed=seed, run_id=f"bench-engine-{agents}")
        started = time.process_time()
        await simulation.step(maker)
        first = time.process_time() - started
        started, wall = time.process_time(), time.perf_counter()
        steps = 0
        while not simulation.finished:
            await simulation.step(maker)
            steps += 1
        return first, time.process_time() - started, time.perf_counter() - wall, steps

    first, rest, wall, steps = asyncio.run(run())
    decisions = deciders * max(steps, 1)
    return {
        "agents": deciders,
        "ticks": steps + 1,
        "ms_per_decision": rest / decisions * 1000,
        "wall_ms_per_decision": wall / decisions * 1000,
        "first_tick_ms_per_decision": first / deciders * 1000,
        "seconds": first + rest,
    }


def engine_ms_over_seeds(*, agents: int, ticks: int, seeds: range) -> dict[str, float]:
    """The engine alone on the same seeds the measured runs use: CPU per decision over all.

    One seed's run is not the same work as ten (floods differ by seed), and one short
    measurement varies by about 12 % on a shared machine; the runs' own seeds give the
    ideal for exactly the work the workers did.
    """
    each = [engine_ms_per_decision(agents=agents, ticks=ticks, seed=seed) for seed in seeds]
    decisions = [e["agents"] * (e["ticks"] - 1) for e in each]
    total = sum(decisions) or 1
    per_seed = [e["ms_per_decision"] for e in each]
    return {
        "ms_per_decision": sum(
            e["ms_per_decision"] * d for e, d in zip(each, decisions, strict=True)
        )
        / total,
        "seeds": len(each),
        "min_ms_per_decision": min(per_seed),
        "max_ms_per_decision": max(per_seed),
    }
