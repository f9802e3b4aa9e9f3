"""Evaluating runs: on demand, and automatically when a run with an `evaluation` block ends.

The core's evaluation agent does the work; this module reads the run from the database,
reaches models through `simengine.llm.ModelAsker`, and stores Evaluations with their LLM
calls.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from runs_app.broadcast import broadcast_to_run, evaluated_payload
from runs_app.models import Evaluation, Event, LLMCall, Run, RunStatus
from runs_app.services.adapters import llm_call_rows
from runs_app.services.config import run_spec
from runs_app.services.decisions import llm_settings, model_asker
from runs_app.services.errors import InvalidRunConfig
from runs_app.services.leases import evaluation_done
from runs_app.services.summaries import run_summary
from simengine.core.evaluation import (
    Dimension,
    DimensionAgreement,
    EvaluationResult,
    RunSummary,
    SummaryLimits,
    evaluate_run,
    is_offline,
    render_summary,
    resolve_dimensions,
    run_agreement,
    summary_budget,
)
from simengine.core.spec import ScenarioSpec
from simengine.core.text import problem_lines
from simengine.llm import model_problem

logger = logging.getLogger(__name__)
RULES_MODEL = "offline/heuristic"


class EvaluationFailed(Exception):
    """No evaluation could be stored; the calls it cost and a failure event are recorded."""

    def __init__(self, message: str, *, attempts: Sequence[str] = (), headline: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.attempts = list(attempts)  # one line per attempt (the API lists them)
        self.headline = headline or message  # the failure in a few words, for the console
        self.problems = problem_lines(*self.attempts) or [message]  # each problem once


class EvaluatorUnavailable(EvaluationFailed):
    """The evaluator's model cannot be served now (nothing was asked, nothing stored)."""


# -- evaluating -----------------------------------------------------------------------------


def run_dimensions(spec: ScenarioSpec) -> tuple[Dimension, ...]:
    """The scenario's evaluation dimensions, or the defaults."""
    return resolve_dimensions(spec.evaluation.dimensions if spec.evaluation else None)


def _spec(run: Run) -> ScenarioSpec:
    try:
        return run_spec(run)
    except InvalidRunConfig as exc:
        raise EvaluationFailed(f"run {run.pk}'s scenario no longer validates: {exc}") from None


async def _evaluate(summary: RunSummary, spec: ScenarioSpec, model: str) -> EvaluationResult:
    text = render_summary(summary, SummaryLimits(max_chars=summary_budget(model)))
    dimensions = run_dimensions(spec)
    if is_offline(model):
        return await evaluate_run(summary, text, dimensions, model=model)
    async with model_asker() as asker:
        return await evaluate_run(summary, text, dimensions, model=model, ask=asker)


def evaluation_create(*, run: Run, model: str, user: User | None = None) -> Evaluation:
    """Evaluate a run with `model` now; `offline/...` scores by rules.

    Raises `EvaluatorUnavailable` (nothing asked) or `EvaluationFailed` (the calls and a
    failure event are recorded, no Evaluation is saved).
    """
    return _evaluate_with(_RunReading(run), model, user)


class _RunReading:
    """A run's spec and summary, each read at most once (by the first evaluator asking).

    Evaluating stores only LLM calls, evaluations and `evaluation_failed` events, none of
    which the summary reads, so one reading serves every evaluator of an ended run.
    """

    def __init__(self, run: Run, spec: ScenarioSpec | None = None) -> None:
        self.run = run
        self._spec = spec
        self._summary: RunSummary | None = None

    @property
    def spec(self) -> ScenarioSpec:
        if self._spec is None:
            self._spec = _spec(self.run)
        return self._spec

    @property
    def summary(self) -> RunSummary:
        if self._summary is None:
            # read the run here: the ORM stays out of the event loop
            self._summary = run_summary(self.run, self.spec)
        return self._summary


def _evaluate_with(reading: _RunReading, model: str, user: User | None) -> Evaluation:
    if not is_offline(model) and (problem := model_problem(model, llm_settings())):
        raise EvaluatorUnavailable(problem)
    spec = reading.spec
    result = asyncio.run(_evaluate(reading.summary, spec, model))
    return _store(reading.run, result, user)


