"""Write-behind for a slice's ticks: tick t commits on a thread while tick t+1 is decided.

An LLM run's tick spends most of its time waiting for model answers; committing the tick
before (events, calls, the snapshot delta, the broadcast) left every server slot idle for
as long. Here the commit of tick t runs on a thread of its own (with its own database
connection, one transaction as before) while the main thread already sends tick t+1's
calls. What a restore sees is unchanged: each tick is still one transaction, and tick
t+1 commits only after tick t did (`submit` waits for the one before), so the committed
steps are always a prefix of the ticks the engine ran. A crash loses at most the tick
being written and the one being decided, and a resumed run continues from the last
committed tick as it always did.

The caller waits (`wait`) before anything that must see tick t on disk: reading the
controls or the step budget tick t consumed, finishing, halting, ending the slice.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)


class TickWriter:
    """At most one tick commit in flight, on one thread; the first error is raised to the caller.

    Use as a context manager: leaving it waits for the commit in flight and closes the
    thread's database connection.
    """

    def __init__(self, name: str = "simengine-writer") -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._pending: Future[Any] | None = None
        self.tick: int | None = None  # the tick of the commit in flight (or the last one)

    def __enter__(self) -> TickWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                self.wait()
            else:  # already failing: let that error through, but do not leave a write running
                try:
                    self.wait()
                except Exception as error:
                    logger.info("tick %s commit after a failed slice: %r", self.tick, error)
        finally:
            if self.tick is not None:  # its thread opened a connection
                self._executor.submit(_close_connection).result()
            self._executor.shutdown(wait=True)

    def submit(self, tick: int, commit: Callable[[], Any]) -> None:
        """Wait for the commit in flight (raising its error), then start `commit` for `tick`."""
        self.wait()
        self.tick = tick
        self._pending = self._executor.submit(commit)

    def wait(self) -> None:
        """Block until the commit in flight is done; raise its error, if it failed."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()


def _close_connection() -> None:
    with contextlib.suppress(DatabaseError):
        connection.close()
