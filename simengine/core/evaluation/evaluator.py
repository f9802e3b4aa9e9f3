"""The evaluation agent: a run summary in, validated scores and a narrative out.

`offline/...` models score by rules (`rules.py`, labelled rule-based); any other model id is
asked through the injected `JsonAsker` port, validated, repaired once, and otherwise reported
as a failure with every call it made.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass

from simengine.core.asking import JsonAsker, JsonRequest
from simengine.core.decision import LLMCallRecord
from simengine.core.evaluation.dimensions import Dimension
from simengine.core.evaluation.prompt import (
    SYSTEM,
    ScoredAnswer,
    check_answer,
    evaluation_messages,
    evaluation_schema,
)
from simengine.core.evaluation.rules import rule_based_answer
from simengine.core.evaluation.summary import RunSummary
from simengine.core.providers import DEFAULT_CONTEXT_CHARS, provider_traits

EVALUATION_MAX_TOKENS = 1500


def summary_budget(model: str) -> int:
    """How many characters of run summary fit the context of `model` (its provider's traits)."""
    traits = provider_traits(model.partition("/")[0])
    return traits.context_chars if traits else DEFAULT_CONTEXT_CHARS


@dataclass(frozen=True)
class EvaluationResult:
    """What one evaluator concluded (or why it could not), with the calls behind it."""

    model: str
    is_rule_based: bool
    answer: ScoredAnswer | None
    records: tuple[LLMCallRecord, ...]
    error: str | None = None
    attempts: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the evaluator produced scores."""
        return self.answer is not None


def is_offline(model: str) -> bool:
    """Whether `model` is an offline one, scored by the fixed rules instead of asked."""
    return model.startswith("offline/")


async def evaluate_run(
    summary: RunSummary,
    summary_text: str,
    dimensions: Sequence[Dimension],
    *,
    model: str,
    ask: JsonAsker | None = None,
) -> EvaluationResult:
    """Score a run on `dimensions` with `model` (rules for `offline/...`)."""
    if is_offline(model):
        return evaluate_by_rules(summary, summary_text, dimensions, model=model)
    if ask is None:
        raise ValueError(f"evaluating with {model} needs a model port")
    request = JsonRequest(
        model=model,
        system=SYSTEM,
        messages=evaluation_messages(summary_text, dimensions),
        schema=evaluation_schema(dimensions),
        purpose="evaluate",
        max_tokens=EVALUATION_MAX_TOKENS,
        temperature=0.0,
        seed=0,
        run_id=summary.facts.run_id,
    )
    outcome = await ask.ask(request, lambda data: check_answer(data, dimensions))
    return EvaluationResult(
        model=model,
        is_rule_based=False,
        answer=outcome.value,
        records=outcome.records,
        error=outcome.error,
        attempts=outcome.attempts,
    )


def evaluate_by_rules(
    summary: RunSummary, summary_text: str, dimensions: Sequence[Dimension], *, model: str
) -> EvaluationResult:
    """The rule-based evaluation, recorded like a model call (provider `offline`, no tokens)."""
    started = time.perf_counter()
    answer = rule_based_answer(summary, dimensions)
    parsed = answer.to_json()
    record = LLMCallRecord(
        provider="offline",
        model=model,
        purpose="evaluate",
        system="rule-based evaluator (no language model)",
        messages=({"role": "user", "content": summary_text},),
        response_text=json.dumps(parsed, ensure_ascii=False),
        parsed=parsed,
        tokens_in=0,
        tokens_out=0,
        latency_ms=round((time.perf_counter() - started) * 1000, 3),
    )
    return EvaluationResult(model, True, answer, (record,), attempts=("rules: valid",))
