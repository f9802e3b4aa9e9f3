"""The provider registry: one entry per model-id prefix."""

from __future__ import annotations

from collections.abc import Callable

from ..replay import ReplaySource
from ..settings import LLMSettings
from .anthropic import AnthropicProvider
from .base import Provider
from .offline import OfflineProvider
from .ollama import OllamaProvider
from .replay import ReplayProvider

ProviderFactory = Callable[[LLMSettings, ReplaySource | None], Provider]

PROVIDERS: dict[str, ProviderFactory] = {
    "ollama": lambda settings, replay: OllamaProvider(settings),
    "anthropic": lambda settings, replay: AnthropicProvider(settings),
    "offline": lambda settings, replay: OfflineProvider(),
    "replay": lambda settings, replay: ReplayProvider(replay),
}

__all__ = [
    "PROVIDERS",
    "AnthropicProvider",
    "OfflineProvider",
    "OllamaProvider",
    "Provider",
    "ProviderFactory",
    "ReplayProvider",
]