def _store(run: Run, result: EvaluationResult, user: User | None) -> Evaluation:
    step = Run.objects.filter(pk=run.pk).values_list("current_step", flat=True).get()
    with transaction.atomic():
        rows = LLMCall.objects.bulk_create(llm_call_rows(run.pk, step, result.records, {}))
        _announce_evaluated(run.pk, result.model, ok=result.answer is not None)
        if result.answer is None:
            _record_failure(run, step, result, rows, user)
        else:
            return Evaluation.objects.create(
                run=run,
                evaluator_model=result.model,
                is_rule_based=result.is_rule_based,
                scores=dict(result.answer.scores),
                narrative=result.answer.narrative,
                llm_call=rows[-1] if rows and rows[-1].pk else _last_call(run),
            )
    raise EvaluationFailed(
        f"evaluation by {result.model} failed: {result.error}",
        attempts=result.attempts,
        headline=f"evaluation by {result.model} failed",
    )


def _announce_evaluated(run_id: int, model: str, *, ok: bool) -> None:
    payload = evaluated_payload(run_id=run_id, model=model, ok=ok)
    transaction.on_commit(lambda: broadcast_to_run(run_id, payload))


def _last_call(run: Run) -> LLMCall | None:
    return LLMCall.objects.filter(run=run).order_by("-id").first()


def _record_failure(
    run: Run,
    step: int,
    result: EvaluationResult,
    rows: list[LLMCall],
    user: User | None,
) -> None:
    Event.objects.create(
        run=run,
        step=step,
        type="evaluation_failed",
        data={
            "model": result.model,
            "error": result.error or "unknown error",
            "attempts": list(result.attempts),
            "llm_calls": [row.pk for row in rows if row.pk],
            "by": getattr(user, "username", "") or "system",
        },
    )


def evaluation_auto(run_id: int) -> list[Evaluation]:
    """After a run completes: the rule-based baseline plus the scenario's evaluator model.

    Idempotent (a model that already evaluated the run is skipped), so a redelivered task
    is harmless. An unavailable or failing model is recorded as an `evaluation_failed` event.
    """
    run = Run.objects.select_related("scenario_version").filter(pk=run_id).first()
    if run is None or run.status != RunStatus.COMPLETED:
        return []
    try:
        return _evaluate_automatically(run)
    finally:
        evaluation_done(run.pk)  # ran (whatever came of it): the watchdog need not resend


def _evaluate_automatically(run: Run) -> list[Evaluation]:
    run_id = run.pk
    spec = _spec(run)
    if spec.evaluation is None:
        return []
    done = set(run.evaluations.values_list("evaluator_model", flat=True))
    made = []
    reading = _RunReading(run, spec)
    for model in dict.fromkeys([RULES_MODEL, spec.evaluation.model]):
        if model in done:
            continue
        try:
            made.append(_evaluate_with(reading, model, None))
        except EvaluatorUnavailable as exc:
            Event.objects.create(
                run=run,
                step=run.current_step,
                type="evaluation_failed",
                data={"model": model, "error": exc.message, "attempts": [], "by": "system"},
            )
            _announce_evaluated(run.pk, model, ok=False)
        except EvaluationFailed as exc:
            logger.info("automatic evaluation of run %s: %s", run_id, exc.message)
    return made


def run_agreement_rows(run: Run) -> list[DimensionAgreement]:
    """Agreement between the latest evaluation of each evaluator of a run."""
    latest: dict[str, dict[str, Any]] = {}
    for evaluation in run.evaluations.order_by("-created_at", "-id"):
        latest.setdefault(evaluation.evaluator_model, evaluation.scores)
    if len(latest) < 2:
        return []
    try:
        dimensions = run_dimensions(run_spec(run))
    except InvalidRunConfig:
        dimensions = resolve_dimensions(None)
    names = {name for scores in latest.values() for name in scores}
    dimensions = tuple(d for d in dimensions if d.name in names)
    return run_agreement(list(latest.values()), dimensions)
