import asyncio
import multiprocessing

import pytest

from simengine.llm.limits import RedisSlotLimiter
from tests.fakes import FakeOllama

from .workers import call_model_many_times

pytestmark = pytest.mark.redis


def test_four_worker_processes_never_exceed_the_shared_bound(redis_url):
    with FakeOllama(slots=64, latency=0.1) as server:
        context = multiprocessing.get_context("spawn")
        with context.Manager() as manager, context.Pool(4) as pool:
            jobs = [(server.url, redis_url, 3, 12, manager.Barrier(4))] * 4
            answered = pool.starmap(call_model_many_times, jobs)

        assert answered == [12, 12, 12, 12]
        stats = server.stats()
        assert stats.total == 48
        assert stats.max_in_flight == 3


def test_many_tasks_on_separate_limiter_instances_never_exceed_the_bound(redis_url):
    limiters = [RedisSlotLimiter(redis_url, "shared-model", 4) for _ in range(5)]
    counts = {"now": 0, "max": 0}

    async def worker(limiter: RedisSlotLimiter) -> None:
        async with limiter.slot():
            counts["now"] += 1
            counts["max"] = max(counts["max"], counts["now"])
            await asyncio.sleep(0.01)
            counts["now"] -= 1

    async def main() -> int:
        await asyncio.gather(*(worker(limiters[n % 5]) for n in range(100)))
        left = await limiters[0].holders()
        for limiter in limiters:
            await limiter.aclose()
        return left

    assert asyncio.run(main()) == 0
    assert counts["max"] == 4
