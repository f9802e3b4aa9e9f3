"""Asking a model for one JSON object, repairing once: the loop the evaluator and designer share.

The engine never talks to a model itself: a `JsonAsk` port (built by the service layer over
`simengine.llm.LLMClient`) sends one request and returns the call's record with the JSON
object it found, or the problem with the answer. `ask_with_repair` adds the semantic check
of the caller, one repair turn that shows the model what was wrong, and a clear failure.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, Generic, Protocol, TypeVar

from simengine.core.decision import LLMCallRecord

T = TypeVar("T")
EMPTY_ANSWER = "(empty answer)"
REPAIR_TEXT = (
    "Your previous answer could not be used: {problem}\n\n"
    "Answer again with exactly one JSON object that validates against the JSON schema in "
    "your instructions and fixes every problem listed. No prose, no code fences."
)


@dataclass(frozen=True)
class JsonRequest:
    """One structured request: who to ask, what to send, and what shape must come back."""

    model: str
    system: str
    messages: tuple[dict[str, str], ...]
    schema: dict[str, Any]
    purpose: str  # evaluate | design | sweep (a repair adds "_repair")
    max_tokens: int = 1024
    temperature: float = 0.2
    seed: int | None = 0
    run_id: str | None = None
    check_schema: bool = True  # False when the caller's own check is the judge (and kinder)


@dataclass(frozen=True)
class JsonReply:
    """What the port got: the call's record and the JSON object, or why there is none."""

    record: LLMCallRecord
    data: dict[str, Any] | None = None
    problem: str | None = None
    provider_failed: bool = False


class JsonAsk(Protocol):
    """The port: send one request to a model, never raise for a bad or missing answer."""

    def __call__(self, request: JsonRequest) -> Awaitable[JsonReply]: ...


class Unusable(ValueError):
    """Raised by a check: the JSON is well formed but cannot be used (shown to the model)."""


@dataclass(frozen=True)
class AskOutcome(Generic[T]):
    """The checked value (None on failure), every call made, and the failure in one line."""

    value: T | None
    records: tuple[LLMCallRecord, ...] = ()
    error: str | None = None
    attempts: tuple[str, ...] = field(default=())  # one line per attempt, for progress views

    @property
    def ok(self) -> bool:
        return self.error is None


async def ask_with_repair(
    ask: JsonAsk, request: JsonRequest, check: Callable[[dict[str, Any]], T | Awaitable[T]]
) -> AskOutcome[T]:
    """Ask, check, repair once with the problem shown, else fail with every call recorded.

    `check` (plain or async) turns the JSON into the caller's value or raises `Unusable`.
    """
    first, value, problem = await _attempt(ask, request, check)
    attempts = [_line(1, problem)]
    if problem is None:
        return AskOutcome(value, (first.record,), attempts=tuple(attempts))
    if first.provider_failed:
        return AskOutcome(None, (first.record,), problem, tuple(attempts))
    repair = replace(
        request,
        messages=(
            *request.messages,
            {"role": "assistant", "content": first.record.response_text.strip() or EMPTY_ANSWER},
            {"role": "user", "content": REPAIR_TEXT.format(problem=problem)},
        ),
        purpose=f"{request.purpose}_repair",
    )
    second, value, second_problem = await _attempt(ask, repair, check)
    attempts.append(_line(2, second_problem))
    records = (first.record, second.record)
    if second_problem is None:
        return AskOutcome(value, records, attempts=tuple(attempts))
    if second.provider_failed:
        return AskOutcome(None, records, second_problem, tuple(attempts))
    error = f"invalid answer after one repair: {second_problem}"
    return AskOutcome(None, records, error, tuple(attempts))


async def _attempt(
    ask: JsonAsk, request: JsonRequest, check: Callable[[dict[str, Any]], Any]
) -> tuple[JsonReply, Any, str | None]:
    reply = await ask(request)
    if reply.data is None:
        return reply, None, reply.problem or "the answer holds no JSON object"
    try:
        value = check(reply.data)
        if inspect.isawaitable(value):
            value = await value
    except Unusable as exc:
        return replace(reply, record=replace(reply.record, parsed=None)), None, str(exc)
    return reply, value, None


def _line(number: int, problem: str | None) -> str:
    kind = "answer" if number == 1 else "repair"
    return f"{kind}: valid" if problem is None else f"{kind}: {problem}"
