"""The provider contract: turn one normalised call into text plus usage."""

from __future__ import annotations

from typing import Protocol

from ..types import LLMCall, ProviderAnswer


class Provider(Protocol):
    """One model backend behind a model-id prefix (`ollama/`, `anthropic/`, ...)."""

    name: str

    async def generate(self, call: LLMCall) -> ProviderAnswer:
        """Answer the call or raise an `LLMError` whose message says what to do."""
        ...

    async def aclose(self) -> None:
        """Release this event loop's connections."""
        ...
