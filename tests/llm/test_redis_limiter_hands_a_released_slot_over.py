"""A release hands its slot straight to the next waiter, whose short lease is renewed at once."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis

from simengine.llm.limits import RedisSlotLimiter

pytestmark = pytest.mark.redis


def test_the_next_waiter_holds_the_slot_with_a_full_lease_and_never_two_at_once(redis_url):
    holder, waiter = [
        RedisSlotLimiter(redis_url, "handover", 1, poll=5.0, lease_seconds=30.0) for _ in range(2)
    ]
    leases: list[float] = []
    inside = 0
    most = 0

    async def hold(limiter: RedisSlotLimiter, seconds: float) -> None:
        nonlocal inside, most
        async with limiter.slot():
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(seconds)
            client = aioredis.Redis.from_url(redis_url)
            clock = await client.time()
            now_ms = int(clock[0]) * 1000 + int(clock[1]) // 1000
            scores = await client.zrange(limiter.keys[0], 0, -1, withscores=True)
            leases.extend((float(entry[1]) - now_ms) / 1000 for entry in scores)
            await client.aclose()
            inside -= 1

    async def main() -> float:
        first = asyncio.create_task(hold(holder, 0.2))
        await asyncio.sleep(0.05)
        loop = asyncio.get_running_loop()
        started = loop.time()
        await asyncio.gather(first, hold(waiter, 0.3))
        for limiter in (holder, waiter):
            await limiter.aclose()
        return loop.time() - started

    elapsed = asyncio.run(main())
    assert most == 1
    assert elapsed < 1.0  # handed over on release, not at the waiter's next poll (5 s)
    assert len(leases) == 2 and min(leases) > 20  # the granted (3 s) lease was renewed to 30 s
