"""The slice guard: a thread beside an executing slice that watches the run's row.

Twice a second it reads the run's status; when the operator asks the run to stop, it
cancels the tick in flight (its asyncio tasks, so a hanging model call ends at once).
Every few seconds it renews the slice's lease, the heartbeat the watchdog relies on; when
the lease was lost (taken over after this process stalled) it cancels the tick as well.
It uses its own database connection, closed when the slice ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from django.db import DatabaseError, connection

from runs_app.models import Run, RunStatus
from runs_app.services.leases import lease_seconds, slice_renew

logger = logging.getLogger(__name__)

T = TypeVar("T")

POLL_SECONDS = 0.5


class TickCancelled(Exception):
    """The tick in flight was cancelled: the run is stopping, or the lease was lost."""


class SliceGuard:
    """Watches one run while a slice holding lease `holder` executes it."""

    def __init__(self, run_id: int, holder: str) -> None:
        """Prepare the watcher; `start` begins watching."""
        self.run_id = run_id
        self.holder = holder
        self.stop_requested = False
        self.lease_lost = False
        self._done = threading.Event()
        self._tick: tuple[asyncio.AbstractEventLoop, asyncio.Task[Any]] | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(
            target=self._watch, name=f"simengine-guard-{run_id}", daemon=True
        )

    def __enter__(self) -> SliceGuard:
        """Start watching."""
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop watching and wait for the watcher to close its connection."""
        self._done.set()
        self._thread.join(timeout=10)

    @property
    def cancelled(self) -> bool:
        """Whether the slice must end now: a stop was asked for or the lease is gone."""
        return self.stop_requested or self.lease_lost

    async def run_tick(self, tick: Coroutine[Any, Any, T]) -> T:
        """Run one tick as a task the watcher can cancel; TickCancelled when it did."""
        task = asyncio.ensure_future(tick)
        with self._lock:
            self._tick = (asyncio.get_running_loop(), task)
            already = self.cancelled
        if already:
            task.cancel()
        try:
            return await task
        except asyncio.CancelledError:
            if self.cancelled:
                raise TickCancelled from None
            raise
        finally:
            with self._lock:
                self._tick = None

    def _watch(self) -> None:
        renew_every = max(1.0, lease_seconds() / 3)
        since_renewal = 0.0
        try:
            while not self._done.wait(POLL_SECONDS):
                since_renewal += POLL_SECONDS
                try:
                    status = Run.objects.filter(pk=self.run_id).values_list("status", flat=True)
                    if status.first() == RunStatus.STOPPING:
                        self.stop_requested = True
                    if since_renewal >= renew_every:
                        since_renewal = 0.0
                        if not slice_renew(self.run_id, self.holder):
                            self.lease_lost = True
                except DatabaseError as exc:  # a blip: the slice itself will retry
                    logger.info("guard of run %s could not read the run: %s", self.run_id, exc)
                    with contextlib.suppress(DatabaseError):
                        connection.close()
                    continue
                if self.cancelled:
                    self._cancel_tick()
        finally:
            with contextlib.suppress(DatabaseError):
                connection.close()

    def _cancel_tick(self) -> None:
        with self._lock:
            if self._tick is not None:
                loop, task = self._tick
                loop.call_soon_threadsafe(task.cancel)
