"""One value per running event loop: async clients cannot cross `asyncio.run` calls."""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class PerLoop(Generic[T]):
    """Creates a value lazily for each event loop and forgets it when the loop is gone."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._values: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, T] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def get(self) -> T:
        """The value for the running loop, created on first use."""
        loop = asyncio.get_running_loop()
        with self._lock:
            value = self._values.get(loop)
            if value is None:
                value = self._factory()
                self._values[loop] = value
            return value

    def pop(self) -> T | None:
        """Forget (and return) the running loop's value, e.g. to close it."""
        loop = asyncio.get_running_loop()
        with self._lock:
            return self._values.pop(loop, None)
