"""Comparing runs: side-by-side metrics, overlaid per-tick charts, scores, spread per cell."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render

from runs_app.models import Batch
from runs_app.selectors import runs_for_comparison
from runs_app.services.comparison import runs_comparison
from simengine.web.access import visible
from simengine.web.requests import AuthenticatedHttpRequest


def run_compare(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Runs picked by id (or a whole batch) compared side by side."""
    ids = _ids(request.GET.getlist("runs"))
    batches = visible(Batch.objects.all(), request.user)
    batch = batches.filter(pk=_int(request.GET.get("batch"))).first()
    runs = runs_for_comparison(run_ids=ids, batch=batch.pk if batch else None, user=request.user)
    context: dict[str, Any] = {"runs": runs, "batch": batch, "ids": ids}
    if runs:
        context.update(runs_comparison(runs=runs))
    return render(request, "runs_app/run_compare.html", context)


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
