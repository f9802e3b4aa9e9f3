"""`offline/<policy>`: the engine's rule-based policy, answered through the same path as a model."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from typing import Any

from simengine.core.decision import DecisionRequest

from ..errors import LLMError
from ..types import LLMCall, ProviderAnswer

PolicyFn = Callable[[DecisionRequest], dict[str, Any]]


def load_policy() -> PolicyFn:
    """`simengine.core.offline.offline_decision`, imported on first use."""
    try:
        module = importlib.import_module("simengine.core.offline")
        return module.offline_decision
    except (ImportError, AttributeError) as exc:
        raise LLMError(
            f"the offline policy is not available (simengine.core.offline.offline_decision): {exc}"
        ) from exc


def policy_names() -> tuple[str, ...]:
    """The names `offline/<name>` can take (the core's registered policies)."""
    module = importlib.import_module("simengine.core.offline")
    return tuple(module.policy_names())


class OfflineProvider:
    """Asks the offline policy for the decision JSON; no tokens, no network."""

    name = "offline"

    def __init__(self, policy: PolicyFn | None = None) -> None:
        self._policy = policy

    async def generate(self, call: LLMCall) -> ProviderAnswer:
        """The policy's decision for the request in the call's context, as JSON text."""
        request = call.context.request
        if request is None:
            raise LLMError(f"{call.model_id} answers agent decisions only (no decision request)")
        policy = self._policy or load_policy()
        try:
            decision = policy(request)
        except Exception as exc:
            raise LLMError(f"the offline policy failed for {request.agent.id}: {exc!r}") from exc
        return ProviderAnswer(text=json.dumps(decision, ensure_ascii=False))

    async def aclose(self) -> None:
        """Nothing to close."""
