"""The call explorer pages.

Filtered calls with totals, cost and histograms; one call; the prompt diff between two ticks
of one agent.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.middleware import HtmxDetails
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from agents_app.selectors import agent_list
from runs_app.forms import CallFilterForm, PromptDiffForm
from runs_app.models import LLMCall
from runs_app.selectors import (
    llm_call_get,
    llm_call_models,
    llm_call_neighbours,
    llm_call_prompt_at,
    llm_call_purposes,
    llm_call_search,
    run_exists,
)
from runs_app.services.calls import call_prompt_diff, call_stats
from simengine.api.pagination import SortedKeysetPagination


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware."""

    htmx: HtmxDetails


PAGE_SIZE = 50
SORTS = {
    "id": ("id",),
    "-id": ("-id",),
    "latency": ("latency_ms", "id"),
    "-latency": ("-latency_ms", "-id"),
    "tokens": ("tokens_total", "id"),
    "-tokens": ("-tokens_total", "-id"),
}


class _Ordering:
    def __init__(self, fields: tuple[str, ...]) -> None:
        self.keyset_ordering = fields


def llm_call_explorer(request: HtmxHttpRequest) -> HttpResponse:
    """Calls across runs, filtered; totals, cost, outcome counts, histograms; keyset pages."""
    form = CallFilterForm(
        request.GET or None, models=llm_call_models(), purposes=llm_call_purposes()
    )
    context: dict[str, Any] = {"form": form, "calls": [], "stats": None, "error": ""}
    filters: dict[str, Any] = {}
    sort = "-id"
    if form.is_bound and not form.is_valid():
        context["error"] = "Fix the filters marked below."
    elif form.is_bound:
        filters, sort = form.filters(), form.cleaned_data.get("sort") or "-id"
    if not context["error"]:
        run = filters.get("run")
        if run is not None and not run_exists(pk=run, user=request.user):
            context["error"] = f"There is no run {filters['run']}."
        else:
            context.update(_page(request, llm_call_search(**filters, user=request.user), sort))
            context["stats"] = call_stats(llm_call_search(**filters, user=request.user))
    context["filters"] = filters
    if request.htmx and request.htmx.target == "explorer":
        return render(request, "runs_app/llm_call_explorer.html#explorer", context)
    return render(request, "runs_app/llm_call_explorer.html", context)


def _page(request: HttpRequest, calls: Any, sort: str) -> dict[str, Any]:
    paginator = SortedKeysetPagination()
    paginator.default_limit = PAGE_SIZE
    try:
        rows = paginator.paginate_queryset(calls, Request(request), _Ordering(SORTS[sort]))
    except ValidationError:
        return {"page_error": "That page link is no longer valid for these filters."}
    next_url, previous_url = paginator.links()
    return {"calls": rows, "next_url": next_url, "previous_url": previous_url}


def llm_call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One call: its prompt, response, parsed JSON, tokens, latency and outcome."""
    try:
        call = llm_call_get(pk=pk, user=request.user)
    except LLMCall.DoesNotExist:
        raise Http404(f"no LLM call {pk}") from None
    before, after = llm_call_neighbours(call=call)
    return render(
        request,
        "runs_app/llm_call_detail.html",
        {"call": call, "before": before, "after": after},
    )


def prompt_diff_page(request: HtmxHttpRequest) -> HttpResponse:
    """How one agent's prompt changed between two ticks: the stable prefix, then a diff."""
    form = PromptDiffForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "diff": None, "error": "", "agents": []}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if not run_exists(pk=data["run"], user=request.user):
            context["error"] = f"There is no run {data['run']}."
        else:
            context["agents"] = [a.name for a in agent_list(run=data["run"])]
            try:
                a, b = (
                    llm_call_prompt_at(run=data["run"], agent=data["agent"], step=data[key])
                    for key in ("a", "b")
                )
            except LLMCall.DoesNotExist as exc:
                context["error"] = f"{exc}."
            else:
                context.update({"a": a, "b": b, "diff": call_prompt_diff(a, b)})
    return render(request, "runs_app/llm_call_diff.html", context)
