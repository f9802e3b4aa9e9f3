"""A batch's analysis fragment and the next sweep, started only once the researcher confirms.

The fragment shows condition comparisons, parameter effects, scores and behaviours; the
sweep is proposed on request.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from runs_app.models import Batch, Run, RunStatus
from runs_app.services.analysis import (
    InvalidCondition,
    SweepUnavailable,
    batch_analysis,
    batch_sweep_proposal,
    batch_sweep_start,
    label_of,
    sweep_grid_from_text,
)
from runs_app.services.errors import InvalidRunConfig
from scenarios_app.selectors import llm_model_options
from simengine.web.access import fetch, visible
from simengine.web.offload import off_the_shared_thread
from simengine.web.requests import AuthenticatedHttpRequest

SIGNIFICANCE = 0.05
MAX_EFFECT_ROWS = 40


def _choices(batch: Batch, conditions: list[dict[str, Any]], user: Any) -> list[dict[str, str]]:
    """Conditions to compare: this batch's cells and whole, other batches, models."""
    choices = [{"key": c["key"], "label": f"{c['label']} ({c['runs']} runs)"} for c in conditions]
    others = Batch.objects.filter(scenario_version=batch.scenario_version).exclude(pk=batch.pk)
    others = visible(others, user)
    choices += [{"key": f"batch:{b.pk}", "label": f"{b} (all)"} for b in others[:20]]
    models = (
        visible(Run.objects.all(), user)
        .filter(scenario_version=batch.scenario_version, status=RunStatus.COMPLETED)
        .exclude(overrides__model_override=None)
        .order_by()
        .values_list("overrides__model_override", flat=True)
        .distinct()[:20]
    )
    choices += [{"key": f"model:{m}", "label": f"runs on {m}"} for m in models if m]
    return choices


def _comparison_rows(comparison: dict[str, Any] | None) -> list[dict[str, Any]]:
    rows = []
    for c in (comparison or {}).get("metrics", []):
        welch, mann = c["welch_p"], c["mann_whitney_p"]
        rows.append(
            {
                **c,
                "welch_p_text": p_text(welch),
                "mann_whitney_p_text": p_text(mann),
                "welch_significant": welch is not None and welch < SIGNIFICANCE,
                "mann_significant": mann is not None and mann < SIGNIFICANCE,
            }
        )
    return rows


