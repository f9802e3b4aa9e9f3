"""What the run console's evaluation panel shows, built in one place.

Scores with reasoning, narrative, chart data, agreement between evaluators, failures, and
whether an automatic evaluation is on its way.

Rendered by the panel's view and by the live fragments (`runs_app.services.live`), so a
watcher sees the panel fill in when an evaluation arrives.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from runs_app.models import Evaluation, Event, Run, RunStatus
from runs_app.services.config import run_spec
from runs_app.services.errors import InvalidRunConfig
from runs_app.services.evaluation import run_agreement_rows, run_dimensions
from scenarios_app.selectors import llm_model_options
from simengine.core.evaluation import Dimension, resolve_dimensions

PENDING_FOR = timedelta(minutes=10)  # how long the panel polls for an automatic evaluation


def _dimensions(run: Run, evaluations: list[Evaluation]) -> tuple[tuple[Dimension, ...], Any]:
    try:
        spec = run_spec(run)
    except InvalidRunConfig:
        spec = None
    configured = run_dimensions(spec) if spec else ()
    names = [n for e in evaluations for n in e.scores if n not in {d.name for d in configured}]
    extra = resolve_dimensions(dict.fromkeys(names)) if names else ()
    return tuple(configured) + tuple(extra), spec


def _row(evaluation: Evaluation, dimensions: tuple[Dimension, ...]) -> dict[str, Any]:
    parsed = (evaluation.llm_call.parsed if evaluation.llm_call else None) or {}
    given = parsed.get("scores")
    reasons = given if isinstance(given, dict) else {}
    scores = []
    for d in dimensions:
        score = evaluation.scores.get(d.name)
        if not isinstance(score, int | float) or isinstance(score, bool):
            continue
        explained = reasons.get(d.name)
        reason = explained if isinstance(explained, dict) else {}
        scores.append(
            {
                "name": d.name,
                "score": score,
                "low": d.range_low,
                "high": d.range_high,
                "percent": round(100 * min(1.0, max(0.0, d.fraction(score)))),
                "reasoning": str(reason.get("reasoning", "")),
            }
        )
    return {"evaluation": evaluation, "scores": scores}


def _pending(run: Run, spec: Any, evaluations: list[Evaluation], failures: list[Event]) -> bool:
    """True while an automatic evaluation of a just-completed run may still arrive."""
    if run.status != RunStatus.COMPLETED or spec is None or spec.evaluation is None:
        return False
    if run.finished_at is None or timezone.now() - run.finished_at > PENDING_FOR:
        return False
    expected = {"offline/heuristic", spec.evaluation.model}
    settled = {e.evaluator_model for e in evaluations} | {f.data.get("model") for f in failures}
    return not expected <= settled


def evaluation_context(
    run: Run, *, error: str = "", notice: str = "", chosen: str = "", attempts: Any = ()
) -> dict[str, Any]:
    """Everything the evaluation partial of the run console shows."""
    evaluations = list(run.evaluations.select_related("llm_call").order_by("created_at", "id"))
    dimensions, spec = _dimensions(run, evaluations)
    rows = [_row(e, dimensions) for e in evaluations]
    failures = list(Event.objects.filter(run=run, type="evaluation_failed").order_by("-id")[:5])
    shown = [d for d in dimensions if any(s["name"] == d.name for r in rows for s in r["scores"])]
    chart = {
        "dimensions": [d.name for d in shown],
        "evaluators": [
            {
                "label": r["evaluation"].evaluator_model
                + (" (rule-based)" if r["evaluation"].is_rule_based else ""),
                "values": [
                    next((s["percent"] for s in r["scores"] if s["name"] == d.name), None)
                    for d in shown
                ],
            }
            for r in rows
        ],
    }
    default = spec.evaluation.model if spec and spec.evaluation else "offline/heuristic"
    return {
        "evaluation_rows": rows,
        "evaluation_chart": chart,
        "evaluation_agreement": [a.to_json() for a in run_agreement_rows(run)],
        "evaluation_failures": failures,
        "evaluation_pending": _pending(run, spec, evaluations, failures),
        "evaluator_models": llm_model_options().models,
        "evaluator_chosen": chosen or default,
        "evaluation_error": error,
        "evaluation_notice": notice,
        "evaluation_attempts": list(attempts),
    }


def evaluation_key(run: Run) -> str:
    """Changes whenever the panel would show something new (an evaluation or a failure)."""
    evaluations = list(run.evaluations.order_by("id").values_list("id", flat=True))
    failures = list(
        Event.objects.filter(run=run, type="evaluation_failed").values_list("id", flat=True)
    )
    return f"{evaluations}|{failures}|{run.status}"
