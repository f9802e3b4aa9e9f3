"""`EpisodicStore`: one agent's long-term memory, searched exactly and vectorised with numpy.

Records are appended in order and embedded in order; their vectors, ticks and importances
sit in growing arrays, so a retrieval over thousands of records is a handful of numpy
operations (no per-record Python). The records themselves are persisted by the caller
(the store reports what is new); the snapshot keeps only the store's small metadata.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from simengine.core.memory.config import LOCAL_MODEL, RELEVANCE_WEIGHT, MemoryConfig
from simengine.core.memory.embedding import embed_local
from simengine.core.memory.index import new_index
from simengine.core.memory.records import MemoryRecord, Recalled, estimate_tokens

REFLECTION_SOURCES = 3  # how many of the period's most important records a reflection condenses
MAX_TEXT = 240
SHORTLIST = 4  # candidates examined per retrieved record (the rest cannot make the top k)
MARGIN = 1e-4  # slack on an index's similarities (float32 sums) when bounding the rest


class EpisodicStore:
    """All the records of one agent, with exact top-k retrieval by the documented score."""

    def __init__(self, agent: str, config: MemoryConfig, model: str) -> None:
        self.agent = agent
        self.config = config
        self.model = model  # the embedding model in use; may fall back to "local"
        self.fallback = ""  # why the configured model is not in use ("" when it is)
        self.records: list[MemoryRecord] = []
        self.last_reflection = 0
        self.last_situation: int | None = None  # seq of the latest observation record
        self.emitted = 0  # records[:emitted] were handed out by `drain`
        self.rated = 0  # records[:rated] have their final importance (see `unrated`)
        self._embedded = 0  # records[:_embedded] have vectors in the arrays
        self._vectors = np.zeros((0, 0), dtype=np.float32)
        self._ticks = np.zeros(0, dtype=np.float64)
        self._importance = np.zeros(0, dtype=np.float64)
        self.index = new_index(agent)  # the vector search (numpy unless configured)

    def __len__(self) -> int:
        return len(self.records)

    # -- writing --
    def add(
        self,
        tick: int,
        kind: str,
        text: str,
        importance: float,
        *,
        sources: tuple[int, ...] = (),
        details: Mapping[str, Any] | None = None,
    ) -> MemoryRecord:
        """Append a record (embedded later, with the tick's other new records)."""
        record = MemoryRecord(
            agent=self.agent,
            seq=len(self.records),
            tick=tick,
            kind=kind,
            text=text,
            importance=round(min(1.0, max(0.0, float(importance))), 3),
            sources=sources,
            details=dict(details or {}),
        )
        self.records.append(record)
        if kind == "observation":
            self.last_situation = record.seq
        return record

    def unrated(self) -> list[MemoryRecord]:
        """Records added since the last `mark_rated`, oldest first (rated by rule so far)."""
        return self.records[self.rated :]

    def mark_rated(self) -> None:
        """Every record so far has its final importance."""
        self.rated = len(self.records)

    def rescore(self, seq: int, importance: float) -> None:
        """Give record `seq` a new importance (in [0, 1]), in retrieval's arrays too."""
        record = self.records[seq]
        record.importance = round(min(1.0, max(0.0, float(importance))), 3)
        if seq < self._embedded:
            self._importance[seq] = record.importance

    def unembedded(self) -> list[MemoryRecord]:
        """Records still waiting for their vectors, oldest first."""
        return self.records[self._embedded :]

    def attach(self, vectors: Sequence[np.ndarray], model: str) -> None:
        """Give the waiting records their vectors (from `model`), in order."""
        waiting = self.unembedded()
        if len(vectors) != len(waiting):
            raise ValueError(f"{len(vectors)} vectors for {len(waiting)} records")
        for record, vector in zip(waiting, vectors, strict=True):
            record.embedding = _unit(vector)
            record.embedding_model = model
        self._index(waiting)

    def use_local(self, reason: str) -> None:
        """Switch to the local embedding for good, re-embedding every record with it."""
        self.model, self.fallback = LOCAL_MODEL, reason
        for record in self.records[: self._embedded]:
            record.embedding = embed_local(record.text)
            record.embedding_model = LOCAL_MODEL
        done = self.records[: self._embedded]
        self._embedded = 0
        self._vectors = np.zeros((0, 0), dtype=np.float32)
        self.index.clear()
        self._index(done)

    def _index(self, records: Sequence[MemoryRecord]) -> None:
        if not records:
            return
        start, end = self._embedded, self._embedded + len(records)
        dimension = len(records[0].embedding)  # type: ignore[arg-type]
        if self._vectors.shape[1] != dimension:
            if start:
                raise ValueError(f"{self.agent}: vectors of {dimension} values after others")
            self._vectors = np.zeros((0, dimension), dtype=np.float32)
        if end > len(self._vectors):
            size = max(64, end, 2 * len(self._vectors))
            self._vectors = _grown(self._vectors, size)
            self._ticks = _grown(self._ticks, size)
            self._importance = _grown(self._importance, size)
        for offset, record in enumerate(records):
            vector = record.embedding
            if vector is None or len(vector) != dimension:
                raise ValueError(f"{self.agent}: record {record.seq} has no usable vector")
            self._vectors[start + offset] = vector
        self._ticks[start:end] = [r.tick for r in records]
        self._importance[start:end] = [r.importance for r in records]
        self._embedded = end
        self.index.add(start, self._vectors[start:end], self._ticks[start:end])

    def drain(self) -> list[MemoryRecord]:
        """Records added (and embedded) since the last drain: what the tick persists."""
        new = self.records[self.emitted : self._embedded]
        self.emitted = self._embedded
        return new

    # -- reading --
    def query(self, seqs: Iterable[int]) -> np.ndarray | None:
        """The situation vector: the normalised sum of these records' vectors (None if none)."""
        vectors = [self.records[s].embedding for s in seqs if s < self._embedded]
        present = [v for v in vectors if v is not None]
        if not present:
            return None
        return _unit(np.sum(present, axis=0))

    def retrieve(
        self, now: int, query: np.ndarray | None, exclude: Iterable[int] = ()
    ) -> list[Recalled]:
        """The top `retrieve_k` records from before tick `now` within `token_budget`.

        Order: score descending, then the newer record first. Records in `exclude` (the
        recent window already in the prompt) are left out.
        """
        count, k = self._embedded, self.config.retrieve_k
        if count == 0 or k <= 0:
            return []
        ticks = self._ticks[:count]
        decay = self.config.recency_decay
        recency = np.exp((now - ticks) * math.log(decay)) if decay < 1 else np.ones(count)
        importance = self._importance[:count]
        excluded = [s for s in exclude if s < count]
        if query is not None and len(query) != self._vectors.shape[1]:
            query = None  # a situation embedded by another model: no relevance
        found = None if query is None else self.index.nearest(query, k * SHORTLIST, now, excluded)
        if query is None:
            relevance = np.zeros(count)
            scores = np.round(recency + importance, 6)
        elif found is None:
            # einsum, not BLAS: one thread, the same sums on every machine (and far less CPU
            # than a multi-threaded BLAS spinning up for a small matrix-vector product)
            similarity = np.einsum("ij,j->i", self._vectors[:count], query)
            relevance = np.maximum(similarity, 0.0).astype(np.float64)
            scores = np.round(recency + importance + RELEVANCE_WEIGHT * relevance, 6)
        else:
            scores, relevance = self._score_candidates(
                now, query, recency + importance, excluded, found
            )
        scores[ticks >= now] = -np.inf
        scores[excluded] = -np.inf
        picked = _top(scores, k * SHORTLIST)
        recalled: list[Recalled] = []
        budget = self.config.token_budget
        for index in picked:
            if len(recalled) == k or not np.isfinite(scores[index]):
                break
            record = self.records[index]
            cost = estimate_tokens(record.line())
            if cost > budget:
                continue
            budget -= cost
            recalled.append(
                Recalled(
                    record,
                    score=round(float(scores[index]), 4),
                    recency=round(float(recency[index]), 4),
                    importance=round(float(importance[index]), 4),
                    relevance=round(float(relevance[index]), 4),
                )
            )
        return recalled

    def _score_candidates(
        self,
        now: int,
        query: np.ndarray,
        base: np.ndarray,
        excluded: list[int],
        found: tuple[np.ndarray, float],
    ) -> tuple[np.ndarray, np.ndarray]:
        """Scores of the index's candidates (-inf elsewhere), widened until they are exact.

        A record left out is less similar than every candidate, so its score is at most its
        recency + importance + weight x the lowest candidate similarity. The search widens
        until the `k * SHORTLIST`-th best candidate beats every such bound (or holds every
        eligible record): then the top scores, ties included, are those a full scan finds,
        computed with the same sums.
        """
        count, wanted = self._embedded, self.config.retrieve_k * SHORTLIST
        eligible = self._ticks[:count] < now
        eligible[excluded] = False
        limit = wanted
        while True:
            rows, floor = found
            rows = np.asarray(rows, dtype=np.int64)
            similarity = np.einsum("ij,j->i", self._vectors[rows], query)
            relevance = np.zeros(count)
            relevance[rows] = np.maximum(similarity, 0.0).astype(np.float64)
            scores = np.full(count, -np.inf)
            scores[rows] = np.round(base[rows] + RELEVANCE_WEIGHT * relevance[rows], 6)
            rest = eligible.copy()
            rest[rows] = False
            if len(rows) < limit or not rest.any():
                return scores, relevance  # every eligible record is a candidate
            best = np.sort(scores[rows])[::-1]
            bound = base[rest].max() + RELEVANCE_WEIGHT * (max(floor, 0.0) + MARGIN)
            if len(best) >= wanted and best[wanted - 1] > bound:
                return scores, relevance
            limit *= 4
            found = self.index.nearest(query, limit, now, excluded) or (
                np.flatnonzero(eligible),
                -1.0,
            )

    # -- reflecting --
    def reflect(self, now: int) -> MemoryRecord | None:
        """Every `reflection_every` ticks: condense the period's most important records."""
        due = self.reflection_due(now)
        if due is None:
            return None
        start, top = due
        return self.add_reflection(now, top, rule_reflection(start, now, top))

    def reflection_due(self, now: int) -> tuple[int, list[MemoryRecord]] | None:
        """When a reflection is due: where its period began and the records it condenses.

        Marks the reflection as made (a period without records to condense makes none).
        """
        every = self.config.reflection_every
        if every <= 0 or now - self.last_reflection < every:
            return None
        start, self.last_reflection = self.last_reflection, now
        period = []
        for record in reversed(self.records):
            if record.tick <= start:
                break
            if record.kind not in ("reflection", "observation"):
                period.append(record)
        if not period:
            return None
        top = sorted(period, key=lambda r: (-r.importance, -r.seq))[:REFLECTION_SOURCES]
        top.sort(key=lambda r: r.seq)
        return start, top

    def add_reflection(self, now: int, top: Sequence[MemoryRecord], text: str) -> MemoryRecord:
        """The reflection record condensing `top` (its text cut to `MAX_TEXT` characters)."""
        if len(text) > MAX_TEXT:
            text = text[: MAX_TEXT - 1] + "…"
        return self.add(
            now,
            "reflection",
            text,
            max(r.importance for r in top),
            sources=tuple(r.seq for r in top),
        )

    # -- persistence --
    def to_json(self) -> dict[str, Any]:
        """The store's metadata for the run snapshot (its records are persisted apart)."""
        return {
            "model": self.model,
            "fallback": self.fallback,
            "count": self.emitted,
            "last_reflection": self.last_reflection,
            "last_situation": self.last_situation,
        }

    @classmethod
    def load(
        cls,
        agent: str,
        config: MemoryConfig,
        meta: Mapping[str, Any],
        records: Sequence[MemoryRecord],
    ) -> EpisodicStore:
        """The store as `to_json()` described it, from exactly its `count` records."""
        store = cls(agent, config, meta["model"])
        store.fallback = meta.get("fallback", "")
        store.last_reflection = meta["last_reflection"]
        store.last_situation = meta["last_situation"]
        ordered = sorted(records, key=lambda r: r.seq)
        if len(ordered) != meta["count"] or [r.seq for r in ordered] != list(range(len(ordered))):
            raise ValueError(
                f"memory of {agent}: the snapshot holds {meta['count']} records,"
                f" {len(ordered)} were given (seqs must run 0..{meta['count'] - 1})"
            )
        for record in ordered:
            if record.embedding is None or record.embedding_model != store.model:
                if store.model != LOCAL_MODEL:
                    raise ValueError(
                        f"memory of {agent}: record {record.seq} lacks its {store.model} vector"
                    )
                record.embedding = embed_local(record.text)
                record.embedding_model = LOCAL_MODEL
        store.records = list(ordered)
        store._index(store.records)
        store.emitted = store.rated = len(ordered)
        return store


def rule_reflection(start: int, now: int, top: Sequence[MemoryRecord]) -> str:
    """The rule-built reflection on ticks start+1..now: the condensed records' texts joined."""
    return f"Looking back on ticks {start + 1}-{now}: " + "; ".join(r.text for r in top)


def _unit(vector: np.ndarray | Sequence[float]) -> np.ndarray:
    array = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(array))
    return array / norm if norm > 0 else array


def _grown(array: np.ndarray, size: int) -> np.ndarray:
    grown = np.zeros((size, *array.shape[1:]), dtype=array.dtype)
    grown[: len(array)] = array
    return grown


def _top(scores: np.ndarray, m: int) -> list[int]:
    """Indexes of the `m` best scores: score descending, then the higher index first."""
    if m < len(scores):
        candidates = np.argpartition(-scores, m - 1)[:m]
        # ties at the cut: keep every index scoring at least the m-th best
        cut = scores[candidates].min()
        candidates = np.flatnonzero(scores >= cut)
    else:
        candidates = np.arange(len(scores))
    order = np.lexsort((-candidates, -scores[candidates]))
    return [int(i) for i in candidates[order]]