def p_text(p: float | None) -> str:
    """A p-value as researchers write it: `<0.001`, `0.042`, or a dash when undefined."""
    if p is None:
        return "—"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _scores_table(scores: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    dimensions = sorted(
        {d for cell in scores.values() for per in cell["evaluators"].values() for d in per}
    )
    rows = [
        {
            "cell": label_of(cell["params"]),
            "evaluator": evaluator,
            "values": [per.get(d) for d in dimensions],
        }
        for cell in scores.values()
        for evaluator, per in cell["evaluators"].items()
    ]
    return dimensions, rows


def _charts(analysis: dict[str, Any], dimensions: list[str], rows: list[dict[str, Any]]) -> dict:
    comparison = analysis["comparison"] or {"metrics": []}
    return {
        "effects": [
            {
                "metric": c["metric"],
                "g": c["hedges_g"],
                "low": c["g_ci_low"],
                "high": c["g_ci_high"],
            }
            for c in comparison["metrics"]
            if c["hedges_g"] is not None
        ],
        "scores": {
            "dimensions": dimensions,
            "groups": [
                {
                    "label": f"{r['cell']} · {r['evaluator']}",
                    "values": [v.get("mean") if v else None for v in r["values"]],
                }
                for r in rows
            ],
        },
    }


def analysis_context(batch: Batch, a: str | None, b: str | None, user: Any) -> dict[str, Any]:
    """The analysis fragment's tables; a bad condition key shows its error and the default pair."""
    error = ""
    try:
        analysis = batch_analysis(batch=batch, a=a, b=b, user=user)
    except InvalidCondition as exc:
        error = str(exc)
        analysis = batch_analysis(batch=batch, user=user)
    dimensions, score_rows = _scores_table(analysis["scores"])
    informative = [e for e in analysis["effects"] if e["hedges_g"] is not None or e["p_value"]]
    effects = sorted(informative, key=lambda e: -abs(e["hedges_g"] or 0))
    comparison = analysis["comparison"]
    behaviours = analysis["behaviours"]
    return {
        "batch": batch,
        "analysis": analysis,
        "analysis_error": error,
        "choices": _choices(batch, analysis["conditions"], user),
        "chosen_a": comparison["a"]["key"] if comparison else "",
        "chosen_b": comparison["b"]["key"] if comparison else "",
        "comparison_rows": _comparison_rows(comparison),
        "effect_rows": [{**e, "p_text": p_text(e["p_value"])} for e in effects[:MAX_EFFECT_ROWS]],
        "score_dimensions": dimensions,
        "score_rows": score_rows,
        "behaviour_rows": [
            {"cell": _cell_label(batch, key), "values": values}
            for key, values in behaviours["cells"].items()
        ],
        "analysis_charts": _charts(analysis, dimensions, score_rows),
        "sweep_models": llm_model_options().models,
    }


def _cell_label(batch: Batch, key: str) -> str:
    try:
        return label_of(json.loads(key))
    except ValueError:
        return key or "base"


def batch_analysis_fragment(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The analysis section of a batch page (loaded after the page, re-rendered per choice)."""
    batch = fetch(Batch.objects.select_related("scenario_version"), request.user, pk=pk)
    context = analysis_context(batch, request.GET.get("a"), request.GET.get("b"), request.user)
    return render(request, "runs_app/batch_detail.html#analysis", context)


@require_POST
@off_the_shared_thread
def batch_sweep_propose(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Propose the next sweep (rules for offline/…, else the chosen model); starts nothing."""
    batch = fetch(Batch.objects.select_related("scenario_version"), request.user, pk=pk)
    model = request.POST.get("model", "offline/heuristic")
    context: dict[str, Any] = {"batch": batch, "sweep_models": llm_model_options().models}
    if model not in context["sweep_models"]:
        context["sweep_error"] = f"choose one of the models that can be served now (got {model!r})"
    else:
        try:
            proposal = batch_sweep_proposal(batch=batch, model=model)
            context["proposal"] = proposal.to_json()
            context["proposal_grid"] = json.dumps(proposal.grid)
            context["proposal_cells"] = _cells(proposal.grid)
        except SweepUnavailable as exc:
            context["sweep_error"] = exc.message
            context["sweep_problems"] = exc.problems
    context["sweep_chosen"] = model
    return render(request, "runs_app/batch_detail.html#sweep", context)


def _cells(grid: dict[str, list[Any]]) -> int:
    total = 1
    for values in grid.values():
        total *= len(values)
    return total


@require_POST
def batch_sweep_start_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The researcher confirmed the proposal: start it as a new batch."""
    batch = fetch(Batch.objects.select_related("scenario_version"), request.user, pk=pk)
    try:
        grid = sweep_grid_from_text(request.POST.get("grid", ""))
        seeds = int(request.POST.get("seeds_per_cell", "1"))
        new = batch_sweep_start(
            batch=batch,
            grid=grid,
            seeds_per_cell=seeds,
            user=request.user,
            name=request.POST.get("name", "")[:200],
        )
    except (InvalidRunConfig, ValueError) as exc:
        errors = exc.errors if isinstance(exc, InvalidRunConfig) else [str(exc)]
        context = {
            "batch": batch,
            "sweep_models": llm_model_options().models,
            "sweep_error": "; ".join(errors),
        }
        return render(request, "runs_app/batch_detail.html#sweep", context)
    url = reverse("runs:batch_detail", args=[new.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
