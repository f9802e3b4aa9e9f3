"""Model ids are `<provider>/<model>`: this module splits and checks them."""

from __future__ import annotations

import difflib

from .errors import UnknownModelError

PREFIXES = ("ollama", "anthropic", "offline", "replay")


def split_model_id(model_id: str, known: tuple[str, ...] = PREFIXES) -> tuple[str, str]:
    """`"ollama/llama3.2"` -> `("ollama", "llama3.2")`; anything else raises `UnknownModelError`."""
    provider, sep, model = model_id.strip().partition("/")
    if provider not in known:
        hint = difflib.get_close_matches(provider, known, n=1)
        suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
        raise UnknownModelError(
            f"unknown provider '{provider}' in model id '{model_id}'{suggestion}: "
            f"use {', '.join(p + '/<model>' for p in known)}"
        )
    if not sep or not model:
        raise UnknownModelError(f"model id '{model_id}' names no model: write {provider}/<model>")
    return provider, model
