import asyncio
import json
import time

import httpx
from jsonschema import validate

from tests.fakes import FakeOllama, Reply, example_for_schema

from .factories import flood_schema


def chat_body(**extra) -> dict:
    return {"model": "llama3.2", "messages": [{"role": "user", "content": "Hi"}], **extra}


def test_requests_beyond_the_slots_wait_their_turn():
    with FakeOllama(slots=2, latency=0.1) as server:

        async def flood() -> float:
            async with httpx.AsyncClient(base_url=server.url) as http:
                started = time.monotonic()
                body = chat_body(stream=False)
                await asyncio.gather(*(http.post("/api/chat", json=body) for _ in range(6)))
                return time.monotonic() - started

        elapsed = asyncio.run(flood())

        stats = server.stats()
        assert (stats.total, stats.max_active, stats.max_queued, stats.max_in_flight) == (
            6,
            2,
            4,
            6,
        )
        assert elapsed >= 0.3
        assert (stats.in_flight, stats.active, stats.queued) == (0, 0, 0)


def test_the_default_answer_is_a_valid_wait_decision_for_the_schema_sent(ollama_server):
    response = httpx.post(
        f"{ollama_server.url}/api/chat", json=chat_body(stream=False, format=flood_schema())
    )

    decision = json.loads(response.json()["message"]["content"])
    validate(decision, flood_schema())
    assert decision["actions"] == [{"type": "wait"}]
    assert decision == example_for_schema(flood_schema())


def test_streaming_chat_answers_ndjson_ending_with_done(ollama_server):
    response = httpx.post(f"{ollama_server.url}/api/chat", json=chat_body())

    chunks = [json.loads(line) for line in response.text.splitlines()]
    assert [c["done"] for c in chunks] == [False, True]
    assert chunks[-1]["eval_count"] >= 1


def test_an_unknown_model_gets_ollamas_404(ollama_server):
    response = httpx.post(f"{ollama_server.url}/api/chat", json={**chat_body(), "model": "phi9"})

    assert response.status_code == 404
    assert response.json() == {"error": "model 'phi9' not found"}


def test_an_answer_hook_decides_the_content_and_sees_the_request(ollama_server):
    ollama_server.answer = lambda body: {"echo": body["messages"][-1]["content"]}
    ollama_server.script(Reply.text("scripted first"))

    first, second = (
        httpx.post(f"{ollama_server.url}/api/chat", json=chat_body(stream=False)).json()
        for _ in range(2)
    )

    assert first["message"]["content"] == "scripted first"
    assert json.loads(second["message"]["content"]) == {"echo": "Hi"}
