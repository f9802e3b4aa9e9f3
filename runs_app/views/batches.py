"""Batches: list with progress, starting one, and a batch's per-cell aggregates."""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from runs_app.forms import BatchCreateForm
from runs_app.models import Batch, BatchStatus, RunStatus
from runs_app.selectors import batch_list
from runs_app.services.batches import batch_aggregates, batch_create, batch_progress
from runs_app.services.errors import InvalidRunConfig
from runs_app.templatetags.console import cell_label
from scenarios_app.models import Scenario
from scenarios_app.selectors import llm_model_options


def batch_list_page(request: HttpRequest) -> HttpResponse:
    batches = list(batch_list()[:200])
    rows = [{"batch": batch, "progress": batch_progress(batch)} for batch in batches]
    context = {"rows": rows, "live": any(b.status == BatchStatus.RUNNING for b in batches)}
    if request.htmx and request.htmx.target == "batch-table":
        return render(request, "runs_app/batch_list.html#batch-table", context)
    return render(request, "runs_app/batch_list.html", context)


def batch_new(request: HttpRequest) -> HttpResponse:
    """Many seeds times a parameter grid, queued through the same run scheduler."""
    if request.method == "POST":
        data = request.POST.copy()
        if not data.get("version") and data.get("scenario"):
            scenario = Scenario.objects.filter(pk=data.get("scenario")).first()
            latest = scenario.latest_version if scenario else None
            data["version"] = str(latest.pk) if latest else ""
        form = BatchCreateForm(data)
        if form.is_valid():
            c = form.cleaned_data
            try:
                batch = batch_create(
                    version=c["version"],
                    grid=c["grid"],
                    seeds_per_cell=c["seeds_per_cell"],
                    base_seed=c["seed"],
                    concurrency=c["concurrency"],
                    overrides=form.overrides(),
                    name=c["name"],
                    user=request.user,
                )
            except InvalidRunConfig as exc:
                for line in exc.errors:
                    form.add_error(None, line)
            else:
                return redirect("runs:batch_detail", pk=batch.pk)
    else:
        initial: dict[str, Any] = {"seeds_per_cell": 5, "concurrency": 4}
        scenario = Scenario.objects.filter(pk=_int(request.GET.get("scenario"))).first()
        if scenario and scenario.latest_version:
            initial["version"] = scenario.latest_version.pk
        form = BatchCreateForm(initial=initial)
    return render(request, "runs_app/batch_new.html", {"form": form, "models": llm_model_options()})


def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(Batch.objects.select_related("scenario_version__scenario"), pk=pk)
    progress = batch_progress(batch)
    aggregates = batch.aggregates or batch_aggregates(batch)
    context = {
        "batch": batch,
        "progress": progress,
        "running": batch.status == BatchStatus.RUNNING,
        **_aggregate_tables(aggregates),
        "spread": _spread(batch),
        "runs": batch.runs.select_related("scenario_version__scenario").order_by(
            "cell_key", "seed"
        )[:300],
    }
    if request.htmx and request.htmx.target == "batch-progress":
        return render(request, "runs_app/batch_detail.html#progress", context)
    return render(request, "runs_app/batch_detail.html", context)


def _aggregate_tables(aggregates: dict[str, Any]) -> dict[str, Any]:
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
    return {"metric_names": metrics, "cell_rows": rows, "ci_chart": chart}


def _spread(batch: Batch) -> dict[str, Any]:
    """Final metric values of completed runs per cell, for box plots across seeds."""
    cells: OrderedDict[str, dict[str, list[float]]] = OrderedDict()
    labels: dict[str, str] = {}
    rows = batch.runs.filter(status=RunStatus.COMPLETED).order_by("cell_key", "seed")
    for key, cell, metrics in rows.values_list("cell_key", "grid_cell", "metrics").iterator(
        chunk_size=500
    ):
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


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
