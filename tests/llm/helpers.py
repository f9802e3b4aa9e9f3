"""Small helpers for LLM-layer tests: settings aimed at the stand-ins, sync drivers."""

from __future__ import annotations

import asyncio
from typing import Any

from simengine.core.decision import DecisionOutcome, DecisionRequest
from simengine.llm import LLMClient, LLMDecisionMaker, LLMResponse, LLMSettings
from tests.fakes import FakeAnthropic, FakeOllama, FakeOpenAI

ANTHROPIC_KEY = "sk-ant-test-key"
CLOSED_PORT_URL = "http://127.0.0.1:9"


def settings_for(
    ollama: FakeOllama | None = None, anthropic: FakeAnthropic | None = None, **overrides: Any
) -> LLMSettings:
    """Settings aimed at the stand-ins, with quick backoff so retry tests stay fast."""
    values: dict[str, Any] = {
        "ollama_host": ollama.url if ollama else CLOSED_PORT_URL,
        "ollama_timeout": 5.0,
        "ollama_connect_timeout": 1.0,
        "retry_backoff": 0.01,
        "retry_backoff_max": 0.05,
        "anthropic_api_key": ANTHROPIC_KEY if anthropic else None,
        "anthropic_base_url": anthropic.url if anthropic else None,
    }
    values.update(overrides)
    return LLMSettings(**values)


def openai_settings(*servers: FakeOpenAI | None, **environ: str) -> LLMSettings:
    """Settings for OpenAI-compatible stand-ins: the first is OPENAI_BASE_URL; extra env as given.

    Nothing is read from this process's environment, and backoff is quick.
    """
    env = {"OPENAI_BASE_URL": servers[0].base_url} if servers and servers[0] else {}
    env.update(environ)
    return LLMSettings(
        ollama_host=CLOSED_PORT_URL, retry_backoff=0.01, retry_backoff_max=0.05, environ=env
    )


def decide(maker: LLMDecisionMaker, *requests: DecisionRequest) -> list[DecisionOutcome]:
    """Run `maker.decide` for every request concurrently in a fresh event loop."""

    async def main() -> list[DecisionOutcome]:
        try:
            return list(await asyncio.gather(*(maker.decide(r) for r in requests)))
        finally:
            await maker.aclose()

    return asyncio.run(main())


def generate(client: LLMClient, model_id: str, **kwargs: Any) -> LLMResponse:
    """One `client.generate` call in a fresh event loop (messages default to a greeting)."""
    messages = kwargs.pop("messages", [{"role": "user", "content": "Hello"}])

    async def main() -> LLMResponse:
        try:
            return await client.generate(model_id, messages, **kwargs)
        finally:
            await client.aclose()

    return asyncio.run(main())
