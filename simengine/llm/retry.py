"""Retries with exponential backoff, counting every retry into the call's meter.

A plain loop rather than tenacity's `AsyncRetrying`: most calls succeed at once, and
building tenacity's retry state per call cost more CPU than the model call's parsing.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from .types import CallMeter

log = logging.getLogger(__name__)
T = TypeVar("T")
RETRY_AFTER_CAP = 120.0


def _no_retry_after(exc: BaseException) -> float | None:
    return None


@dataclass(frozen=True)
class RetryPolicy:
    """How many times to retry which failures, and how long to wait in between."""

    retries: int
    backoff: float
    backoff_max: float
    should_retry: Callable[[BaseException], bool]
    retry_after: Callable[[BaseException], float | None] = _no_retry_after

    def wait_seconds(self, exc: BaseException, attempt: int) -> float:
        """Seconds to wait after failed attempt `attempt` (1 = the first).

        A server's retry-after if it gave one, else exponential backoff with jitter.
        """
        hinted = self.retry_after(exc)
        if hinted is not None:
            return min(max(hinted, 0.0), RETRY_AFTER_CAP)
        delay = self.backoff * 2 ** (attempt - 1)
        return min(delay, self.backoff_max) * random.uniform(0.75, 1.0)


async def with_retries(fn: Callable[[], Awaitable[T]], policy: RetryPolicy, meter: CallMeter) -> T:
    """Await `fn()` until it succeeds or the policy gives up; re-raises the last error.

    At most `policy.retries + 1` attempts; only failures `policy.should_retry` accepts are
    tried again (a cancellation never is).
    """
    attempt = 1
    while True:
        meter.retries = attempt - 1
        try:
            return await fn()
        except Exception as exc:
            if attempt > policy.retries or not policy.should_retry(exc):
                raise
            log.info("retrying model call (attempt %d failed: %s)", attempt, exc)
            await asyncio.sleep(policy.wait_seconds(exc, attempt))
        attempt += 1


def retry_after_seconds(exc: BaseException) -> float | None:
    """The server's `retry-after-ms` / `retry-after` hint (seconds or an HTTP date), if any.

    Read from the `response` an SDK's status error carries (Anthropic's and OpenAI's do).
    """
    response = getattr(exc, "response", None)
    if response is None:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = response.headers.get(name)
        if value is None:
            continue
        try:
            return float(value) * scale
        except ValueError:
            parsed = email.utils.parsedate_tz(value)
            if parsed is not None:
                return max(email.utils.mktime_tz(parsed) - time.time(), 0.0)
    return None
