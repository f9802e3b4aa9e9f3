"""Fixtures for the LLM layer: the loopback stand-in servers and settings that point at them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simengine.llm import LLMClient, LLMDecisionMaker, LLMSettings
from simengine.llm.providers.openai import forget_modes
from tests.fakes import FakeAnthropic, FakeOllama, FakeOpenAI

from .helpers import ANTHROPIC_KEY, settings_for


@pytest.fixture
def ollama_server() -> Iterator[FakeOllama]:
    """A stand-in Ollama with 8 slots and no latency."""
    with FakeOllama(slots=8) as server:
        yield server


@pytest.fixture
def anthropic_server() -> Iterator[FakeAnthropic]:
    """A stand-in Messages API that requires the test key."""
    with FakeAnthropic(api_key=ANTHROPIC_KEY) as server:
        yield server


@pytest.fixture
def openai_server() -> Iterator[FakeOpenAI]:
    """A stand-in vLLM-like server (json_schema supported), with no structured-output mode known."""
    forget_modes()
    with FakeOpenAI(slots=8) as server:
        yield server
    forget_modes()


@pytest.fixture
def llm_settings(ollama_server: FakeOllama) -> LLMSettings:
    """Settings for the `ollama_server` stand-in."""
    return settings_for(ollama_server)


@pytest.fixture
def decision_maker(llm_settings: LLMSettings) -> LLMDecisionMaker:
    """A decision maker on the stand-in Ollama."""
    return LLMDecisionMaker(LLMClient(llm_settings))
