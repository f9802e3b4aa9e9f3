"""Embeddings: one small port, and the deterministic local embedding every run can use.

The local embedding hashes a text's words and word pairs (lower-cased, stop words and
numbers left out, a plural "s" stripped) into a fixed number of signed buckets and
normalises the vector. It needs no model, costs microseconds, and gives the same bytes on
every machine, so offline runs stay byte-identical per seed. It measures shared
vocabulary, not meaning; a model server (`ollama/nomic-embed-text`) measures meaning.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol

import numpy as np

from simengine.core.memory.config import LOCAL_MODEL

DIMENSION = 256
BIGRAM_WEIGHT = 0.5
_WORD = re.compile(r"[a-z]+")
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "from",
        "with",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "you",
        "your",
        "i",
        "we",
        "our",
        "they",
        "their",
        "he",
        "she",
        "his",
        "her",
        "them",
        "there",
        "here",
        "as",
        "into",
        "than",
        "then",
        "so",
        "not",
        "no",
    ]
)


class EmbeddingUnavailable(Exception):
    """The embedding model cannot be served now (server down, model not pulled...)."""


class Embeddings(Protocol):
    """Turns texts into unit vectors with a named model; raises EmbeddingUnavailable."""

    async def embed(self, model: str, texts: Sequence[str]) -> list[np.ndarray]:
        """One float32 unit vector per text, in order."""
        ...


def _words(text: str) -> list[str]:
    words = []
    for word in _WORD.findall(text.lower()):
        if word in STOP_WORDS or len(word) < 2:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.append(word)
    return words


@lru_cache(maxsize=8192)
def _embed_cached(text: str) -> np.ndarray:
    vector = np.zeros(DIMENSION, dtype=np.float32)
    words = _words(text)
    features = [(w, 1.0) for w in words]
    features += [(f"{a} {b}", BIGRAM_WEIGHT) for a, b in zip(words, words[1:], strict=False)]
    for feature, weight in features:
        code = zlib.crc32(feature.encode())
        sign = 1.0 if code & 0x80000000 else -1.0
        vector[code % DIMENSION] += sign * weight
    norm = float(np.linalg.norm(vector))
    if norm > 0:
        vector /= norm
    vector.setflags(write=False)
    return vector


def embed_local(text: str) -> np.ndarray:
    """The local embedding of `text`: a read-only float32 unit vector (zero for no words)."""
    return _embed_cached(text)


class LocalEmbeddings:
    """The `Embeddings` port with only the local model; any other model is unavailable."""

    async def embed(self, model: str, texts: Sequence[str]) -> list[np.ndarray]:
        """Local vectors for `texts`; EmbeddingUnavailable for any model but "local"."""
        if model != LOCAL_MODEL:
            raise EmbeddingUnavailable(f"no embedding server is configured for '{model}'")
        return [embed_local(text) for text in texts]
