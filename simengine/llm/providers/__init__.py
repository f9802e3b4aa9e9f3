"""The provider registry: one entry per model-id prefix (Claude's SDK loads on first use)."""

from __future__ import annotations

from collections.abc import Callable

from ..replay import ReplaySource
from ..settings import LLMSettings
from .base import Provider
from .offline import OfflineProvider
from .ollama import OllamaProvider
from .replay import ReplayProvider

ProviderFactory = Callable[[LLMSettings, ReplaySource | None], Provider]


def _anthropic(settings: LLMSettings, replay: ReplaySource | None) -> Provider:
    from .anthropic import AnthropicProvider  # the SDK takes seconds to import

    return AnthropicProvider(settings)


PROVIDERS: dict[str, ProviderFactory] = {
    "ollama": lambda settings, replay: OllamaProvider(settings),
    "anthropic": _anthropic,
    "offline": lambda settings, replay: OfflineProvider(),
    "replay": lambda settings, replay: ReplayProvider(replay),
}

__all__ = [
    "PROVIDERS",
    "OfflineProvider",
    "OllamaProvider",
    "Provider",
    "ProviderFactory",
    "ReplayProvider",
]
