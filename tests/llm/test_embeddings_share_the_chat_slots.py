"""Embed requests hold the same Ollama slots as chats: never more than P in flight together."""

from __future__ import annotations

import asyncio

from simengine.llm import EmbeddingRouter, LLMClient
from tests.fakes import FakeOllama

from .helpers import settings_for

MODELS = ("llama3.2:latest", "nomic-embed-text:latest")
SCHEMA = {"type": "object", "properties": {"thought": {"type": "string"}}}


def test_chats_and_embeds_together_never_exceed_the_slots():
    with FakeOllama(slots=4, latency=0.05, models=MODELS) as server:
        settings = settings_for(server, ollama_parallel=1)
        client = LLMClient(settings)
        router = EmbeddingRouter(settings)

        async def go() -> tuple[list, list]:
            try:
                chats = [
                    client.generate(
                        "ollama/llama3.2", [{"role": "user", "content": "hi"}], schema=SCHEMA
                    )
                    for _ in range(3)
                ]
                embeds = [router.embed("ollama/nomic-embed-text", [f"text {i}"]) for i in range(3)]
                answers = await asyncio.gather(*chats)
                vectors = await asyncio.gather(*embeds)
                return answers, vectors
            finally:
                await client.aclose()
                await router.aclose()

        answers, vectors = asyncio.run(go())
        stats = server.stats()

    assert len(answers) == 3 and all(a.text for a in answers)
    assert [len(v) for v in vectors] == [1, 1, 1]
    assert len(server.embeds()) == 3
    assert stats.total == 6
    assert stats.max_in_flight == 1  # with 4 server slots, only the limiter can explain this
