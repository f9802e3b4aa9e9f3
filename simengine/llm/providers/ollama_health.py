"""Ollama's own health probe: is the server up, which version, which models are pulled.

Used by the Ollama provider's preflight and by the console (`check_ollama_sync`).
"""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx

from ..messages import unreachable_message
from ..settings import DEFAULT_OLLAMA_HOST, LLMSettings, normalize_ollama_host


@dataclass(frozen=True)
class OllamaHealth:
    """What an Ollama server said about itself; `error` is one line for people."""

    host: str
    reachable: bool
    version: str | None = None
    models: tuple[str, ...] = ()
    error: str | None = None

    def has_model(self, model: str) -> bool:
        """True when `model` (bare names mean `:latest`) is pulled on the server."""
        return model in self.models or (":" not in model and f"{model}:latest" in self.models)


@cache
def _tls() -> ssl.SSLContext:
    """The TLS settings httpx uses by default, built once per process.

    A new client builds them again by default (reading the CA bundle: about 20 ms of CPU),
    and every evaluation of a completed run probes the server.
    """
    return httpx.create_ssl_context()


def _host(target: str | LLMSettings | None) -> str:
    if isinstance(target, LLMSettings):
        return target.ollama_host
    return normalize_ollama_host(target or os.environ.get("OLLAMA_HOST") or DEFAULT_OLLAMA_HOST)


def _health(host: str, version: httpx.Response, tags: httpx.Response) -> OllamaHealth:
    for response in (version, tags):
        if response.status_code != 200:
            return OllamaHealth(
                host,
                False,
                error=f"Ollama at {host} answered HTTP {response.status_code} "
                f"to {response.request.url.path}: is OLLAMA_HOST an Ollama server?",
            )
    try:
        entries: list[dict[str, Any]] = tags.json().get("models") or []
        names = tuple(str(m.get("model") or m.get("name")) for m in entries)
        return OllamaHealth(host, True, version=version.json().get("version"), models=names)
    except (ValueError, AttributeError):
        return OllamaHealth(
            host, False, error=f"Ollama at {host} answered something that is not JSON"
        )


def _unreachable(host: str, exc: httpx.HTTPError) -> OllamaHealth:
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return OllamaHealth(host, False, error=unreachable_message(host))
    return OllamaHealth(host, False, error=f"{unreachable_message(host)} ({exc!r})")


async def check_ollama(
    target: str | LLMSettings | None = None, *, timeout: float = 3.0
) -> OllamaHealth:
    """Ask `target` (a host, settings, or OLLAMA_HOST) for /api/version and /api/tags."""
    host = _host(target)
    try:
        async with httpx.AsyncClient(base_url=host, timeout=timeout, verify=_tls()) as http:
            return _health(host, await http.get("/api/version"), await http.get("/api/tags"))
    except httpx.HTTPError as exc:
        return _unreachable(host, exc)


def check_ollama_sync(
    target: str | LLMSettings | None = None, *, timeout: float = 3.0
) -> OllamaHealth:
    """`check_ollama` for synchronous callers (management commands, views)."""
    host = _host(target)
    try:
        with httpx.Client(base_url=host, timeout=timeout, verify=_tls()) as http:
            return _health(host, http.get("/api/version"), http.get("/api/tags"))
    except httpx.HTTPError as exc:
        return _unreachable(host, exc)
