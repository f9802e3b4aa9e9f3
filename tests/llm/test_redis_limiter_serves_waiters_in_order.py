import asyncio
import logging

import pytest
import redis.asyncio as aioredis

from simengine.llm.limits import RedisSlotLimiter

pytestmark = pytest.mark.redis


def test_waiters_from_different_processes_get_the_slot_first_come_first_served(redis_url):
    # one limiter instance per waiter: each stands for a separate worker process
    holder, *waiters = [RedisSlotLimiter(redis_url, "fifo", 1) for _ in range(7)]
    order: list[int] = []

    async def wait_for_slot(n: int) -> None:
        async with waiters[n].slot():
            order.append(n)
            await asyncio.sleep(0.005)

    async def main() -> None:
        probe = aioredis.Redis.from_url(redis_url)
        token = await holder.acquire()
        tasks = []
        async with asyncio.timeout(30):
            for n in range(6):
                tasks.append(asyncio.create_task(wait_for_slot(n)))
                # each joins the queue before the next (a fixed sleep is too short under load:
                # a waiter's first call opens its connection)
                while await probe.zcard(holder.keys[1]) < n + 1:
                    await asyncio.sleep(0.005)
        await holder.release(token)
        await asyncio.gather(*tasks)
        for limiter in (holder, *waiters):
            await limiter.aclose()
        await probe.aclose()

    asyncio.run(main())

    assert order == [0, 1, 2, 3, 4, 5]


def test_a_cancelled_waiter_leaves_the_queue_at_once(redis_url):
    holder, quitter, next_in_line = [RedisSlotLimiter(redis_url, "cancel", 1) for _ in range(3)]

    async def main() -> float:
        token = await holder.acquire()
        waiting = asyncio.create_task(quitter.acquire())
        await asyncio.sleep(0.05)
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
        await holder.release(token)
        loop = asyncio.get_running_loop()
        started = loop.time()
        await next_in_line.release(await asyncio.wait_for(next_in_line.acquire(), 1))
        for limiter in (holder, quitter, next_in_line):
            await limiter.aclose()
        return loop.time() - started

    assert asyncio.run(main()) < 1.0  # without it: a poll or a dead-waiter timeout


def test_a_release_wakes_the_next_waiter_without_waiting_for_its_poll(redis_url):
    holder, waiter = [RedisSlotLimiter(redis_url, "wake", 1, poll=5.0) for _ in range(2)]

    async def main() -> float:
        token = await holder.acquire()
        waiting = asyncio.create_task(waiter.acquire())
        await asyncio.sleep(0.05)
        loop = asyncio.get_running_loop()
        released = loop.time()
        await holder.release(token)
        await waiter.release(await asyncio.wait_for(waiting, 2))
        for limiter in (holder, waiter):
            await limiter.aclose()
        return loop.time() - released

    assert asyncio.run(main()) < 1.0  # without it: a poll or a dead-waiter timeout


def test_when_redis_is_down_calls_go_on_and_a_warning_says_why(caplog):
    limiter = RedisSlotLimiter("redis://127.0.0.1:9/0", "no-redis", 1)
    ran = []

    async def main() -> None:
        async with limiter.slot():
            ran.append(limiter.local.in_use)
        await limiter.aclose()

    with caplog.at_level(logging.WARNING, logger="simengine.llm.limits.redis"):
        asyncio.run(main())

    assert ran == [1]  # the process-local bound still holds
    assert "Redis at redis://127.0.0.1:9/0 is unreachable" in caplog.text
    assert "the no-redis slot limit now holds per process only" in caplog.text
