"""Figure 8 (memory): bounded prompts over a long run, and retrieval cost at 5,000 memories.

Both are engine-only (no database): prompt size is the rendered prompt of every decision
at two ticks of one long offline run with long-term memory on; retrieval cost is the CPU
time of what one decision adds (embedding its situation and one message with the local
embedding, the query vector, the scored top k) for an agent holding 5,000 memories. The
cost of writing memory rows is inside figure 2 (the bench flood has memory on).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench.scenarios import flood_spec

DECISIONS = 400


def prompt_tokens(*, agents: int, ticks: int, early: int) -> dict[str, Any]:
    """Mean prompt tokens per decision at tick `early` and at the last tick, memory on."""
    from simengine.core.memory import estimate_tokens
    from simengine.core.simulation import Simulation
    from simengine.llm import LLMSettings, build_decision_maker, build_prompt

    spec = flood_spec(agents=agents, ticks=ticks)
    assert spec.memory is not None, "the bench flood has long-term memory on"
    offline = build_decision_maker(LLMSettings(redis_url=None))
    sizes: dict[int, list[int]] = {early: [], ticks: []}
    recalled: dict[int, list[int]] = {early: [], ticks: []}

    class Measuring:
        async def decide(self, request):
            if request.tick in sizes:
                prompt = build_prompt(request)
                sizes[request.tick].append(
                    estimate_tokens(prompt.system + prompt.prefix + prompt.turn)
                )
                recalled[request.tick].append(len(request.recalled))
            return await offline.decide(request)

    async def run() -> Simulation:
        simulation = Simulation.create(spec, seed=1, run_id="bench-memory")
        while not simulation.finished:
            await simulation.step(Measuring())
        return simulation

    simulation = asyncio.run(run())
    stores = [a.memory.store for a in simulation.states.values() if a.memory.store]
    mean = {tick: sum(v) / len(v) for tick, v in sizes.items()}
    return {
        "agents": agents,
        "ticks": simulation.tick,
        "early_tick": early,
        "tokens_per_decision_early": mean[early],
        "tokens_per_decision_late": mean[ticks],
        "ratio_late_to_early": mean[ticks] / mean[early],
        "recalled_per_decision_late": sum(recalled[ticks]) / len(recalled[ticks]),
        "memories_per_agent_at_end": sum(len(s) for s in stores) / len(stores),
    }


def retrieval_cpu(*, memories: int = 5000, decisions: int = DECISIONS) -> dict[str, Any]:
    """CPU ms per decision for local embedding + query + top-k retrieval over `memories`."""
    from simengine.core.memory import LOCAL_MODEL, EpisodicStore, MemoryConfig, embed_local

    store = EpisodicStore("bench", MemoryConfig(), LOCAL_MODEL)
    places = ("docks", "school", "hospital", "hilltop", "market", "bridge")
    for n in range(memories):
        place = places[n % len(places)]
        text = (
            f"Rescuer {n % 7} (room:command): {n % 23} people still wait at the {place}; "
            f"water rising, bring boat {n % 5} and medkits before tick {n}"
        )
        store.add(n // 4, ("message", "world", "action", "observation")[n % 4], text, (n % 10) / 10)
    store.attach([embed_local(r.text) for r in store.unembedded()], LOCAL_MODEL)
    now = memories // 4 + 1
    window = set(range(memories - 12, memories))
    started = time.process_time()
    for n in range(decisions):
        # fresh texts each decision: no help from the embedding cache
        situation = embed_local(
            f"at {places[n % 6]} ({n % 3} m above the water); {n} people waiting; water {n} m"
        )
        heard = embed_local(f"Mayor (direct): decision {n}: go to the {places[(n + 1) % 6]} now")
        query = situation + heard
        query /= float((query @ query) ** 0.5) or 1.0
        recalled = store.retrieve(now, query, exclude=window)
    cpu = time.process_time() - started
    return {
        "memories": memories,
        "decisions": decisions,
        "retrieve_k": store.config.retrieve_k,
        "recalled_last": len(recalled),
        "cpu_ms_per_decision": cpu / decisions * 1000,
    }


def measure_memory(*, agents: int, ticks: int, early: int) -> dict[str, Any]:
    """Both memory figures."""
    return {
        "prompt": prompt_tokens(agents=agents, ticks=ticks, early=early),
        "retrieval": retrieval_cpu(),
    }
