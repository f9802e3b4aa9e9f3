"""`LLMDecisionMaker`: prompt, then ask through `ModelAsker`; an unusable answer is a no-op.

The call, the parsing, the one repair and the records are the shared ask path's
(`asking.py`); this module only builds the agent's prompt and request and turns the outcome
into a `DecisionOutcome`. It never raises.
"""

from __future__ import annotations

import logging
from typing import Any

from simengine.core.asking import JsonRequest, Unusable
from simengine.core.decision import Decision, DecisionOutcome, DecisionRequest, LLMCallRecord

from .asking import ModelAsker
from .client import LLMClient
from .prompts import build_prompt, repair_prompt

log = logging.getLogger(__name__)


def decision_from_json(data: dict[str, Any]) -> Decision:
    """The schema-valid JSON as a `Decision`, or `Unusable` saying why it cannot be read."""
    try:
        return Decision.from_json(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise Unusable(f"the JSON cannot be read as a decision: {exc!r}") from exc


def decision_request(request: DecisionRequest, max_tokens: int | None = None) -> JsonRequest:
    """The agent's prompt as a JSON request: its model, temperature, seed and action schema."""
    prompt = build_prompt(request)
    return JsonRequest(
        model=request.agent.model,
        system=prompt.system,
        messages=prompt.messages,
        schema=request.action_schema,
        purpose="decide",
        max_tokens=max_tokens,
        temperature=request.agent.temperature,
        seed=request.seed,
        run_id=request.run_id,
        agent_id=request.agent.id,
        tick=request.tick,
        decision=request,
        repair_purpose="repair",
        repair_prompt=repair_prompt,
    )


class LLMDecisionMaker:
    """Implements `DecisionMaker` over an `LLMClient` for any model id the client routes."""

    def __init__(self, client: LLMClient, *, max_tokens: int | None = None) -> None:
        self.client = client
        self.asker = ModelAsker(client)
        self.max_tokens = max_tokens

    async def decide(self, request: DecisionRequest) -> DecisionOutcome:
        """One validated decision plus a record of every call made for it."""
        try:
            return await self._decide(request)
        except Exception as exc:  # a bug must cost one agent one tick, not the run
            log.exception("deciding for %s at tick %s failed", request.agent.id, request.tick)
            reason = f"internal error: {exc!r}"
            return DecisionOutcome(Decision.noop(reason), (), fallback=reason)

    async def _decide(self, request: DecisionRequest) -> DecisionOutcome:
        outcome = await self.asker.ask(
            decision_request(request, self.max_tokens), decision_from_json
        )
        if outcome.value is not None:
            return DecisionOutcome(outcome.value, outcome.records)
        if outcome.provider_failed:
            reason = outcome.problem or "provider error"
        else:
            reason = f"invalid output after one repair: {outcome.problem}"
        return _noop(reason, *outcome.records)

    async def aclose(self) -> None:
        """Close the running loop's provider connections (call before the loop ends)."""
        await self.client.aclose()


def _noop(reason: str, *records: LLMCallRecord) -> DecisionOutcome:
    return DecisionOutcome(Decision.noop(reason), tuple(records), fallback=reason)
