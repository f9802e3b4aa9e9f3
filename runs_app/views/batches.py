"""Batches: list with progress, starting one, and a batch's per-cell aggregates."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from runs_app.forms import BatchCreateForm
from runs_app.models import Batch, BatchStatus
from runs_app.selectors import batch_list
from runs_app.services.batches import batch_aggregates, batch_create, batch_progress
from runs_app.services.comparison import batch_cell_tables, batch_spread
from runs_app.services.errors import InvalidRunConfig
from scenarios_app.models import Scenario
from scenarios_app.selectors import llm_model_options
from simengine.web.access import fetch, visible
from simengine.web.requests import AuthenticatedHttpRequest
from simengine.web.sharing import sharing_context, sharing_post


def batch_list_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The 200 newest batches with their progress; htmx polls re-render only the table."""
    batches = list(visible(batch_list(), request.user)[:200])
    rows = [{"batch": batch, "progress": batch_progress(batch)} for batch in batches]
    context = {"rows": rows, "live": any(b.status == BatchStatus.RUNNING for b in batches)}
    if request.htmx and request.htmx.target == "batch-table":
        return render(request, "runs_app/batch_list.html#batch-table", context)
    return render(request, "runs_app/batch_list.html", context)


def batch_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Many seeds times a parameter grid, queued through the same run scheduler."""
    if request.method == "POST":
        data = request.POST.copy()
        scenario_id = data.get("scenario")
        if not data.get("version") and scenario_id:
            scenario = _readable_scenario(request, scenario_id)
            latest = scenario.latest_version if scenario else None
            data["version"] = str(latest.pk) if latest else ""
        form = BatchCreateForm(data, user=request.user)
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
        scenario = _readable_scenario(request, request.GET.get("scenario"))
        if scenario and scenario.latest_version:
            initial["version"] = scenario.latest_version.pk
        form = BatchCreateForm(initial=initial, user=request.user)
    return render(request, "runs_app/batch_new.html", {"form": form, "models": llm_model_options()})


def batch_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A batch's progress, per-cell tables, spread and runs; htmx polls re-render the progress."""
    batch = fetch(Batch.objects.select_related("scenario_version__scenario"), request.user, pk=pk)
    progress = batch_progress(batch)
    aggregates = batch.aggregates or batch_aggregates(batch)
    context = {
        "batch": batch,
        "share_url": reverse("runs:batch_shares", args=[batch.pk]),
        **sharing_context(batch, request.user),
        "progress": progress,
        "running": batch.status == BatchStatus.RUNNING,
        **batch_cell_tables(aggregates=aggregates),
        "spread": batch_spread(batch=batch),
        "runs": batch.runs.select_related("scenario_version__scenario").order_by(
            "cell_key", "seed"
        )[:300],
    }
    if request.htmx and request.htmx.target == "batch-progress":
        return render(request, "runs_app/batch_detail.html#progress", context)
    return render(request, "runs_app/batch_detail.html", context)


@require_POST
def batch_shares(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Save who the batch (and so its runs) is shared with (owner and staff only)."""
    batch = fetch(Batch, request.user, pk=pk)
    return sharing_post(request, batch, reverse("runs:batch_detail", args=[pk]))


def _readable_scenario(request: AuthenticatedHttpRequest, value: Any) -> Scenario | None:
    return visible(Scenario.objects.all(), request.user).filter(pk=_int(value)).first()


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
