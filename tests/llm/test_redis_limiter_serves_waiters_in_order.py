import asyncio
import logging

from simengine.llm.limits import RedisSlotLimiter


def test_waiters_get_the_slot_first_come_first_served(redis_url):
    limiter = RedisSlotLimiter(redis_url, "fifo", 1)
    order: list[int] = []

    async def waiter(n: int) -> None:
        async with limiter.slot():
            order.append(n)
            await asyncio.sleep(0.005)

    async def main() -> None:
        token = await limiter.acquire()
        tasks = []
        for n in range(6):
            tasks.append(asyncio.create_task(waiter(n)))
            await asyncio.sleep(0.02)  # each joins the queue before the next
        await limiter.release(token)
        await asyncio.gather(*tasks)
        await limiter.aclose()

    asyncio.run(main())

    assert order == [0, 1, 2, 3, 4, 5]


def test_a_cancelled_waiter_leaves_the_queue_at_once(redis_url):
    limiter = RedisSlotLimiter(redis_url, "cancel", 1)

    async def main() -> float:
        token = await limiter.acquire()
        quitter = asyncio.create_task(limiter.acquire())
        await asyncio.sleep(0.05)
        quitter.cancel()
        await asyncio.gather(quitter, return_exceptions=True)
        await limiter.release(token)
        loop = asyncio.get_running_loop()
        started = loop.time()
        await limiter.release(await asyncio.wait_for(limiter.acquire(), 1))
        await limiter.aclose()
        return loop.time() - started

    assert asyncio.run(main()) < 0.2


def test_when_redis_is_down_calls_go_on_and_a_warning_says_why(caplog):
    limiter = RedisSlotLimiter("redis://127.0.0.1:9/0", "no-redis", 1)
    ran = []

    async def main() -> None:
        async with limiter.slot():
            ran.append(True)
        await limiter.aclose()

    with caplog.at_level(logging.WARNING, logger="simengine.llm.limits.redis"):
        asyncio.run(main())

    assert ran == [True]
    assert "Redis at redis://127.0.0.1:9/0 is unreachable" in caplog.text
    assert "the no-redis slot limit now holds per process only" in caplog.text
