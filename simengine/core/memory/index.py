"""The vector search behind `EpisodicStore`: one port, exact numpy search by default.

A store always scores records itself (recency + importance + relevance weight x
similarity, the documented score); a `VectorIndex` only says which records are worth
scoring. `NumpyIndex` (the default) answers "all of them": each agent's memory is small,
and one vectorised pass over its array is the fastest exact search. Other indexes (the
Qdrant one in `simengine.llm.vectors`) return the records most similar to the situation;
the store then widens the search until no record left out could reach its top k, so every
index yields the same records in the same order. The process-wide choice is made once at
start-up with `use_vector_index` (the core reads no environment).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Protocol

import numpy as np


class VectorIndex(Protocol):
    """Where a store's vectors are searched for the records most similar to a query."""

    def add(self, start: int, vectors: np.ndarray, ticks: np.ndarray) -> None:
        """Index unit `vectors` of the records `start`, `start + 1`, ... made at `ticks`."""
        ...

    def clear(self) -> None:
        """Forget every vector (the store is re-embedding its records)."""
        ...

    def nearest(
        self, query: np.ndarray, limit: int, before: int, exclude: Collection[int]
    ) -> tuple[np.ndarray, float] | None:
        """The `limit` records most similar to `query` and the lowest similarity among them.

        Only records from before tick `before` and not in `exclude` count. None means
        "score every record": the index holds no shortcut worth taking.
        """
        ...


IndexFactory = Callable[[str], VectorIndex]


class NumpyIndex:
    """The default: the store scans its own numpy array exactly, so nothing is kept here."""

    def add(self, start: int, vectors: np.ndarray, ticks: np.ndarray) -> None:
        """Nothing to do: the store's array is the index."""

    def clear(self) -> None:
        """Nothing to do: the store's array is the index."""

    def nearest(
        self, query: np.ndarray, limit: int, before: int, exclude: Collection[int]
    ) -> tuple[np.ndarray, float] | None:
        """Always None: one exact vectorised pass over all records is the search."""
        return None


def numpy_index(agent: str) -> VectorIndex:
    """The default index of an agent's store."""
    return NumpyIndex()


_factory: IndexFactory = numpy_index


def use_vector_index(factory: IndexFactory | None) -> None:
    """Make every store created from now on use indexes from `factory` (None: numpy)."""
    global _factory
    _factory = factory or numpy_index


def new_index(agent: str) -> VectorIndex:
    """An index for a new store of `agent`, from the configured factory."""
    return _factory(agent)
