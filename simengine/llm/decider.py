"""`LLMDecisionMaker`: prompt, call, parse, repair once, else a recorded no-op. Never raises."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from simengine.core.decision import Decision, DecisionOutcome, DecisionRequest, LLMCallRecord

from .client import LLMClient
from .errors import LLMError
from .parsing import InvalidOutput, parse_decision
from .prompts import Prompt, build_prompt, repair_prompt
from .types import CallContext, LLMResponse, Message

log = logging.getLogger(__name__)
EMPTY_ANSWER = "(empty answer)"


@dataclass(frozen=True)
class _Attempt:
    record: LLMCallRecord
    decision: Decision | None = None
    problem: str | None = None  # why the answer is unusable
    provider_failed: bool = False


class LLMDecisionMaker:
    """Implements `DecisionMaker` over an `LLMClient` for any model id the client routes."""

    def __init__(self, client: LLMClient, *, max_tokens: int | None = None) -> None:
        self.client = client
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
        prompt = build_prompt(request)
        first = await self._attempt(request, prompt.system, prompt.messages, "decide")
        if first.decision is not None:
            return DecisionOutcome(first.decision, (first.record,))
        if first.provider_failed:
            return _noop(first.problem or "provider error", first.record)
        second = await self._attempt(
            request, prompt.system, _repair_messages(prompt, first), "repair"
        )
        if second.decision is not None:
            return DecisionOutcome(second.decision, (first.record, second.record))
        reason = f"invalid output after one repair: {second.problem}"
        if second.provider_failed:
            reason = second.problem or "provider error during repair"
        return _noop(reason, first.record, second.record)

    async def _attempt(
        self,
        request: DecisionRequest,
        system: str,
        messages: tuple[Message, ...],
        purpose: str,
    ) -> _Attempt:
        model_id = request.agent.model
        context = CallContext(
            run_id=request.run_id,
            agent_id=request.agent.id,
            tick=request.tick,
            purpose=purpose,
            request=request,
        )
        try:
            response = await self.client.generate(
                model_id,
                messages,
                system=system,
                schema=request.action_schema,
                temperature=request.agent.temperature,
                seed=request.seed,
                max_tokens=self.max_tokens,
                context=context,
            )
        except LLMError as exc:
            record = _record(request, purpose, system, messages, error=exc)
            return _Attempt(record, problem=str(exc), provider_failed=True)
        try:
            data = parse_decision(response.text, request.action_schema)
            decision = Decision.from_json(data)
        except InvalidOutput as exc:
            record = _record(request, purpose, system, messages, response=response)
            return _Attempt(record, problem=str(exc))
        except (KeyError, TypeError, ValueError) as exc:
            problem = f"the JSON cannot be read as a decision: {exc!r}"
            record = _record(request, purpose, system, messages, response=response)
            return _Attempt(record, problem=problem)
        record = _record(request, purpose, system, messages, response=response, parsed=data)
        return _Attempt(record, decision=decision)

    async def aclose(self) -> None:
        """Close the running loop's provider connections (call before the loop ends)."""
        await self.client.aclose()


def _repair_messages(prompt: Prompt, failed: _Attempt) -> tuple[Message, ...]:
    answer = failed.record.response_text.strip() or EMPTY_ANSWER
    return (
        *prompt.messages,
        {"role": "assistant", "content": answer},
        {"role": "user", "content": repair_prompt(failed.problem or "invalid answer")},
    )


def _noop(reason: str, *records: LLMCallRecord) -> DecisionOutcome:
    return DecisionOutcome(Decision.noop(reason), tuple(records), fallback=reason)


def _record(
    request: DecisionRequest,
    purpose: str,
    system: str,
    messages: tuple[Message, ...],
    *,
    response: LLMResponse | None = None,
    parsed: dict[str, Any] | None = None,
    error: LLMError | None = None,
) -> LLMCallRecord:
    """The record of one call: an unusable answer has `parsed=None` but no `error`."""
    model_id = request.agent.model
    return LLMCallRecord(
        provider=response.provider if response else model_id.partition("/")[0],
        model=model_id,
        purpose=purpose,
        system=system,
        messages=tuple(dict(m) for m in messages),
        response_text=response.text if response else "",
        parsed=parsed,
        tokens_in=response.tokens_in if response else 0,
        tokens_out=response.tokens_out if response else 0,
        latency_ms=round(
            response.latency_ms if response else (error.latency_ms if error else 0.0), 3
        ),
        retries=response.retries if response else (error.retries if error else 0),
        error=str(error) if error else None,
        agent_id=request.agent.id,
        tick=request.tick,
    )
