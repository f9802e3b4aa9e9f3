"""Comparing runs: side-by-side metrics, overlaid per-tick charts, scores, spread per cell."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from runs_app.models import Batch, Run
from runs_app.selectors import runs_for_comparison, runs_metric_series
from runs_app.templatetags.console import cell_label
from simengine.core.worlds import metric_direction

MAX_OVERLAID_RUNS = 12
MAX_SERIES_RUNS = 300


def run_compare(request: HttpRequest) -> HttpResponse:
    ids = _ids(request.GET.getlist("runs"))
    batch = Batch.objects.filter(pk=_int(request.GET.get("batch"))).first()
    runs = runs_for_comparison(run_ids=ids, batch=batch.pk if batch else None)
    context: dict[str, Any] = {"runs": runs, "batch": batch, "ids": ids}
    if runs:
        context.update(_comparison(runs))
    return render(request, "runs_app/run_compare.html", context)


def _comparison(runs: list[Run]) -> dict[str, Any]:
    series = runs_metric_series(run_ids=[run.pk for run in runs[:MAX_SERIES_RUNS]])
    finals = {run.pk: _final(run, series.get(run.pk)) for run in runs}
    metrics = list(OrderedDict.fromkeys(name for values in finals.values() for name in values))
    groups = _groups(runs)
    spread = any(len(members) > 1 for members in groups.values())
    if len(runs) <= MAX_OVERLAID_RUNS:
        lines = [{"label": _run_label(run), "points": series[run.pk]} for run in runs]
    else:
        lines = [
            {"label": f"{label} (mean of {len(members)})", "points": _mean_series(members, series)}
            for label, members in groups.items()
        ]
    dimensions = list(
        OrderedDict.fromkeys(
            name for run in runs for ev in run.evaluations.all()[:1] for name in ev.scores
        )
    )
    scores = {
        run.pk: {k: v for k, v in ev.scores.items() if isinstance(v, int | float)}
        for run in runs
        for ev in run.evaluations.all()[:1]
    }
    rows = [
        {
            "metric": name,
            "values": [finals[run.pk].get(name) for run in runs],
            "best": _best(name, [finals[run.pk].get(name) for run in runs]),
        }
        for name in metrics
    ]
    chart = {
        "metrics": metrics,
        "lines": lines,
        "runs": [{"id": run.pk, "label": _run_label(run)} for run in runs],
        "scores": {
            "dimensions": dimensions,
            "runs": [
                {
                    "label": _run_label(run),
                    "values": [scores.get(run.pk, {}).get(d) for d in dimensions],
                }
                for run in runs
                if run.pk in scores
            ],
        },
        "spread": {
            "labels": list(groups),
            "values": {
                name: [
                    [finals[run.pk][name] for run in members if name in finals[run.pk]]
                    for members in groups.values()
                ]
                for name in metrics
            },
        }
        if spread
        else None,
    }
    return {
        "rows": rows,
        "show_table": len(runs) <= 30,
        "chart": chart,
        "spread": spread,
        "truncated": len(runs) > MAX_SERIES_RUNS,
        "overlaid": len(runs) <= MAX_OVERLAID_RUNS,
        "groups": [
            {"label": label, "runs": members, "n": len(members)}
            for label, members in groups.items()
        ],
        "dimensions": dimensions,
        "scores": scores,
    }


def _groups(runs: list[Run]) -> OrderedDict[str, list[Run]]:
    """Runs of the same version and grid cell: the seeds of one condition."""
    groups: OrderedDict[str, list[Run]] = OrderedDict()
    several_versions = len({run.scenario_version_id for run in runs}) > 1
    for run in runs:
        label = cell_label(run.grid_cell)
        if several_versions or not run.grid_cell:
            label = (
                f"{run.scenario_version} · {label}" if run.grid_cell else str(run.scenario_version)
            )
        groups.setdefault(label, []).append(run)
    return groups


def _mean_series(members: list[Run], series: dict[int, list[dict]]) -> list[dict]:
    sums: dict[int, dict[str, list[float]]] = {}
    for run in members:
        for point in series.get(run.pk, []):
            slot = sums.setdefault(point["i"], {})
            for name, value in _numbers(point["m"]).items():
                slot.setdefault(name, []).append(value)
    return [
        {"i": i, "m": {name: sum(vals) / len(vals) for name, vals in sums[i].items()}}
        for i in sorted(sums)
    ]


def _final(run: Run, points: list[dict] | None) -> dict[str, float]:
    """The run's final metrics (its last committed step's when the run row has none)."""
    return _numbers(run.metrics) or (_numbers(points[-1]["m"]) if points else {})


def _numbers(metrics: Any) -> dict[str, float]:
    if not isinstance(metrics, dict):
        return {}
    return {
        k: v for k, v in metrics.items() if isinstance(v, int | float) and not isinstance(v, bool)
    }


def _best(metric: str, values: list[Any]) -> float | None:
    numbers = [v for v in values if isinstance(v, int | float)]
    if len(numbers) < 2 or len(set(numbers)) == 1:
        return None
    return min(numbers) if metric_direction(metric) == "lower" else max(numbers)


def _run_label(run: Run) -> str:
    cell = f" {cell_label(run.grid_cell)}" if run.grid_cell else ""
    return f"#{run.pk} seed {run.seed}{cell}"


def _ids(values: list[str]) -> list[int]:
    ids: list[int] = []
    for value in values:
        for part in value.split(","):
            if part.strip().isdigit():
                ids.append(int(part))
    return list(OrderedDict.fromkeys(ids))


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
