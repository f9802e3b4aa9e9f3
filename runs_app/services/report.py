"""A run's report: one self-contained HTML file (styles inline, charts as inline SVG).

It holds the scenario and its version, seed and overrides, the models used, the outcome
and its reason, metric charts and final values, the evaluations (scores, reasons,
narratives, agreement), key decisions with their thoughts, conversation excerpts per room,
token use and cost, and the simengine version. A run that is still going is reported as of
its current tick, and the report says so. Nothing in it asks the network for anything.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from agents_app.models import Agent
from runs_app.models import FINAL_RUN_STATUSES, CallOutcome, LLMCall, Message, Run, Step
from runs_app.services.calls import model_figures, outcome_counts
from runs_app.services.config import run_spec
from runs_app.services.errors import InvalidRunConfig
from runs_app.services.evaluation import run_agreement_rows
from runs_app.services.summaries import run_summary
from simengine.core.evaluation import SummaryLimits, sample_ticks
from simengine.core.spec import ScenarioSpec
from simengine.web.svg import PALETTE, bar_chart, line_chart

CHART_POINTS = 300  # ticks drawn per metric chart (spread evenly over the run)
EXCERPT = 4  # messages from the start and from the end of each room
REPORT_LIMITS = SummaryLimits(max_chars=60_000, key_decisions=24, messages=0, text_chars=600)


def simengine_version() -> str:
    """The installed simengine package's version."""
    try:
        return metadata.version("simengine")
    except metadata.PackageNotFoundError:
        return "unknown"


def run_report_html(run: Run) -> str:
    """The run's report as one HTML document."""
    return render_to_string("runs_app/run_report.html", run_report_context(run))


def run_report_context(run: Run) -> dict[str, Any]:
    """Everything the report template shows."""
    try:
        spec: ScenarioSpec | None = run_spec(run)
    except InvalidRunConfig:
        spec = None
    calls = LLMCall.objects.filter(run=run)
    figures = model_figures(calls)
    priced = [f.cost for f in figures if f.cost is not None]
    finished = run.status in FINAL_RUN_STATUSES
    return {
        "run": run,
        "scenario": run.scenario_version.scenario,
        "version": run.scenario_version,
        "spec": spec,
        "finished": finished,
        "outcome": getattr(run, "outcome", "") or (run.end_reason if finished else ""),
        "generated_at": timezone.now(),
        "simengine_version": simengine_version(),
        "agent_models": _agent_models(run),
        "metric_charts": _metric_charts(run),
        "final_metrics": sorted((run.metrics or {}).items()),
        "evaluations": _evaluations(run),
        "agreement": run_agreement_rows(run),
        "key_decisions": _key_decisions(run, spec),
        "rooms": _room_excerpts(run, spec),
        "figures": figures,
        "cost_total": sum(priced),
        "unpriced": [f.model for f in figures if f.cost is None],
        "outcomes": [(CallOutcome(k).label, n) for k, n in outcome_counts(calls).items()],
        "calls_total": sum(f.calls for f in figures),
        "tokens": {
            "in": sum(f.tokens_in for f in figures),
            "out": sum(f.tokens_out for f in figures),
        },
    }


def _agent_models(run: Run) -> list[dict[str, Any]]:
    rows = Agent.objects.filter(run=run).order_by("id").values_list("model", "name")
    models: dict[str, list[str]] = {}
    for model, name in rows:
        models.setdefault(model or "(none)", []).append(name)
    return [{"model": m, "agents": names} for m, names in models.items()]


def _metric_charts(run: Run) -> list[str]:
    ticks = sample_ticks(run.current_step, CHART_POINTS)
    rows = Step.objects.filter(run=run, index__in=ticks).order_by("index")
    series: dict[str, list[tuple[float, float]]] = {}
    for index, metrics in rows.values_list("index", "metrics"):
        for name, value in (metrics or {}).items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                series.setdefault(name, []).append((float(index), float(value)))
    return [
        mark_safe(  # noqa: S308 - built by simengine.web.svg, every text escaped
            line_chart(name.replace("_", " "), points, color=PALETTE[i % len(PALETTE)])
        )
        for i, (name, points) in enumerate(series.items())
    ]


def _evaluations(run: Run) -> list[dict[str, Any]]:
    result = []
    for evaluation in run.evaluations.select_related("llm_call").order_by("created_at", "id"):
        parsed = (evaluation.llm_call.parsed if evaluation.llm_call else None) or {}
        reasons = parsed.get("scores") if isinstance(parsed, dict) else None
        reasons = reasons if isinstance(reasons, dict) else {}
        scores = [
            {"name": name, "score": score, "reasoning": _reasoning(reasons.get(name))}
            for name, score in evaluation.scores.items()
            if isinstance(score, int | float) and not isinstance(score, bool)
        ]
        chart = bar_chart(
            "scores", [s["name"].replace("_", " ") for s in scores], [s["score"] for s in scores]
        )
        result.append(
            {
                "evaluation": evaluation,
                "scores": scores,
                "chart": mark_safe(chart),  # noqa: S308 - escaped by simengine.web.svg
            }
        )
    return result


def _reasoning(entry: Any) -> str:
    return str(entry.get("reasoning", "")) if isinstance(entry, dict) else ""


def _key_decisions(run: Run, spec: ScenarioSpec | None) -> list[dict[str, Any]]:
    if spec is None:
        return []
    return run_summary(run, spec, REPORT_LIMITS).key_decisions


def _room_excerpts(run: Run, spec: ScenarioSpec | None) -> list[dict[str, Any]]:
    rooms = [room.id for room in spec.rooms] if spec else []
    used = Message.objects.filter(run=run, channel=Message.Channel.ROOM)
    rooms += sorted(set(used.values_list("recipient", flat=True).distinct()) - set(rooms))
    groups = [(f"#{room}", {"channel": Message.Channel.ROOM, "recipient": room}) for room in rooms]
    groups.append(("Everyone (broadcasts)", {"channel": Message.Channel.ALL}))
    excerpts = []
    for label, where in groups:
        messages = Message.objects.filter(run=run, **where)
        total = messages.count()
        if not total:
            continue
        head = list(messages.order_by("step", "id")[:EXCERPT])
        tail = list(messages.order_by("-step", "-id")[: min(EXCERPT, total - len(head))])[::-1]
        excerpts.append(
            {
                "label": label,
                "total": total,
                "head": head,
                "tail": tail,
                "skipped": total - len(head) - len(tail),
            }
        )
    return excerpts
