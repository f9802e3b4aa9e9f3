"""`QdrantIndex`: an agent store's vectors in Qdrant (embedded or on a server).

Loaded only when SIMENGINE_VECTOR_STORE=qdrant (see `simengine.llm.vectors`): importing
`qdrant-client` costs most of a second.
"""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
import weakref
from collections.abc import Callable, Collection, Mapping
from contextlib import AbstractContextManager
from functools import partial
from typing import Any

import numpy as np
from qdrant_client import QdrantClient, models

from simengine.core.memory.index import IndexFactory, VectorIndex
from simengine.env import env_str

URL_VARIABLE = "SIMENGINE_QDRANT_URL"
PATH_VARIABLE = "SIMENGINE_QDRANT_PATH"
COLLECTION_PREFIX = "simengine_memory_"


class QdrantIndex:
    """One agent store's vectors in a Qdrant collection (cosine), dropped with the store."""

    def __init__(
        self, client: QdrantClient, agent: str, lock: AbstractContextManager[Any] | None = None
    ) -> None:
        self.client = client
        self.agent = agent
        self.collection = COLLECTION_PREFIX + uuid.uuid4().hex
        self.lock = lock or contextlib.nullcontext()  # embedded clients are not thread-safe
        self._dimension = 0
        self._drop = weakref.finalize(self, _drop_collection, client, self.collection, self.lock)

    def add(self, start: int, vectors: np.ndarray, ticks: np.ndarray) -> None:
        """Upsert the vectors as points `start`, `start + 1`, ... with their ticks."""
        if not len(vectors):
            return
        with self.lock:
            self._add(start, vectors, ticks)

    def _add(self, start: int, vectors: np.ndarray, ticks: np.ndarray) -> None:
        if self._dimension != vectors.shape[1]:
            self.clear()
            self.client.create_collection(
                self.collection,
                vectors_config=models.VectorParams(
                    size=int(vectors.shape[1]), distance=models.Distance.COSINE
                ),
            )
            self._dimension = int(vectors.shape[1])
        self.client.upsert(
            self.collection,
            points=models.Batch(
                ids=list(range(start, start + len(vectors))),
                vectors=vectors.astype(np.float32).tolist(),
                payloads=[{"tick": int(t)} for t in ticks],
            ),
        )

    def clear(self) -> None:
        """Drop the collection (made again by the next `add`)."""
        if self._dimension:
            _drop_collection(self.client, self.collection, self.lock)
            self._dimension = 0

    def nearest(
        self, query: np.ndarray, limit: int, before: int, exclude: Collection[int]
    ) -> tuple[np.ndarray, float] | None:
        """The `limit` points most similar to `query` from before tick `before`."""
        if not self._dimension:
            return np.zeros(0, dtype=np.int64), 0.0
        query_filter = models.Filter(
            must=[models.FieldCondition(key="tick", range=models.Range(lt=before))],
            must_not=[models.HasIdCondition(has_id=list(exclude))] if exclude else None,
        )
        with self.lock:
            points = self.client.query_points(
                self.collection,
                query=query.astype(np.float32).tolist(),
                query_filter=query_filter,
                limit=limit,
                with_payload=False,
            ).points
        rows = np.array([int(p.id) for p in points], dtype=np.int64)
        floor = min((p.score for p in points), default=0.0)
        return rows, float(floor)


def _drop_collection(
    client: QdrantClient, collection: str, lock: AbstractContextManager[Any]
) -> None:
    # best effort: a store being garbage-collected (or a server gone) must not raise
    with lock, contextlib.suppress(Exception):
        client.delete_collection(collection)


def qdrant_client_from_env(environ: Mapping[str, str] = os.environ) -> QdrantClient:
    """A client for the server at SIMENGINE_QDRANT_URL, else embedded (on disk or in memory)."""
    url = env_str(URL_VARIABLE, "", environ)
    if url:
        return QdrantClient(url=url)
    path = env_str(PATH_VARIABLE, "", environ)
    return QdrantClient(path=path) if path else QdrantClient(":memory:")


def qdrant_indexes(client: QdrantClient, *, embedded: bool = True) -> IndexFactory:
    """A factory of Qdrant indexes on `client`, one collection per agent store.

    An embedded client (local mode) is shared by every store of the process, which may run
    in several threads: its calls then take turns under one lock. A server client is
    thread-safe and takes no lock.
    """
    lock = threading.RLock() if embedded else None
    factory: Callable[[str], VectorIndex] = partial(QdrantIndex, client, lock=lock)
    return factory


def qdrant_indexes_from_env(environ: Mapping[str, str] = os.environ) -> IndexFactory:
    """Indexes on the client SIMENGINE_QDRANT_URL / SIMENGINE_QDRANT_PATH describe."""
    embedded = not env_str(URL_VARIABLE, "", environ)
    return qdrant_indexes(qdrant_client_from_env(environ), embedded=embedded)
