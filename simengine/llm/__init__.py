"""The LLM layer: a router over Ollama, Claude, the offline policy and replays. No Django.

`build_decision_maker()` is the one entry point runs use; `preflight()` and
`check_ollama_sync()` tell callers which models can be served before a run starts.
"""

from __future__ import annotations

from .client import LLMClient
from .decider import LLMDecisionMaker
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
    preflight,
)
from .prompts import Prompt, build_prompt
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
    "PREFIXES",
    "CallContext",
    "InMemoryReplaySource",
    "LLMClient",
    "LLMDecisionMaker",
    "LLMError",
    "LLMResponse",
    "LLMSettings",
    "ModelNotFoundError",
    "ModelStatus",
    "OllamaHealth",
    "Prompt",
    "ProviderResponseError",
    "ProviderTimeoutError",
    "ProviderUnavailableError",
    "ReplayMissingError",
    "ReplaySource",
    "UnknownModelError",
    "Usage",
    "available_models",
    "build_decision_maker",
    "build_prompt",
    "check_ollama",
    "check_ollama_sync",
    "over_budget",
    "preflight",
    "split_model_id",
    "usage_by_agent",
    "usage_by_model",
    "usage_of_record",
    "usage_total",
]
