"""SIMENGINE_VECTOR_STORE: numpy by default, Qdrant when asked; both recall the same."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from qdrant_client import QdrantClient

from simengine.core.memory import (
    LOCAL_MODEL,
    EpisodicStore,
    MemoryConfig,
    Recalled,
    embed_local,
)
from simengine.core.memory.index import NumpyIndex, new_index, use_vector_index
from simengine.env import EnvError
from simengine.llm.qdrant_index import QdrantIndex, qdrant_indexes
from simengine.llm.vectors import configure_vector_store, vector_indexes_from_env
from tests.foundation.test_settings import run_manage

WORDS = [
    "water",
    "school",
    "roof",
    "boat",
    "rope",
    "mill",
    "attic",
    "bridge",
    "cat",
    "dog",
    "child",
    "rescue",
    "levee",
    "flood",
    "crew",
    "medic",
    "chief",
    "radio",
    "siren",
    "pump",
    "sandbag",
    "shelter",
    "bus",
    "clinic",
]


def filled_store(count: int) -> EpisodicStore:
    """A store of `count` records of random words, three per tick, random importance."""
    rng = random.Random(3)
    store = EpisodicStore("A", MemoryConfig(retrieve_k=5, token_budget=300), LOCAL_MODEL)
    for i in range(count):
        store.add(i // 3, "world", " ".join(rng.choice(WORDS) for _ in range(5)), rng.random())
    store.attach([embed_local(r.text) for r in store.unembedded()], LOCAL_MODEL)
    return store


def ranked(recalled: list[Recalled]) -> list[tuple[int, float, float, float, float]]:
    """What a retrieval decided: each record with its score and the score's parts, in order."""
    return [(r.record.seq, r.score, r.recency, r.importance, r.relevance) for r in recalled]


def test_qdrant_recalls_what_numpy_recalls_in_the_same_order() -> None:
    in_numpy = filled_store(900)
    client = QdrantClient(":memory:")
    use_vector_index(qdrant_indexes(client))
    try:
        in_qdrant = filled_store(900)
    finally:
        use_vector_index(None)
    assert isinstance(in_qdrant.index, QdrantIndex) and isinstance(in_numpy.index, NumpyIndex)
    assert client.count(in_qdrant.index.collection).count == 900
    rng = random.Random(7)
    for now in range(5, 320, 9):
        query = embed_local(" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 6))))
        exclude = set(rng.sample(range(900), 12))
        expected = in_numpy.retrieve(now, query, exclude)
        got = in_qdrant.retrieve(now, query, exclude)
        assert ranked(got) == ranked(expected)
        assert len(expected) == 5 or now < 10
    assert ranked(in_qdrant.retrieve(100, None)) == ranked(in_numpy.retrieve(100, None))


def test_switching_to_the_local_embedding_rebuilds_the_qdrant_collection() -> None:
    client = QdrantClient(":memory:")
    use_vector_index(qdrant_indexes(client))
    try:
        store = EpisodicStore("A", MemoryConfig(), "ollama/nomic-embed-text")
    finally:
        use_vector_index(None)
    store.add(1, "world", "the levee broke", 0.9)
    store.attach([np.ones(8, dtype=np.float32)], "ollama/nomic-embed-text")
    store.use_local("Ollama is down")
    assert isinstance(store.index, QdrantIndex)
    info = client.get_collection(store.index.collection)
    assert info.config.params.vectors.size == len(embed_local("x"))  # type: ignore[union-attr]
    [recalled] = store.retrieve(2, embed_local("levee"))
    assert recalled.record.text == "the levee broke" and recalled.relevance > 0


def test_the_variable_picks_the_backend_and_names_itself_when_wrong() -> None:
    assert vector_indexes_from_env({}) is None
    assert vector_indexes_from_env({"SIMENGINE_VECTOR_STORE": "numpy"}) is None
    factory = vector_indexes_from_env({"SIMENGINE_VECTOR_STORE": "Qdrant"})
    assert factory is not None and isinstance(factory("A"), QdrantIndex)
    with pytest.raises(EnvError, match=r"SIMENGINE_VECTOR_STORE='pgvector' .* numpy or qdrant"):
        vector_indexes_from_env({"SIMENGINE_VECTOR_STORE": "pgvector"})
    configure_vector_store({"SIMENGINE_VECTOR_STORE": "qdrant"})
    try:
        assert isinstance(new_index("A"), QdrantIndex)
    finally:
        configure_vector_store({})
    assert isinstance(new_index("A"), NumpyIndex)


def test_an_embedded_qdrant_on_disk_keeps_the_collection_in_its_folder(tmp_path) -> None:
    factory = vector_indexes_from_env(
        {"SIMENGINE_VECTOR_STORE": "qdrant", "SIMENGINE_QDRANT_PATH": str(tmp_path / "q")}
    )
    assert factory is not None
    index = factory("A")
    index.add(0, np.eye(4, dtype=np.float32), np.array([1.0, 2.0, 3.0, 4.0]))
    found = index.nearest(np.array([0, 0, 1, 0], dtype=np.float32), 2, 4, exclude={0})
    assert found is not None
    rows, floor = found
    assert list(rows) == [2, 1] and floor == pytest.approx(0.0, abs=1e-6)
    assert (tmp_path / "q").is_dir()


def test_a_bad_vector_store_stops_start_up_naming_the_variable() -> None:
    result = run_manage("check", env={"SIMENGINE_VECTOR_STORE": "pgvector"})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "simengine configuration error: SIMENGINE_VECTOR_STORE='pgvector' is not a vector"
        " store: use numpy or qdrant"
    )


def test_stores_in_several_threads_share_one_embedded_client() -> None:
    expected = ranked(filled_store(120).retrieve(40, embed_local("school roof rescue")))
    use_vector_index(qdrant_indexes(QdrantClient(":memory:")))
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(
                pool.map(
                    lambda _: ranked(
                        filled_store(120).retrieve(40, embed_local("school roof rescue"))
                    ),
                    range(8),
                )
            )
    finally:
        use_vector_index(None)
    assert results == [expected] * 8


def test_a_store_restored_into_qdrant_recalls_what_it_recalled_before() -> None:
    original = filled_store(300)
    original.drain()
    query = embed_local("bridge levee crew")
    before = ranked(original.retrieve(90, query, {5, 6}))
    use_vector_index(qdrant_indexes(QdrantClient(":memory:")))
    try:
        restored = EpisodicStore.load("A", original.config, original.to_json(), original.records)
    finally:
        use_vector_index(None)
    assert isinstance(restored.index, QdrantIndex)
    assert ranked(restored.retrieve(90, query, {5, 6})) == before
