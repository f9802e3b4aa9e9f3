"""`ModelAsker`: the one path from a JSON request to a checked value, for every caller.

Send the messages with the JSON schema, find the JSON object in the answer, validate it,
let the caller's check turn it into a value, repair once with the problem shown, and record
every call (provider, model, prompt, response, tokens, latency, retries, error). The agent
decider, the evaluator, the designer and the sweep proposer all ask through it; it
implements the core's `JsonAsker` port and never raises for a bad or missing answer.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any, TypeVar

from simengine.core.asking import AskOutcome, Check, JsonRequest, Unusable
from simengine.core.decision import LLMCallRecord

from .client import LLMClient
from .errors import LLMError, ProviderTimeoutError
from .parsing import InvalidOutput, extract_json_object, validate_decision
from .replay import ReplaySource
from .settings import LLMSettings
from .types import CallContext, LLMResponse

T = TypeVar("T")
EMPTY_ANSWER = "(empty answer)"


@dataclass(frozen=True)
class Attempt:
    """One call and what came of it: the checked value, or the problem with the answer."""

    record: LLMCallRecord
    value: Any = None
    problem: str | None = None  # None when the answer was usable
    provider_failed: bool = False


def call_record(
    request: JsonRequest,
    response: LLMResponse | None = None,
    *,
    parsed: dict[str, Any] | None = None,
    error: LLMError | None = None,
) -> LLMCallRecord:
    """The record of one call: an unusable answer has `parsed=None` but no `error`."""
    return LLMCallRecord(
        provider=response.provider if response else request.model.partition("/")[0],
        model=request.model,
        purpose=request.purpose,
        system=request.system,
        messages=tuple(dict(m) for m in request.messages),
        response_text=response.text if response else "",
        parsed=parsed,
        tokens_in=response.tokens_in if response else 0,
        tokens_out=response.tokens_out if response else 0,
        latency_ms=round(
            response.latency_ms if response else (error.latency_ms if error else 0.0), 3
        ),
        retries=response.retries if response else (error.retries if error else 0),
        error=str(error) if error else None,
        agent_id=request.agent_id,
        tick=request.tick,
        output_mode=response.output_mode if response else "",
        timed_out=isinstance(error, ProviderTimeoutError),
    )


def _unchecked(data: dict[str, Any]) -> dict[str, Any]:
    return data


class ModelAsker:
    """Implements the core's `JsonAsker` over an `LLMClient` (any model id it routes)."""

    def __init__(self, client: LLMClient) -> None:
        self.client = client

    @classmethod
    def from_env(
        cls, settings: LLMSettings | None = None, *, replay_source: ReplaySource | None = None
    ) -> ModelAsker:
        """An asker over a new client (settings from the environment unless given)."""
        return cls(LLMClient(settings or LLMSettings.from_env(), replay_source=replay_source))

    async def ask(self, request: JsonRequest, check: Check[T] | None = None) -> AskOutcome[T]:
        """Ask, check, repair once with the problem shown, else fail with every call recorded."""
        first = await self.attempt(request, check or _unchecked)
        attempts = [_line(1, first.problem)]
        if first.problem is None:
            return AskOutcome(first.value, (first.record,), attempts=tuple(attempts))
        if first.provider_failed:
            return AskOutcome(
                None, (first.record,), first.problem, tuple(attempts), first.problem, True
            )
        second = await self.attempt(repair_request(request, first), check or _unchecked)
        attempts.append(_line(2, second.problem))
        records = (first.record, second.record)
        if second.problem is None:
            return AskOutcome(second.value, records, attempts=tuple(attempts))
        error = second.problem
        if not second.provider_failed:
            error = f"invalid answer after one repair: {second.problem}"
        return AskOutcome(
            None, records, error, tuple(attempts), second.problem, second.provider_failed
        )

    async def attempt(self, request: JsonRequest, check: Check[Any]) -> Attempt:
        """One call: generate, find the JSON object, validate it, check it."""
        context = CallContext(
            run_id=request.run_id,
            agent_id=request.agent_id,
            tick=request.tick,
            purpose=request.purpose,
            request=request.decision,
        )
        try:
            response = await self.client.generate(
                request.model,
                request.messages,
                system=request.system,
                schema=request.schema,
                temperature=request.temperature,
                seed=request.seed,
                max_tokens=request.max_tokens,
                context=context,
            )
        except LLMError as exc:
            return Attempt(call_record(request, error=exc), problem=str(exc), provider_failed=True)
        try:
            data = extract_json_object(response.text)
            if request.check_schema:
                validate_decision(data, request.schema)
        except InvalidOutput as exc:
            return Attempt(call_record(request, response), problem=str(exc))
        try:
            value = check(data)
            if inspect.isawaitable(value):
                value = await value
        except Unusable as exc:
            return Attempt(call_record(request, response), problem=str(exc))
        return Attempt(call_record(request, response, parsed=data), value=value)

    async def aclose(self) -> None:
        """Close the running loop's provider connections (call before the loop ends)."""
        await self.client.aclose()

    async def __aenter__(self) -> ModelAsker:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


def repair_request(request: JsonRequest, failed: Attempt) -> JsonRequest:
    """The follow-up request: the rejected answer, then why it was rejected."""
    answer = failed.record.response_text.strip() or EMPTY_ANSWER
    prompt: Callable[[str], str] = request.repair_prompt
    return replace(
        request,
        messages=(
            *request.messages,
            {"role": "assistant", "content": answer},
            {"role": "user", "content": prompt(failed.problem or "invalid answer")},
        ),
        purpose=request.repair_purpose or f"{request.purpose}_repair",
    )


def _line(number: int, problem: str | None) -> str:
    kind = "answer" if number == 1 else "repair"
    return f"{kind}: valid" if problem is None else f"{kind}: {problem}"
