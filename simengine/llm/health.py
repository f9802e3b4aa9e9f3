"""Can a model be served? Ollama's health (version, pulled models) and a per-model preflight."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from .errors import LLMError, UnknownModelError
from .messages import (
    ANTHROPIC_DEFAULT_BASE_URL,
    MISSING_ANTHROPIC_KEY,
    not_pulled_message,
    unreachable_message,
)
from .providers.offline import load_policy, policy_names
from .router import split_model_id
from .settings import DEFAULT_OLLAMA_HOST, LLMSettings, normalize_ollama_host

OFFLINE_MODELS = ("offline/heuristic",)  # the default policy, always offered


def offline_models() -> list[str]:
    """`offline/<policy>` for every policy the core registers (the default first)."""
    try:
        names = policy_names()
    except ImportError:
        return list(OFFLINE_MODELS)
    return list(dict.fromkeys([*OFFLINE_MODELS, *(f"offline/{n}" for n in names)]))


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
        async with httpx.AsyncClient(base_url=host, timeout=timeout) as http:
            return _health(host, await http.get("/api/version"), await http.get("/api/tags"))
    except httpx.HTTPError as exc:
        return _unreachable(host, exc)


def check_ollama_sync(
    target: str | LLMSettings | None = None, *, timeout: float = 3.0
) -> OllamaHealth:
    """`check_ollama` for synchronous callers (management commands, views)."""
    host = _host(target)
    try:
        with httpx.Client(base_url=host, timeout=timeout) as http:
            return _health(host, http.get("/api/version"), http.get("/api/tags"))
    except httpx.HTTPError as exc:
        return _unreachable(host, exc)


def available_models(
    settings: LLMSettings | None = None, *, health: OllamaHealth | None = None
) -> list[str]:
    """Model ids the console can offer now: pulled Ollama models, Claude if keyed, offline.

    Pass the `health` a caller already has to skip asking Ollama again.
    """
    settings = settings or LLMSettings.from_env()
    health = health or check_ollama_sync(settings)
    found = [f"ollama/{name.removesuffix(':latest')}" for name in health.models]
    if settings.anthropic_api_key:
        found += [f"anthropic/{name}" for name in settings.anthropic_models]
    return found + offline_models()


@dataclass(frozen=True)
class ModelStatus:
    """Whether one model id can be served now, with one line saying why (not)."""

    model_id: str
    provider: str
    ok: bool
    message: str


def _status(model_id: str, settings: LLMSettings, health: dict[str, OllamaHealth]) -> ModelStatus:
    try:
        provider, model = split_model_id(model_id)
    except UnknownModelError as exc:
        return ModelStatus(model_id, model_id.partition("/")[0], False, str(exc))
    if provider == "ollama":
        host = settings.ollama_host
        if host not in health:
            health[host] = check_ollama_sync(host)
        state = health[host]
        if not state.reachable:
            return ModelStatus(model_id, provider, False, state.error or unreachable_message(host))
        if not state.has_model(model):
            return ModelStatus(model_id, provider, False, not_pulled_message(host, model))
        return ModelStatus(model_id, provider, True, f"ready on Ollama {state.version} at {host}")
    if provider == "anthropic":
        if not settings.anthropic_api_key:
            return ModelStatus(model_id, provider, False, MISSING_ANTHROPIC_KEY)
        base = settings.anthropic_base_url or ANTHROPIC_DEFAULT_BASE_URL
        return ModelStatus(
            model_id, provider, True, f"ANTHROPIC_API_KEY is set; calls go to {base}"
        )
    if provider == "offline":
        try:
            load_policy()
        except LLMError as exc:
            return ModelStatus(model_id, provider, False, str(exc))
        if model_id not in offline_models():
            known = ", ".join(offline_models())
            return ModelStatus(
                model_id, provider, False, f"no offline policy '{model}': use one of {known}"
            )
        return ModelStatus(model_id, provider, True, "the rule-based offline policy (no model)")
    return ModelStatus(model_id, provider, True, f"replays the responses recorded in run {model}")


def preflight(model_ids: Iterable[str], settings: LLMSettings | None = None) -> list[ModelStatus]:
    """One status per distinct model id, in order; callers decide whether to fail or fall back."""
    settings = settings or LLMSettings.from_env()
    health: dict[str, OllamaHealth] = {}
    return [_status(model_id, settings, health) for model_id in dict.fromkeys(model_ids)]
