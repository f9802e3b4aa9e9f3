import asyncio
import multiprocessing
import os
import signal
import time

import pytest

from simengine.llm.limits import RedisSlotLimiter

from .workers import hold_a_slot_forever

pytestmark = pytest.mark.redis
LEASE = 2.0  # seconds; renewed every third of it


def test_a_slot_held_by_a_killed_process_comes_back_when_its_lease_runs_out(redis_url):
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    holder = context.Process(target=hold_a_slot_forever, args=(redis_url, "leased", LEASE, ready))
    holder.start()
    try:
        assert ready.wait(30)
        limiter = RedisSlotLimiter(redis_url, "leased", 1, lease_seconds=LEASE)

        async def blocked_while_renewed() -> bool:
            try:
                await asyncio.wait_for(limiter.acquire(), LEASE * 1.5)  # past one lease
            except TimeoutError:
                return True
            finally:
                await limiter.aclose()
            return False

        assert asyncio.run(blocked_while_renewed())
    finally:
        if holder.pid is not None:
            os.kill(holder.pid, signal.SIGKILL)
        holder.join()

    async def acquire_after_death() -> float:
        started = time.monotonic()
        token = await asyncio.wait_for(limiter.acquire(), LEASE * 4)
        await limiter.release(token)
        await limiter.aclose()
        return time.monotonic() - started

    assert asyncio.run(acquire_after_death()) <= LEASE + 1.5
