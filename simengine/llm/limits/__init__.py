"""Bounds on load per LLM server: slots (concurrency) and per-minute rates."""

from __future__ import annotations

import threading
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from .local import LocalSlotLimiter, local_limiter
from .rate import RateLimiter, Reservation, rate_limiter
from .redis import RedisSlotLimiter, SlotUsage, slot_usage


class SlotLimiter(Protocol):
    """Anything that can hold a slot for the duration of an `async with` block."""

    def slot(self) -> AbstractAsyncContextManager[None]:
        """Wait for a free slot and hold it until the block exits."""


_shared: dict[tuple[str, str, int, float], RedisSlotLimiter] = {}
_shared_lock = threading.Lock()


def slot_limiter(
    name: str, slots: int, *, redis_url: str | None = None, lease_seconds: float = 30.0
) -> LocalSlotLimiter | RedisSlotLimiter:
    """The process-wide limiter for server `name`: shared through Redis when one is set."""
    if not redis_url:
        return local_limiter(name, slots)
    key = (redis_url, name, slots, lease_seconds)
    with _shared_lock:
        shared = _shared.get(key)
        if shared is None:
            shared = _shared[key] = RedisSlotLimiter(
                redis_url, name, slots, lease_seconds=lease_seconds
            )
        return shared


__all__ = [
    "LocalSlotLimiter",
    "RateLimiter",
    "RedisSlotLimiter",
    "Reservation",
    "SlotLimiter",
    "SlotUsage",
    "local_limiter",
    "rate_limiter",
    "slot_limiter",
    "slot_usage",
]
