"""Live regions of the run console over HTTP: fragments since a step, timeline, chats, decisions.

The fragments are rendered by `runs_app.services.live`, as for the WebSocket.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, HttpResponseNotFound
from django.shortcuts import get_object_or_404, render

from runs_app.models import Event, Run
from runs_app.selectors import chat_messages, decision_calls, step_last_index, timeline_list
from runs_app.services.live import LiveCursor, agents_with_pending, header_context, live_update
from runs_app.services.world_view import TickNotStored, run_at_tick, world_view_at
from runs_app.views.context import chat_accept
from simengine.web.access import fetch
from simengine.web.requests import AuthenticatedHttpRequest


def _until(request: AuthenticatedHttpRequest) -> int | None:
    """The `until` tick of a scrubbed console's request (None: up to now)."""
    value = request.GET.get("until", "").strip()
    return int(value) if value.isdigit() else None


def _filters(request: AuthenticatedHttpRequest) -> dict[str, str]:
    return {
        "agent": request.GET.get("agent", ""),
        "type": request.GET.get("type", ""),
        "chat": request.GET.get("chat", "all") or "all",
        "text": request.GET.get("text", "").strip()[:200],
        "sender": request.GET.get("sender", "").strip()[:200],
    }


# A scrubbed console shows the newest rows up to its tick: fewer than a live page, so
# dragging the slider stays quick on long runs.
SCRUBBED_ROWS = 150


def _regions_context(
    request: AuthenticatedHttpRequest, run: Run, until: int | None
) -> dict[str, Any]:
    """The timeline and chat of the console's current filters, up to tick `until`."""
    f = _filters(request)
    rows = {"limit": SCRUBBED_ROWS} if until is not None else {}
    return {
        "events": timeline_list(
            run=run, agent=f["agent"] or None, type=f["type"] or None, until=until, **rows
        ),
        "chat": chat_messages(
            run=run, target=f["chat"], text=f["text"], sender=f["sender"], until=until, **rows
        ),
        "chat_target": f["chat"],
        "chat_text": f["text"],
        "chat_sender": f["sender"],
        "chat_accept": chat_accept(run, f["chat"]),
    }


def run_at(request: AuthenticatedHttpRequest, pk: int, step: int) -> HttpResponse:
    """The console's regions as they stood at tick `step`, as out-of-band fragments.

    Tiles, agents (status, emotion, location then), world view, and the timeline and chat
    up to that tick, from the stored state; 404 naming the tick when it is not stored.
    """
    run = fetch(Run, request.user, pk=pk)
    try:
        at = run_at_tick(run, step)
    except TickNotStored as exc:
        return HttpResponseNotFound(str(exc), content_type="text/plain")
    context = {
        "run": run,
        "controls": {"final": True},
        "scrubbed": True,
        "metrics": {k: v for k, v in at.metrics.items() if isinstance(v, int | float) or v is None},
        "agents": at.agents,
        "world": at.view.to_json() if at.view else None,
        "world_tick": at.index,
        "last_tick": at.last,
        **_regions_context(request, run, step),
    }
    return render(request, "runs_app/run_console.html#regions", context)


def run_now(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The console's regions as they stand now (back to live from a scrubbed tick)."""
    run = fetch(Run, request.user, pk=pk)
    header = header_context(run)
    last = step_last_index(run=run)
    view = world_view_at(run, last)
    context = {
        **header,
        "scrubbed": False,
        "agents": agents_with_pending(run, header["pending"]),
        "world": view.to_json() if view else None,
        "world_tick": last,
        "last_tick": last,
        **_regions_context(request, run, None),
    }
    return render(request, "runs_app/run_console.html#regions", context)


def run_since(request: AuthenticatedHttpRequest, pk: int, step: int) -> HttpResponse:
    """Everything after `step` as out-of-band fragments (the socket-less catch-up)."""
    fetch(Run, request.user, pk=pk)
    html, _ = live_update(pk, LiveCursor(step=step))
    return HttpResponse(html)


def run_timeline(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The timeline's rows for the chosen agent and event type."""
    run = fetch(Run, request.user, pk=pk)
    agent, kind = request.GET.get("agent", ""), request.GET.get("type", "")
    events = timeline_list(run=run, agent=agent or None, type=kind or None, until=_until(request))
    return render(
        request, "runs_app/run_console.html#timeline-rows", {"run": run, "events": events}
    )


def run_chat(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The chat log of everyone, an agent or a room, searched by text and sender."""
    run = fetch(Run, request.user, pk=pk)
    target = request.GET.get("chat", "all")
    text = request.GET.get("text", "").strip()[:200]
    sender = request.GET.get("sender", "").strip()[:200]
    return render(
        request,
        "runs_app/run_console.html#chat-log",
        {
            "run": run,
            "chat": chat_messages(
                run=run, target=target, text=text, sender=sender, until=_until(request)
            ),
            "chat_target": target,
            "chat_text": text,
            "chat_sender": sender,
            "chat_accept": chat_accept(run, target),
        },
    )


def run_event_detail(request: AuthenticatedHttpRequest, pk: int, event_pk: int) -> HttpResponse:
    """An event in full; a decision with its thought and the raw model calls behind it."""
    run = fetch(Run, request.user, pk=pk)
    event = get_object_or_404(Event, pk=event_pk, run=run)
    calls = []
    if event.type in ("AgentDecided", "DecisionFailed"):
        calls = decision_calls(event=event, agent_ids=[])
    return render(
        request, "runs_app/event_detail.html", {"run": run, "event": event, "calls": calls}
    )
