"""Console pages for long-term memory: an agent's memories, and those a decision recalled."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from agents_app.models import Agent, MemoryKind
from runs_app.models import Event, Run
from runs_app.selectors import (
    memory_list,
    memory_recall_counts,
    memory_recalled_for_decision,
    memory_store_of,
)
from simengine.web.access import fetch

PAGE = 100


def _number(raw: str | None, cast: type, low: float, high: float) -> float | int | None:
    """A query value in range, or None (the page ignores what it cannot read)."""
    try:
        value = cast(raw)
    except (TypeError, ValueError):
        return None
    return value if low <= value <= high else None


def agent_memories(request: HttpRequest, pk: int, agent_pk: int) -> HttpResponse:
    """An agent's long-term memories, newest first, with importance and recall scores."""
    run = fetch(Run, request.user, pk=pk)
    agent = get_object_or_404(Agent, pk=agent_pk, run=run)
    kind = request.GET.get("kind") or None
    if kind not in MemoryKind.values:
        kind = None
    q = (request.GET.get("q") or "").strip()[:200]
    importance = _number(request.GET.get("min_importance"), float, 0, 1)
    before = _number(request.GET.get("before"), int, 0, 2**31 - 1)
    memories = memory_list(agent=agent, kind=kind, min_importance=importance, q=q or None)
    total = memories.count()
    if before is not None:
        memories = memories.filter(seq__lt=before)
    rows = list(memories.order_by("-seq")[: PAGE + 1])
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    recall = memory_recall_counts(agent=agent)
    context = {
        "run": run,
        "agent": agent,
        "rows": [(m, recall.get(m.seq)) for m in rows],
        "total": total,
        "store": memory_store_of(agent=agent),
        "kinds": MemoryKind.values,
        "filters": {"kind": kind or "", "q": q, "min_importance": importance},
        "older": rows[-1].seq if more and rows else None,
        "recalled_total": sum(r["times"] for r in recall.values()),
    }
    if request.headers.get("HX-Request"):
        return render(request, "runs_app/agent_memories.html#memory-table", context)
    return render(request, "runs_app/agent_memories.html", context)


def decision_memories(request: HttpRequest, pk: int, event_pk: int) -> HttpResponse:
    """The memories a decision recalled, best first, with the parts of each score."""
    fetch(Run, request.user, pk=pk)
    event = get_object_or_404(Event, pk=event_pk, run_id=pk)
    agent = Agent.objects.filter(run_id=pk, name=event.agent).first()
    return render(
        request,
        "runs_app/_decision_memories.html",
        {
            "run": event.run,
            "event": event,
            "agent": agent,
            "recalled": memory_recalled_for_decision(event=event),
        },
    )
