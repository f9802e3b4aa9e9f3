"""A client-side rate limiter over a sliding window: requests and tokens per minute."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Callable


class Reservation:
    """One admitted request; `settle` replaces its token estimate with the real usage."""

    __slots__ = ("at", "tokens")

    def __init__(self, at: float, tokens: int) -> None:
        self.at = at
        self.tokens = tokens


class RateLimiter:
    """Admits a request once the last `window` seconds hold room for it (shared by all loops)."""

    def __init__(
        self,
        requests_per_window: int,
        tokens_per_window: int,
        *,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.requests_per_window = requests_per_window
        self.tokens_per_window = tokens_per_window
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._admitted: deque[Reservation] = deque()

    def _try_admit(self, tokens: int) -> Reservation | float:
        """Admit now (a reservation) or say how many seconds until room may appear."""
        with self._lock:
            now = self._clock()
            while self._admitted and self._admitted[0].at <= now - self.window:
                self._admitted.popleft()
            used = sum(r.tokens for r in self._admitted)
            fits_tokens = used + tokens <= self.tokens_per_window or not self._admitted
            if len(self._admitted) < self.requests_per_window and fits_tokens:
                reservation = Reservation(now, tokens)
                self._admitted.append(reservation)
                return reservation
            return max(self._admitted[0].at + self.window - now, 0.01)

    async def acquire(self, tokens: int) -> Reservation:
        """Wait until a request estimated at `tokens` fits in the window."""
        while True:
            admitted = self._try_admit(tokens)
            if isinstance(admitted, Reservation):
                return admitted
            await asyncio.sleep(admitted)

    def settle(self, reservation: Reservation, tokens: int) -> None:
        """Record the tokens a request really used."""
        with self._lock:
            reservation.tokens = tokens


_registry: dict[tuple[str, int, int], RateLimiter] = {}
_registry_lock = threading.Lock()


def rate_limiter(key: str, rpm: int, tpm: int) -> RateLimiter:
    """The process-wide per-minute limiter for `key` (e.g. an Anthropic base URL)."""
    with _registry_lock:
        limiter = _registry.get((key, rpm, tpm))
        if limiter is None:
            limiter = _registry[(key, rpm, tpm)] = RateLimiter(rpm, tpm)
        return limiter
