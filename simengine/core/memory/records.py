"""Memory records and what a retrieval returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

CHARS_PER_TOKEN = 4  # the same rough measure the providers use for their estimates


def estimate_tokens(text: str) -> int:
    """A prompt-size estimate for `text` (characters / 4, at least one token)."""
    return max(1, len(text) // CHARS_PER_TOKEN)


@dataclass(eq=False)
class MemoryRecord:
    """One thing an agent remembers; `seq` numbers an agent's records from 0."""

    agent: str
    seq: int
    tick: int
    kind: str  # observation | message | said | action | refusal | world | command | reflection
    text: str
    importance: float
    # unit vector (float32), set once embedded; left out of repr (hundreds of numbers)
    embedding: np.ndarray | None = field(default=None, repr=False)
    embedding_model: str = ""
    sources: tuple[int, ...] = ()  # for reflections: the seqs it condenses
    details: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        """The record as a prompt line, prefixed with its tick (as the recent window's)."""
        return f"t{self.tick} {self.text}"

    def same_as(self, other: MemoryRecord) -> bool:
        """Equal in every field, the embedding compared value by value."""
        mine, theirs = self.embedding, other.embedding
        same_vector = (mine is None and theirs is None) or (
            mine is not None and theirs is not None and np.array_equal(mine, theirs)
        )
        return same_vector and (
            self.agent,
            self.seq,
            self.tick,
            self.kind,
            self.text,
            self.importance,
            self.embedding_model,
            self.sources,
            self.details,
        ) == (
            other.agent,
            other.seq,
            other.tick,
            other.kind,
            other.text,
            other.importance,
            other.embedding_model,
            other.sources,
            other.details,
        )


@dataclass(frozen=True)
class Recalled:
    """A retrieved record with its score and the score's three parts (rounded to 4 places)."""

    record: MemoryRecord
    score: float
    recency: float
    importance: float
    relevance: float

    def to_json(self) -> dict[str, Any]:
        """What the trace keeps about one retrieval: which record and why."""
        return {
            "seq": self.record.seq,
            "tick": self.record.tick,
            "kind": self.record.kind,
            "score": self.score,
            "recency": self.recency,
            "importance": self.importance,
            "relevance": self.relevance,
        }
