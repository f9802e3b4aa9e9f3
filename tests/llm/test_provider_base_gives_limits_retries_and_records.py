"""A provider written only as request/send/translate functions gets the rest from its base.

`ServedProvider` gives it the slot limiter, retries, the call's meter and closing, and the
shared ask path records its calls like any other provider's.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from simengine.core.asking import JsonRequest
from simengine.llm import LLMClient, ModelAsker, ProviderResponseError, ServedProvider
from simengine.llm.types import LLMCall, ProviderAnswer
from tests.fakes import FakeOllama, Reply

from .helpers import settings_for

SCHEMA = {"type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"}}}


class PlainChat(ServedProvider[httpx.AsyncClient, dict[str, Any]]):
    """A made-up provider: Ollama's /api/chat spoken with plain httpx, two slots."""

    name = "plain"
    clients: list[httpx.AsyncClient] = []

    def slot_name(self) -> str:
        return f"plain:{self.settings.ollama_host}"

    def slot_count(self) -> int:
        return 2

    def retries(self) -> int:
        return 2

    def is_retryable(self, exc: BaseException) -> bool:
        return isinstance(exc, httpx.HTTPStatusError) and exc.response.status_code >= 500

    def make_client(self) -> httpx.AsyncClient:
        client = httpx.AsyncClient(base_url=self.settings.ollama_host, timeout=5.0)
        self.clients.append(client)
        return client

    def build_request(self, call: LLMCall) -> dict[str, Any]:
        messages = [{"role": "system", "content": call.system or ""}, *call.messages]
        return {"model": call.model, "messages": messages, "format": call.schema, "stream": False}

    async def send(self, client: httpx.AsyncClient, request: dict[str, Any]) -> dict[str, Any]:
        response = await client.post("/api/chat", json=request)
        response.raise_for_status()
        return response.json()

    def translate_response(self, response: dict[str, Any]) -> ProviderAnswer:
        return ProviderAnswer(
            text=response["message"]["content"],
            tokens_in=response["prompt_eval_count"],
            tokens_out=response["eval_count"],
        )

    def translate_error(self, exc: Exception, call: LLMCall) -> ProviderResponseError:
        status = exc.response.status_code if isinstance(exc, httpx.HTTPStatusError) else None
        return ProviderResponseError(
            f"plain answered HTTP {status} after {call.meter.retries} retries", status_code=status
        )


def request(n: int = 0) -> JsonRequest:
    messages = ({"role": "user", "content": f"Question {n}"},)
    return JsonRequest("plain/llama3.2", "Answer in JSON.", messages, SCHEMA, purpose="evaluate")


def ask_all(server: FakeOllama, *requests: JsonRequest) -> list[Any]:
    client = LLMClient(settings_for(server), providers={"plain": PlainChat})

    async def main() -> list[Any]:
        async with ModelAsker(client) as asker:
            return list(await asyncio.gather(*(asker.ask(r) for r in requests)))

    return asyncio.run(main())


def test_the_base_holds_the_provider_to_its_slots():
    with FakeOllama(slots=16, latency=0.05) as server:
        server.answer = lambda body: {"ok": True}

        outcomes = ask_all(server, *(request(n) for n in range(8)))

        assert [o.value for o in outcomes] == [{"ok": True}] * 8
        assert server.stats().total == 8
        assert server.stats().max_in_flight == 2


def test_the_base_retries_and_the_shared_path_records_the_call():
    with FakeOllama() as server:
        server.answer = lambda body: {"ok": True}
        server.script(Reply.error(503), Reply.error(500))

        [outcome] = ask_all(server, request())

        [record] = outcome.records
        assert outcome.value == {"ok": True}
        assert (record.provider, record.model, record.purpose) == (
            "plain",
            "plain/llama3.2",
            "evaluate",
        )
        assert (record.retries, record.error, record.parsed) == (2, None, {"ok": True})
        assert record.tokens_in > 0 and record.tokens_out > 0 and record.latency_ms > 0
        assert record.messages == ({"role": "user", "content": "Question 0"},)
        assert server.stats().total == 3


def test_when_retries_run_out_the_translated_error_is_recorded_without_a_repair():
    with FakeOllama() as server:
        server.script(*[Reply.error(502)] * 3)

        [outcome] = ask_all(server, request())

        [record] = outcome.records
        assert record.error == "plain answered HTTP 502 after 2 retries"
        assert (outcome.provider_failed, outcome.error) == (True, record.error)
        assert server.stats().total == 3


def test_the_base_closes_the_client_it_opened():
    PlainChat.clients.clear()
    with FakeOllama() as server:
        server.answer = lambda body: {"ok": True}

        ask_all(server, request())

        [client] = PlainChat.clients
        assert client.is_closed
