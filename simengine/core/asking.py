"""The port through which the engine asks a model for one JSON object, and what comes back.

The engine never talks to a model itself. Whoever needs an answer (the evaluator, the
designer, the sweep proposer) builds a `JsonRequest` and a check, and hands both to a
`JsonAsker`; `simengine.llm.ModelAsker` implements it (call, parse, check, repair once,
record every call). The agent decider in `simengine.llm` uses the same path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from simengine.core.decision import DecisionRequest, LLMCallRecord

T = TypeVar("T")
Check = Callable[[dict[str, Any]], Awaitable[T]] | Callable[[dict[str, Any]], T]

REPAIR_TEXT = (
    "Your previous answer could not be used: {problem}\n\n"
    "Answer again with exactly one JSON object that validates against the JSON schema in "
    "your instructions and fixes every problem listed. No prose, no code fences."
)


def repair_text(problem: str) -> str:
    """The follow-up turn that shows a model why its answer was rejected."""
    return REPAIR_TEXT.format(problem=problem)


class Unusable(ValueError):
    """Raised by a check: the JSON is well formed but cannot be used (shown to the model)."""


@dataclass(frozen=True)
class JsonRequest:
    """One structured request: who to ask, what to send, and what shape must come back."""

    model: str
    system: str
    messages: tuple[dict[str, str], ...]
    schema: dict[str, Any]
    purpose: str  # decide | evaluate | design | sweep
    max_tokens: int | None = 1024  # None: the provider's default (SIMENGINE_LLM_MAX_TOKENS)
    temperature: float | None = 0.2
    seed: int | None = 0
    run_id: str | None = None
    agent_id: str | None = None
    tick: int | None = None
    decision: DecisionRequest | None = None  # the agent decision being made, if any
    check_schema: bool = True  # False when the caller's own check is the judge (and kinder)
    repair_purpose: str | None = None  # the repair call's purpose; default "<purpose>_repair"
    repair_prompt: Callable[[str], str] = repair_text  # problem -> the repair turn's text


@dataclass(frozen=True)
class AskOutcome(Generic[T]):
    """The checked value (None on failure), every call made, and the failure in one line.

    `problem` is the last attempt's own problem; `error` adds that a repair was tried.
    `provider_failed` is true when the model could not be reached (not a bad answer).
    """

    value: T | None
    records: tuple[LLMCallRecord, ...] = ()
    error: str | None = None
    attempts: tuple[str, ...] = field(default=())  # one line per attempt, for progress views
    problem: str | None = None
    provider_failed: bool = False

    @property
    def ok(self) -> bool:
        """True when a checked value came back."""
        return self.error is None


class JsonAsker(Protocol):
    """Ask a model for one JSON object that `check` turns into a value; never raises for it.

    `check` (plain or async) returns the caller's value or raises `Unusable`; the asker
    repairs once with the problem shown, then reports the failure with every call recorded.
    """

    async def ask(self, request: JsonRequest, check: Check[T]) -> AskOutcome[T]:
        """The outcome of asking (one call, or two with the repair)."""
        ...
