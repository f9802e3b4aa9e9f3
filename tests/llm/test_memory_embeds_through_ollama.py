"""Long-term memory embeds through Ollama's /api/embed (the loopback stand-in) when asked."""

from __future__ import annotations

import asyncio

import numpy as np

from simengine.core.memory import LOCAL_MODEL
from simengine.core.simulation import Simulation
from simengine.llm import EmbeddingRouter, LLMClient, LLMDecisionMaker, RecordedEmbeddings
from tests.core.helpers import small_flood, spec_of
from tests.fakes import FakeOllama
from tests.fakes.ollama_server import EMBEDDING_DIMENSION, fake_embedding

from .helpers import settings_for

EMBED_MODELS = ("llama3.2:latest", "nomic-embed-text:latest")


def _flood_with_memory(model: str = "ollama/nomic-embed-text") -> Simulation:
    data = small_flood(**{"termination": {"max_ticks": 6}})
    data["memory"] = {"embedding_model": model, "reflection_every": 3}
    for template in data["agent_templates"][1:]:
        template["model"] = "ollama/llama3.2"
    return Simulation.create(spec_of(data), seed=3, run_id="emb")


def _run(simulation: Simulation, server: FakeOllama, ticks: int) -> list:
    settings = settings_for(server)
    maker = LLMDecisionMaker(LLMClient(settings))
    router = EmbeddingRouter(settings)

    async def go() -> list:
        results = []
        try:
            for _ in range(ticks):
                results.append(await simulation.step(maker, embeddings=router))
        finally:
            await maker.aclose()
            await router.aclose()
        return results

    return asyncio.run(go())


def test_every_memory_gets_the_servers_vector_with_one_embed_call_per_batch():
    simulation = _flood_with_memory()
    with FakeOllama(slots=4, models=EMBED_MODELS) as server:
        results = _run(simulation, server, 3)
        embeds = server.embeds()

    records = [r for result in results for r in result.memories]
    assert records and {r.embedding_model for r in records} == {"ollama/nomic-embed-text"}
    for record in records:
        assert record.embedding is not None and record.embedding.shape == (EMBEDDING_DIMENSION,)
        expected = np.asarray(fake_embedding(record.text), dtype=np.float32)
        assert np.allclose(record.embedding, expected / np.linalg.norm(expected), atol=1e-6)
    assert {body["model"] for body in embeds} == {"nomic-embed-text"}
    assert len(embeds) <= 2 * 3  # before the decisions and at the end of each tick, at most
    sent = [text for body in embeds for text in body["input"]]
    assert sorted(sent) == sorted(r.text for r in records)
    store = simulation.states["Crew 1"].memory.store
    assert store is not None and store.model == "ollama/nomic-embed-text" and not store.fallback


def test_a_model_that_is_not_pulled_falls_back_to_the_local_embedding_and_says_why():
    simulation = _flood_with_memory()
    with FakeOllama(slots=4, models=("llama3.2:latest",)) as server:
        [first, *_] = _run(simulation, server, 2)

    fallbacks = [e for e in first.events if e["type"] == "MemoryFallback"]
    assert [e["agent"] for e in fallbacks] == ["Crew 1", "Crew 2", "Medic", "Chief"]
    assert fallbacks[0]["data"] == {
        "requested": "ollama/nomic-embed-text",
        "model": LOCAL_MODEL,
        "reason": f"Ollama at {server.url} does not have model 'nomic-embed-text': "
        "run `ollama pull nomic-embed-text`",
    }
    store = simulation.states["Crew 1"].memory.store
    assert store is not None and store.model == LOCAL_MODEL
    assert {r.embedding_model for r in store.records} == {LOCAL_MODEL}


def test_recalled_memories_reach_the_ollama_prompt_as_quoted_data():
    simulation = _flood_with_memory()
    with FakeOllama(slots=4, models=EMBED_MODELS) as server:
        results = _run(simulation, server, 6)
        chats = server.chats()

    recalled = [e for r in results for e in r.events if e["type"] == "MemoriesRecalled"]
    assert recalled, "later ticks retrieve earlier memories"
    prompts = [m["content"] for body in chats for m in body["messages"] if m["role"] == "user"]
    with_recall = [p for p in prompts if "<<<RECALLED" in p]
    assert with_recall
    block = with_recall[-1].split("<<<RECALLED\n", 1)[1].split("\nRECALLED>>>", 1)[0]
    assert block.startswith('[\n"t') and block.endswith('"\n]')


def test_a_replay_reuses_recorded_vectors_and_asks_the_server_only_for_new_texts():
    recorded = {"the levee broke": np.full(EMBEDDING_DIMENSION, 0.5, dtype=np.float32)}
    asked: list[tuple[str, tuple[str, ...]]] = []

    def lookup(model: str, texts) -> dict:
        asked.append((model, tuple(texts)))
        return {t: recorded[t] for t in texts if t in recorded}

    with FakeOllama(slots=2, models=EMBED_MODELS) as server:
        router = EmbeddingRouter(settings_for(server))
        replay = RecordedEmbeddings(lookup, fallback=router)

        async def go() -> list:
            try:
                return await replay.embed(
                    "ollama/nomic-embed-text", ["the levee broke", "boats at the docks"]
                )
            finally:
                await replay.aclose()

        vectors = asyncio.run(go())
        embeds = server.embeds()

    assert asked == [("ollama/nomic-embed-text", ("the levee broke", "boats at the docks"))]
    assert np.array_equal(vectors[0], recorded["the levee broke"])
    assert [body["input"] for body in embeds] == [["boats at the docks"]]
    assert np.allclose(vectors[1], fake_embedding("boats at the docks"), atol=1e-6)
