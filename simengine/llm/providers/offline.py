"""`offline/<policy>`: the engine's rule-based policy, answered through the same path as a model."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from simengine.core.decision import DecisionRequest
from simengine.core.offline import offline_decision
from simengine.core.offline import policy_names as core_policy_names

from ..errors import LLMError
from ..replay import ReplaySource
from ..settings import LLMSettings
from ..types import LLMCall, ProviderAnswer
from .base import Memo, Provider, Readiness

PolicyFn = Callable[[DecisionRequest], dict[str, Any]]
OFFLINE_MODELS = ("offline/heuristic",)  # the default policy, always offered


def load_policy() -> PolicyFn:
    """The core's offline decision function (every world kind's default policy)."""
    return offline_decision


def policy_names() -> tuple[str, ...]:
    """The names `offline/<name>` can take (the core's registered policies)."""
    return tuple(core_policy_names())


def offline_models() -> list[str]:
    """`offline/<policy>` for every policy the core registers (the default first)."""
    names = policy_names()
    return list(dict.fromkeys([*OFFLINE_MODELS, *(f"offline/{n}" for n in names)]))


class OfflineProvider(Provider):
    """Asks the offline policy for the decision JSON; no tokens, no network."""

    runs_locally = True  # nothing is billed

    name = "offline"
    context_chars = 24_000

    def __init__(
        self,
        settings: LLMSettings | None = None,
        replay: ReplaySource | None = None,
        *,
        policy: PolicyFn | None = None,
    ) -> None:
        super().__init__(settings or LLMSettings(), replay)
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

    @classmethod
    def preflight(cls, model: str, settings: LLMSettings, memo: Memo) -> Readiness:
        """Ready when the core has a policy of that name."""
        try:
            load_policy()
        except LLMError as exc:
            return Readiness(False, str(exc))
        if f"offline/{model}" not in offline_models():
            known = ", ".join(offline_models())
            return Readiness(False, f"no offline policy '{model}': use one of {known}")
        return Readiness(True, "the rule-based offline policy (no model)")

    @classmethod
    def offered_models(cls, settings: LLMSettings, memo: Memo) -> Iterable[str]:
        """Every registered policy (always available)."""
        return offline_models()
