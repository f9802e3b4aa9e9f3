"""Retries with exponential backoff (tenacity), counting every retry into the call's meter."""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

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

    def wait_seconds(self, state: RetryCallState) -> float:
        """Honour a server's retry-after if it gave one, else back off exponentially."""
        exc = state.outcome.exception() if state.outcome else None
        hinted = self.retry_after(exc) if exc is not None else None
        if hinted is not None:
            return min(max(hinted, 0.0), RETRY_AFTER_CAP)
        delay = self.backoff * 2 ** (state.attempt_number - 1)
        return min(delay, self.backoff_max) * random.uniform(0.75, 1.0)


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    log.info("retrying model call (attempt %d failed: %s)", state.attempt_number, exc)


async def with_retries(fn: Callable[[], Awaitable[T]], policy: RetryPolicy, meter: CallMeter) -> T:
    """Await `fn()` until it succeeds or the policy gives up; re-raises the last error."""
    retrying = AsyncRetrying(
        stop=stop_after_attempt(policy.retries + 1),
        wait=policy.wait_seconds,
        retry=retry_if_exception(policy.should_retry),
        before_sleep=_log_retry,
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            meter.retries = attempt.retry_state.attempt_number - 1
            result = await fn()
    return result


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
