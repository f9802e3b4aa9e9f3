"""Long-term episodic memory per agent: records, embeddings, scoring, retrieval, reflections.

Every observation, message heard, own action and outcome of an agent becomes a
`MemoryRecord` (text, tick, kind, importance, embedding) in the agent's `EpisodicStore`.
Before each decision the store returns the top `retrieve_k` records by

    score = recency + importance + 2 * relevance
    recency    = recency_decay ** (now - tick)          in (0, 1]   (default decay 0.99)
    importance = rule-based weight of the record        in [0, 1]
    relevance  = max(0, cosine(record, situation))      in [0, 1]

(the records of the current tick and those the prompt's recent window shows are left out;
relevance counts double because the recent window already covers recency) that fit in
`token_budget`; they enter the prompt's changing part as quoted data. Every
`reflection_every` ticks the most important recent records are condensed into a
reflection, itself a record. Embeddings come from an `Embeddings` port: a deterministic
local hashed n-gram embedding by default, or a model server when configured.
"""

from simengine.core.memory.config import LOCAL_MODEL, MemoryConfig, memory_config_for
from simengine.core.memory.embedding import (
    DIMENSION,
    Embeddings,
    EmbeddingUnavailable,
    LocalEmbeddings,
    embed_local,
)
from simengine.core.memory.importance import default_importance
from simengine.core.memory.index import NumpyIndex, VectorIndex, use_vector_index
from simengine.core.memory.records import MemoryRecord, Recalled, estimate_tokens
from simengine.core.memory.store import EpisodicStore

__all__ = [
    "DIMENSION",
    "LOCAL_MODEL",
    "Embeddings",
    "EmbeddingUnavailable",
    "EpisodicStore",
    "LocalEmbeddings",
    "MemoryConfig",
    "MemoryRecord",
    "NumpyIndex",
    "Recalled",
    "VectorIndex",
    "default_importance",
    "embed_local",
    "estimate_tokens",
    "memory_config_for",
    "use_vector_index",
]
