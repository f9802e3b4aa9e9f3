"""The LLM layer: a router over the registered providers, and no Django.

Providers: Ollama, Claude, OpenAI-compatible servers, the offline policy, replays.

`build_decision_maker()` is the entry point runs use; `ModelAsker` is the one path for
asking a model for JSON (decider, evaluator, designer); `preflight()` / `model_problem()`
tell callers which models can be served before anything is asked.
"""

from __future__ import annotations

from .asking import ModelAsker, call_record
from .client import LLMClient
from .decider import LLMDecisionMaker
from .embeddings import EmbeddingRouter, OllamaEmbeddings, RecordedEmbeddings
from .errors import (
    LLMError,
    ModelNotFoundError,
    ProviderResponseError,
    ProviderTimeoutError,
    ProviderUnavailableError,
    ReplayMissingError,
    UnknownModelError,
)
from .health import (
    ModelStatus,
    OllamaHealth,
    available_models,
    check_ollama,
    check_ollama_sync,
    model_problem,
    preflight,
)
from .prompts import Prompt, build_prompt
from .providers import PROVIDERS, Provider, Readiness, ServedProvider
from .replay import InMemoryReplaySource, ReplaySource
from .router import PREFIXES, split_model_id
from .settings import LLMSettings
from .types import CallContext, LLMResponse
from .usage import Usage, over_budget, usage_by_agent, usage_by_model, usage_of_record, usage_total


def build_decision_maker(
    settings: LLMSettings | None = None, *, replay_source: ReplaySource | None = None
) -> LLMDecisionMaker:
    """The decision maker for a run: settings from the environment unless given."""
    client = LLMClient(settings or LLMSettings.from_env(), replay_source=replay_source)
    return LLMDecisionMaker(client)


__all__ = [
    "EmbeddingRouter",
    "OllamaEmbeddings",
    "RecordedEmbeddings",
    "PREFIXES",
    "PROVIDERS",
    "CallContext",
    "InMemoryReplaySource",
    "LLMClient",
    "LLMDecisionMaker",
    "LLMError",
    "LLMResponse",
    "LLMSettings",
    "ModelAsker",
    "ModelNotFoundError",
    "ModelStatus",
    "OllamaHealth",
    "Prompt",
    "Provider",
    "ProviderResponseError",
    "ProviderTimeoutError",
    "ProviderUnavailableError",
    "Readiness",
    "ReplayMissingError",
    "ReplaySource",
    "ServedProvider",
    "UnknownModelError",
    "Usage",
    "available_models",
    "build_decision_maker",
    "build_prompt",
    "call_record",
    "check_ollama",
    "check_ollama_sync",
    "model_problem",
    "over_budget",
    "preflight",
    "split_model_id",
    "usage_by_agent",
    "usage_by_model",
    "usage_of_record",
    "usage_total",
]
