"""Offline brains: deterministic, seeded, rule-based policies answering like an LLM would.

`offline_decision(request)` is what the LLM router calls for `offline/<policy>` model ids;
`OfflineDecisionMaker` wraps it as a DecisionMaker for runs with no LLM at all.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from simengine.core.decision import (
    Decision,
    DecisionOutcome,
    DecisionRequest,
    LLMCallRecord,
)
from simengine.core.policies.dialogue import dialogue_heuristic
from simengine.core.policies.flood import flood_heuristic

Policy = Callable[[DecisionRequest], dict[str, Any]]

POLICIES: dict[tuple[str, str], Policy] = {
    ("heuristic", "flood"): flood_heuristic,
    ("heuristic", "dialogue"): dialogue_heuristic,
}
DEFAULT_POLICY = "heuristic"


def register_policy(name: str, world_kind: str) -> Callable[[Policy], Policy]:
    """Decorator: make `offline/<name>` answer for agents in `world_kind` worlds."""

    def decorate(policy: Policy) -> Policy:
        POLICIES[(name, world_kind)] = policy
        return policy

    return decorate


def policy_names() -> list[str]:
    """Every name `offline/<name>` may use, sorted."""
    return sorted({name for name, _kind in POLICIES})


def policy_name(model: str) -> str:
    """The policy an `offline/<policy>` model id names (others fall back to the default)."""
    provider, _, name = model.partition("/")
    return name if provider == "offline" and name else DEFAULT_POLICY


def offline_decision(request: DecisionRequest) -> dict[str, Any]:
    """The decision JSON of the offline policy for this request; ValueError if none fits."""
    name = policy_name(request.agent.model)
    policy = POLICIES.get((name, request.world_kind))
    if policy is None:
        raise ValueError(f"no offline policy {name!r} for world kind {request.world_kind!r}")
    return policy(request)


class OfflineDecisionMaker:
    """A DecisionMaker that always answers with the offline policy (no model, no tokens)."""

    async def decide(self, request: DecisionRequest) -> DecisionOutcome:
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
