"""Offline decisions: the world kind's own rule-based policy answering like an LLM would.

`offline_decision(request)` is what the LLM router calls for `offline/<policy>` model ids;
`OfflineDecisionMaker` wraps it as a DecisionMaker for runs with no LLM at all. Policies
are declared by each world kind (`WorldKind.policies`) and found through the registry.
"""

from __future__ import annotations

import json
import time
from typing import Any

from simengine.core.decision import (
    Decision,
    DecisionOutcome,
    DecisionRequest,
    LLMCallRecord,
)
from simengine.core.worlds.base import DEFAULT_POLICY
from simengine.core.worlds.registry import find_policy, policy_names

__all__ = [
    "DEFAULT_POLICY",
    "OfflineDecisionMaker",
    "offline_decision",
    "policy_name",
    "policy_names",
]


def policy_name(model: str) -> str:
    """The policy an `offline/<policy>` model id names (others fall back to the default)."""
    provider, _, name = model.partition("/")
    return name if provider == "offline" and name else DEFAULT_POLICY


def offline_decision(request: DecisionRequest) -> dict[str, Any]:
    """The decision JSON of the offline policy for this request; ValueError if none fits."""
    name = policy_name(request.agent.model)
    policy = find_policy(name, request.world_kind)
    if policy is None:
        raise ValueError(f"no offline policy {name!r} for world kind {request.world_kind!r}")
    return policy(request)


class OfflineDecisionMaker:
    """A DecisionMaker that always answers with the offline policy (no model, no tokens)."""

    async def decide(self, request: DecisionRequest) -> DecisionOutcome:
        """The policy's decision, recorded like a model call (errors become a no-op)."""
        started = time.perf_counter()
        error = None
        try:
            parsed = offline_decision(request)
        except Exception as exc:  # a policy bug must not stop the run
            error = f"{type(exc).__name__}: {exc}"
            parsed = Decision.noop(error).to_json()
        model = request.agent.model
        offline = model.startswith("offline/")
        record = LLMCallRecord(
            provider="offline",
            model=model if offline else f"offline/{DEFAULT_POLICY}",
            purpose="decide",
            system="",
            messages=(),
            response_text=json.dumps(parsed, sort_keys=True),
            parsed=parsed,
            tokens_in=0,
            tokens_out=0,
            latency_ms=round((time.perf_counter() - started) * 1000, 3),
            error=error,
            agent_id=request.agent.id,
            tick=request.tick,
        )
        fallback = "error" if error else (None if offline else "offline")
        return DecisionOutcome(Decision.from_json(parsed), calls=(record,), fallback=fallback)
