"""Loopback stand-ins for the LLM servers (Ollama, Anthropic), shared by tests and bench/."""

from .anthropic_server import FakeAnthropic, running_anthropic
from .http import LoopbackServer, Reply, Request, Stats
from .ollama_server import FakeOllama, running_ollama
from .schema_example import example_for_schema

__all__ = [
    "FakeAnthropic",
    "FakeOllama",
    "LoopbackServer",
    "Reply",
    "Request",
    "Stats",
    "example_for_schema",
    "running_anthropic",
    "running_ollama",
]
