"""Model ids are `<provider>/<model>`: this module splits and checks them against the registry."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from .errors import UnknownModelError
from .providers import PROVIDERS

PREFIXES = tuple(PROVIDERS)


def split_model_id(model_id: str, known: Iterable[str] | None = None) -> tuple[str, str]:
    """`"ollama/llama3.2"` -> `("ollama", "llama3.2")`; anything else raises `UnknownModelError`."""
    prefixes = tuple(PROVIDERS if known is None else known)
    provider, sep, model = model_id.strip().partition("/")
    if provider not in prefixes:
        hint = difflib.get_close_matches(provider, prefixes, n=1)
        suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
        raise UnknownModelError(
            f"unknown provider '{provider}' in model id '{model_id}'{suggestion}: "
            f"use {', '.join(p + '/<model>' for p in prefixes)}"
        )
    if not sep or not model:
        raise UnknownModelError(f"model id '{model_id}' names no model: write {provider}/<model>")
    return provider, model
