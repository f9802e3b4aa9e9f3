"""The provider registry: the one list of model-id prefixes and the class serving each.

Adding a provider is one module in this package (a `ServedProvider` subclass for a model
server) and one line in `PROVIDERS`. Importing this module announces every prefix to the
core (`simengine.core.providers`), whose scenario validation accepts exactly these.
"""

from __future__ import annotations

from collections.abc import Callable

from simengine.core.providers import ProviderTraits, register_provider

from ..replay import ReplaySource
from ..settings import LLMSettings
from .anthropic import AnthropicProvider
from .base import Provider, Readiness, ServedProvider
from .offline import OfflineProvider
from .ollama import OllamaProvider
from .openai import OpenAIProvider
from .replay import ReplayProvider

ProviderFactory = Callable[[LLMSettings, ReplaySource | None], Provider]

PROVIDERS: dict[str, type[Provider]] = {
    "ollama": OllamaProvider,
    "anthropic": AnthropicProvider,
    "openai": OpenAIProvider,
    "offline": OfflineProvider,
    "replay": ReplayProvider,
}

for _name, _provider in PROVIDERS.items():
    register_provider(ProviderTraits(_name, context_chars=_provider.context_chars))

__all__ = [
    "PROVIDERS",
    "AnthropicProvider",
    "OfflineProvider",
    "OllamaProvider",
    "OpenAIProvider",
    "Provider",
    "ProviderFactory",
    "Readiness",
    "ReplayProvider",
    "ServedProvider",
]
