"""The model providers the engine knows by name, registered by the LLM layer.

The core validates model ids (`provider/model`) without importing `simengine.llm`: the LLM
layer's provider registry announces each provider here when it is imported, so the list of
providers is written once, in `simengine/llm/providers/__init__.py`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

DEFAULT_CONTEXT_CHARS = 6_000


@dataclass(frozen=True)
class ProviderTraits:
    """What the engine needs to know about a provider: its prefix and how much text it reads."""

    name: str
    context_chars: int = DEFAULT_CONTEXT_CHARS  # characters of run summary a prompt may hold


_registered: dict[str, ProviderTraits] = {}
_lock = threading.Lock()


def register_provider(traits: ProviderTraits) -> None:
    """Announce a provider prefix (a later registration of the same name replaces it)."""
    with _lock:
        _registered[traits.name] = traits


def known_providers() -> tuple[str, ...]:
    """The registered provider prefixes, in registration order."""
    with _lock:
        return tuple(_registered)


def provider_traits(name: str) -> ProviderTraits | None:
    """The traits of a registered provider, or None."""
    with _lock:
        return _registered.get(name)
