"""Bounds on load per LLM server: slots (concurrency) and per-minute rates."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from .local import LocalSlotLimiter, local_limiter
from .rate import RateLimiter, Reservation, rate_limiter
from .redis import RedisSlotLimiter


class SlotLimiter(Protocol):
    """Anything that can hold a slot for the duration of an `async with` block."""

    def slot(self) -> AbstractAsyncContextManager[None]: ...


class StackedLimiter:
    """This process's local limiter first, then the shared Redis one.

    The local stage keeps at most `slots` tasks per process polling Redis; the Redis stage
    makes the bound hold across processes.
    """

    def __init__(self, local: LocalSlotLimiter, shared: RedisSlotLimiter) -> None:
        self.local = local
        self.shared = shared
        self.slots = shared.slots

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold a local slot, then a shared one."""
        async with self.local.slot(), self.shared.slot():
            yield

    async def aclose(self) -> None:
        """Close this loop's Redis connection."""
        await self.shared.aclose()


_shared: dict[tuple[str, str, int, float], RedisSlotLimiter] = {}
_shared_lock = threading.Lock()


def slot_limiter(
    name: str, slots: int, *, redis_url: str | None = None, lease_seconds: float = 30.0
) -> LocalSlotLimiter | StackedLimiter:
    """The limiter for server `name`: process-local, or shared through Redis when configured."""
    local = local_limiter(name, slots)
    if not redis_url:
        return local
    key = (redis_url, name, slots, lease_seconds)
    with _shared_lock:
        shared = _shared.get(key)
        if shared is None:
            shared = _shared[key] = RedisSlotLimiter(
                redis_url, name, slots, lease_seconds=lease_seconds
            )
    return StackedLimiter(local, shared)


__all__ = [
    "LocalSlotLimiter",
    "RateLimiter",
    "RedisSlotLimiter",
    "Reservation",
    "SlotLimiter",
    "StackedLimiter",
    "local_limiter",
    "rate_limiter",
    "slot_limiter",
]
