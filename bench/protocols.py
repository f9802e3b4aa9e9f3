"""Figure 1 on both protocols: saturation and a fast server, on Ollama and OpenAI stand-ins.

Each protocol's runs are compared with P/L and with its own ideal measured in the same run.

The OpenAI-compatible stand-in (`tests.fakes.FakeOpenAI`, like vLLM) takes `json_schema`
structured output, so a valid answer costs exactly one request, as on Ollama. The ideal is
the same bare asyncio loop as for Ollama (P-slot semaphore, many callers), written with the
official `openai` client.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bench.saturation import MODEL, Sampler, measure_minimal_loop, measure_runs, steady_state
from bench.sizes import Sizes

OPENAI_MODEL = "openai/llama-3.2-3b-instruct"
DECISION_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["thought"],
    "properties": {"thought": {"type": "string"}},
}


def measure_minimal_loop_openai(
    *, server, calls: int, agents: int, slots: int, latency: float
) -> dict[str, Any]:
    """The ideal in the same run, with the official `openai` client and json_schema output."""
    import openai

    async def main() -> None:
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="EMPTY", max_retries=0)
        gate = asyncio.Semaphore(slots)
        share = [calls // agents + (1 if i < calls % agents else 0) for i in range(agents)]

        async def agent(count: int) -> None:
            for _ in range(count):
                async with gate:
                    await client.chat.completions.create(
                        model=OPENAI_MODEL.removeprefix("openai/"),
                        messages=[{"role": "user", "content": "Decide."}],
                        response_format={
                            "type": "json_schema",
                            "json_schema": {
                                "name": "decide",
                                "strict": True,
                                "schema": DECISION_SCHEMA,
                            },
                        },
                    )

        try:
            await asyncio.gather(*(agent(n) for n in share if n))
        finally:
            await client.close()

    server.reset()
    with Sampler(server) as sampler:
        asyncio.run(main())
    steady = steady_state(sampler.samples, slots)
    return {
        "calls": calls,
        "agents": agents,
        "calls_per_second": steady["calls_per_second"],
        "busy_fraction": steady["busy_fraction"],
        "ratio_to_p_over_l": steady["calls_per_second"] / (slots / latency),
    }


def _loop(protocol: str, **kwargs: Any) -> dict[str, Any]:
    if protocol == "openai":
        return measure_minimal_loop_openai(**kwargs)
    return measure_minimal_loop(**kwargs)


def measure_fast_server(*, pool, redis, server, protocol: str, sizes: Sizes) -> dict[str, Any]:
    """P slots, L=fast_latency, runs x agents on one protocol: against P/L and the bare loop."""
    saved = server.latency
    server.latency = sizes.fast_latency
    try:
        runs = measure_runs(
            pool=pool,
            redis=redis,
            server=server,
            runs=sizes.fast_runs,
            agents=sizes.fast_agents,
            ticks=sizes.fast_ticks,
            slots=sizes.slots,
            latency=sizes.fast_latency,
            model=OPENAI_MODEL if protocol == "openai" else MODEL,
        )
        loop = _loop(
            protocol,
            server=server,
            calls=runs["decisions"],
            agents=sizes.fast_runs * sizes.fast_agents,
            slots=sizes.slots,
            latency=sizes.fast_latency,
        )
    finally:
        server.latency = saved
    runs["minimal_loop"] = loop
    runs["ratio_to_minimal_loop"] = runs["decisions_per_second"] / max(
        loop["calls_per_second"], 1e-9
    )
    return runs


def measure_openai_saturation(*, pool, redis, server, sizes: Sizes) -> dict[str, Any]:
    """Scenario 1 (runs x agents, P, L) on the OpenAI-compatible stand-in, with its bare loop."""
    runs = measure_runs(
        pool=pool,
        redis=redis,
        server=server,
        runs=sizes.saturation_runs,
        agents=sizes.saturation_agents,
        ticks=sizes.saturation_ticks,
        slots=sizes.slots,
        latency=sizes.latency,
        model=OPENAI_MODEL,
    )
    runs["minimal_loop"] = measure_minimal_loop_openai(
        server=server,
        calls=sizes.minimal_loop_calls,
        agents=sizes.saturation_runs * sizes.saturation_agents,
        slots=sizes.slots,
        latency=sizes.latency,
    )
    return runs
