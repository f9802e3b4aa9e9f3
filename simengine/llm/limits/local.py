"""A FIFO slot limiter shared by every thread and event loop of this process."""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class _Waiter:
    __slots__ = ("loop", "future", "granted")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.future: asyncio.Future[None] = loop.create_future()
        self.granted = False


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class LocalSlotLimiter:
    """A counting semaphore that, unlike `asyncio.Semaphore`, works across loops and threads.

    Runs in the embedded mode execute in a thread pool, each with its own event loop; all of
    them must share one bound per LLM server. A released slot is handed straight to the
    oldest waiter, so waiting is first come, first served.
    """

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError(f"a slot limiter needs at least one slot, got {slots}")
        self.slots = slots
        self._free = slots
        self._lock = threading.Lock()
        self._waiters: deque[_Waiter] = deque()

    @property
    def in_use(self) -> int:
        """Slots currently held."""
        with self._lock:
            return self.slots - self._free

    @property
    def waiting(self) -> int:
        """Callers currently waiting for a slot."""
        with self._lock:
            return len(self._waiters)

    async def acquire(self) -> None:
        """Wait for a free slot and take it."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._free > 0 and not self._waiters:
                self._free -= 1
                return
            waiter = _Waiter(loop)
            self._waiters.append(waiter)
        try:
            await waiter.future
        except BaseException:
            with self._lock:
                if not waiter.granted:
                    self._waiters.remove(waiter)
                    raise
            self.release()  # the slot arrived as we were cancelled: pass it on
            raise

    def release(self) -> None:
        """Give a slot back, handing it to the oldest live waiter if there is one."""
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        with self._lock:
            while self._waiters:
                waiter = self._waiters.popleft()
                try:
                    if waiter.loop is running:  # same loop: no wake-up write to its self-pipe
                        waiter.loop.call_soon(_wake, waiter.future)
                    else:
                        waiter.loop.call_soon_threadsafe(_wake, waiter.future)
                except RuntimeError:  # its loop is closed: that waiter is gone
                    continue
                waiter.granted = True
                return
            self._free += 1

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one slot for the duration of the block."""
        await self.acquire()
        try:
            yield
        finally:
            self.release()


_registry: dict[tuple[str, int], LocalSlotLimiter] = {}
_registry_lock = threading.Lock()


def local_limiter(key: str, slots: int) -> LocalSlotLimiter:
    """The process-wide limiter for `key` (e.g. "ollama:http://127.0.0.1:11434")."""
    with _registry_lock:
        limiter = _registry.get((key, slots))
        if limiter is None:
            limiter = _registry[(key, slots)] = LocalSlotLimiter(slots)
        return limiter
