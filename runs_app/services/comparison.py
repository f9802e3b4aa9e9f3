"""Comparison maths for the console's compare and batch pages.

Runs side by side, seeds grouped per condition, a batch's per-cell aggregates as tables
and charts, and final values for box plots.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from runs_app.models import Batch, Run
from runs_app.selectors import batch_completed_finals, runs_metric_series
from runs_app.templatetags.console import cell_label
from simengine.core.stats import METHOD_LABELS, summarize_values
from simengine.core.worlds import find_metric, metric_direction

MAX_OVERLAID_RUNS = 12
MAX_SERIES_RUNS = 300

BestOf = Callable[[str, list[Any]], float | None]


def best_value(metric: str, values: list[Any]) -> float | None:
    """The value to highlight in a row: the best by the metric's direction, None on a tie."""
    numbers = [v for v in values if isinstance(v, int | float)]
    if len(numbers) < 2 or len(set(numbers)) == 1:
        return None
    return min(numbers) if metric_direction(metric) == "lower" else max(numbers)


def runs_comparison(*, runs: list[Run], best: BestOf = best_value) -> dict[str, Any]:
    """Rows, charts, spread per condition and scores for runs compared side by side.

    `best(metric, values)` picks the value to highlight in a row (None: no highlight).
    """
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
    kind = _world_kind(runs)
    rows = [
        {
            "metric": name,
            "values": [finals[run.pk].get(name) for run in runs],
            "best": best(name, [finals[run.pk].get(name) for run in runs]),
            "summary": _summary(name, kind, [finals[run.pk].get(name) for run in runs]),
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
        "ci_methods": interval_methods(row["summary"] for row in rows if row["summary"]),
        "lineage": run_lineage(runs),
    }


def run_lineage(runs: list[Run]) -> list[dict[str, int]]:
    """Forks compared with their parent: each continues the parent's line from `step`."""
    ids = {run.pk for run in runs}
    return [
        {"run": run.pk, "parent": run.parent_id, "step": run.fork_step}
        for run in runs
        if run.parent_id in ids and run.fork_step is not None
    ]


def _world_kind(runs: list[Run]) -> str | None:
    kinds = {str(run.scenario_version.spec.get("world", {}).get("kind", "")) for run in runs}
    return kinds.pop() if len(kinds) == 1 else None


def _summary(name: str, kind: str | None, values: list[Any]) -> dict[str, Any] | None:
    """Mean and 95% CI of one metric across the compared runs, within its bounds."""
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if len(numbers) < 2:
        return None
    metric = find_metric(name, kind)
    bounds = (metric.low, metric.high) if metric is not None else (None, None)
    return summarize_values(numbers, bounds=bounds).to_json()


def interval_methods(summaries: Any) -> list[dict[str, str]]:
    """The interval methods used, each once, with their names as a page shows them."""
    seen: dict[str, str] = {}
    for summary in summaries:
        method = str(summary.get("method", "t")) if isinstance(summary, dict) else "t"
        seen.setdefault(method, METHOD_LABELS.get(method, method))
    return [{"method": m, "label": label} for m, label in seen.items() if m != "single"]


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


def _run_label(run: Run) -> str:
    cell = f" {cell_label(run.grid_cell)}" if run.grid_cell else ""
    fork = f" (fork of #{run.parent_id} at {run.fork_step})" if run.parent_id else ""
    return f"#{run.pk} seed {run.seed}{cell}{fork}"


def batch_cell_tables(*, aggregates: dict[str, Any]) -> dict[str, Any]:
    """Rows per cell and chart data per metric (mean with its 95% CI across cells)."""
    cells = list(aggregates.values())
    metrics = list(OrderedDict.fromkeys(name for cell in cells for name in cell["metrics"]))
    rows = [
        {
            "label": cell_label(cell["params"]),
            "runs": cell["runs"],
            "values": [cell["metrics"].get(name) for name in metrics],
        }
        for cell in cells
    ]
    chart = {
        "labels": [row["label"] for row in rows],
        "metrics": {
            name: [
                {
                    "mean": _finite(cell["metrics"].get(name, {}).get("mean")),
                    "low": _finite(cell["metrics"].get(name, {}).get("ci_low")),
                    "high": _finite(cell["metrics"].get(name, {}).get("ci_high")),
                    "n": cell["metrics"].get(name, {}).get("n", 0),
                }
                for cell in cells
            ]
            for name in metrics
        },
    }
    methods = {
        name: _method(cell["metrics"].get(name)) for cell in cells for name in cell["metrics"]
    }
    return {
        "metric_names": metrics,
        "cell_rows": rows,
        "ci_chart": chart,
        "ci_methods": [
            {"metric": name, "label": METHOD_LABELS.get(methods[name], methods[name])}
            for name in metrics
            if methods.get(name) not in (None, "single")
        ],
    }


def _method(summary: Any) -> str:
    # aggregates stored before intervals respected bounds carry no method: they were t
    return str(summary.get("method", "t")) if isinstance(summary, dict) else "t"


def batch_spread(*, batch: Batch) -> dict[str, Any]:
    """Final metric values of completed runs per cell, for box plots across seeds."""
    cells: OrderedDict[str, dict[str, list[float]]] = OrderedDict()
    labels: dict[str, str] = {}
    for key, cell, metrics in batch_completed_finals(batch=batch):
        labels[key] = cell_label(cell)
        slot = cells.setdefault(key, {})
        for name, value in (metrics or {}).items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                slot.setdefault(name, []).append(value)
    names = list(OrderedDict.fromkeys(n for slot in cells.values() for n in slot))
    return {
        "labels": [labels[key] for key in cells],
        "values": {name: [slot.get(name, []) for slot in cells.values()] for name in names},
    }


def _finite(value: Any) -> float | None:
    return value if isinstance(value, int | float) and math.isfinite(value) else None
