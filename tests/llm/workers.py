"""Code run in child processes by the Redis limiter tests (importable under spawn)."""

from __future__ import annotations

import asyncio
import os

from simengine.llm import LLMClient, LLMDecisionMaker, LLMSettings
from simengine.llm.limits import RedisSlotLimiter


def call_model_many_times(host: str, redis_url: str, parallel: int, calls: int, barrier) -> int:
    """Fire `calls` concurrent Ollama calls through the shared limiter, all processes at once."""
    settings = LLMSettings(
        ollama_host=host, ollama_parallel=parallel, redis_url=redis_url, retry_backoff=0.01
    )
    client = LLMClient(settings)

    async def main() -> int:
        await asyncio.to_thread(barrier.wait, 60)
        try:
            answers = await asyncio.gather(
                *(
                    client.generate(
                        "ollama/llama3.2", [{"role": "user", "content": f"{os.getpid()}/{n}"}]
                    )
                    for n in range(calls)
                )
            )
        finally:
            await client.aclose()
        return sum(1 for a in answers if a.text)

    return asyncio.run(main())


def hold_a_slot_forever(redis_url: str, name: str, lease_seconds: float, ready) -> None:
    """Take one slot, say so, then hang until killed (renewing the lease meanwhile)."""
    limiter = RedisSlotLimiter(redis_url, name, 1, lease_seconds=lease_seconds)

    async def main() -> None:
        async with limiter.slot():
            ready.set()
            await asyncio.sleep(3600)

    asyncio.run(main())


def run_flood_on_openai(base_url: str, redis_url: str, parallel: int, ticks: int, barrier) -> int:
    """Step the sample flood on an OpenAI-compatible server, every process starting together.

    Returns how many model calls answered without error.
    """
    from tests.llm.flood import run_flood

    settings = LLMSettings(
        redis_url=redis_url,
        retry_backoff=0.01,
        environ={"OPENAI_BASE_URL": base_url, "SIMENGINE_OPENAI_PARALLEL": str(parallel)},
    )
    barrier.wait(60)
    _, results = run_flood(
        LLMDecisionMaker(LLMClient(settings)),
        model_override="openai/llama-3.2-3b-instruct",
        max_ticks=ticks,
    )
    return sum(1 for tick in results for call in tick.calls if call.error is None)
