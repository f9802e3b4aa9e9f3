import asyncio
from collections.abc import Iterable

import pytest
import redis
from redis.asyncio.connection import AbstractConnection

from simengine.llm.limits import RedisSlotLimiter

pytestmark = pytest.mark.redis


def test_a_cancel_that_lands_as_a_command_is_sent_still_ends_the_wait(redis_url, monkeypatch):
    # redis-py sends each command through `asyncio.wait_for`; on Python 3.11 a cancellation
    # that arrives just as the send completes is dropped there (CPython gh-86296). Make it
    # arrive exactly then, every time: this is what a loaded machine does now and again, and
    # what left `wait_for(limiter.acquire(), ...)` waiting for good.
    holder, waiter = [RedisSlotLimiter(redis_url, "lost-cancel", 1) for _ in range(2)]
    send = AbstractConnection._send_packed_command
    to_cancel: list[asyncio.Task[str]] = []

    async def send_then_cancel_the_waiter(self, command: Iterable[bytes]) -> None:
        command = list(command)
        await send(self, command)
        if to_cancel and any(b"BLPOP" in bytes(part) for part in command):
            to_cancel.pop().cancel()

    monkeypatch.setattr(AbstractConnection, "_send_packed_command", send_then_cancel_the_waiter)

    async def main() -> tuple[bool, bool, float]:
        token = await holder.acquire()
        waiting = asyncio.create_task(waiter.acquire())
        to_cancel.append(waiting)
        done, _ = await asyncio.wait({waiting}, timeout=5)
        ended, cancelled = waiting in done, waiting.cancelled()
        if not ended:  # do not leave it polling: cancel again, now outside the send
            waiting.cancel()
            await asyncio.wait({waiting}, timeout=5)
        await holder.release(token)
        loop = asyncio.get_running_loop()
        started = loop.time()  # the waiter's connection and local slot still work
        await waiter.release(await asyncio.wait_for(waiter.acquire(), 2))
        for limiter in (holder, waiter):
            await limiter.aclose()
        return ended, cancelled, loop.time() - started

    ended, cancelled, reacquired_in = asyncio.run(main())

    assert ended, "the cancelled acquire went on waiting"
    assert cancelled
    assert reacquired_in < 1.0
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.zcard(waiter.keys[1]) == 0  # no queue entry left behind
        assert client.zcard(waiter.keys[0]) == 0  # and no holder
    finally:
        client.close()
