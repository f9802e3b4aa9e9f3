"""Can a model be served? A per-model preflight and the models on offer, asked of each provider.

Nothing here knows a provider by name: each provider class in the registry answers
`preflight` and `offered_models` itself (Ollama's server probe is in
`providers/ollama_health.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .errors import UnknownModelError
from .providers import PROVIDERS
from .providers.base import Memo, ProviderStatus
from .providers.offline import OFFLINE_MODELS, offline_models
from .providers.ollama import health_key
from .providers.ollama_health import OllamaHealth, check_ollama, check_ollama_sync
from .router import split_model_id
from .settings import LLMSettings


def available_models(
    settings: LLMSettings | None = None, *, health: OllamaHealth | None = None
) -> list[str]:
    """Model ids the console can offer now: pulled Ollama models, Claude if keyed, offline.

    Pass the Ollama `health` a caller already has to skip asking the server again.
    """
    settings = settings or LLMSettings.from_env()
    memo: Memo = {}
    if health is not None:
        memo[health_key(settings)] = health
    return [m for provider in PROVIDERS.values() for m in provider.offered_models(settings, memo)]


@dataclass(frozen=True)
class ModelStatus:
    """Whether one model id can be served now, with one line saying why (not)."""

    model_id: str
    provider: str
    ok: bool
    message: str


def _status(model_id: str, settings: LLMSettings, memo: Memo) -> ModelStatus:
    try:
        provider, model = split_model_id(model_id)
    except UnknownModelError as exc:
        return ModelStatus(model_id, model_id.partition("/")[0], False, str(exc))
    readiness = PROVIDERS[provider].preflight(model, settings, memo)
    return ModelStatus(model_id, provider, readiness.ok, readiness.message)


def preflight(model_ids: Iterable[str], settings: LLMSettings | None = None) -> list[ModelStatus]:
    """One status per distinct model id, in order; callers decide whether to fail or fall back."""
    settings = settings or LLMSettings.from_env()
    memo: Memo = {}
    return [_status(model_id, settings, memo) for model_id in dict.fromkeys(model_ids)]


def provider_statuses(settings: LLMSettings | None = None) -> list[ProviderStatus]:
    """Every registered provider's reachability, models and servers (one probe per server)."""
    settings = settings or LLMSettings.from_env()
    memo: Memo = {}
    return [provider.status(settings, memo) for provider in PROVIDERS.values()]


def runs_locally(model_id: str) -> bool:
    """Whether the model's provider bills nothing per token (Ollama, offline, replay)."""
    provider = PROVIDERS.get(model_id.partition("/")[0])
    return provider is not None and provider.runs_locally


def model_problem(model: str, settings: LLMSettings | None = None) -> str | None:
    """Why `model` cannot be asked now (None when it can), without asking it anything."""
    status = preflight([model], settings)[0]
    return None if status.ok else f"{model} is unavailable: {status.message}"


__all__ = [
    "OFFLINE_MODELS",
    "ModelStatus",
    "OllamaHealth",
    "ProviderStatus",
    "available_models",
    "check_ollama",
    "check_ollama_sync",
    "model_problem",
    "offline_models",
    "preflight",
    "provider_statuses",
    "runs_locally",
]
