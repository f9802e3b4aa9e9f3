"""Live regions of the run console: fragments since a step, the timeline, chats, decisions.

A watcher holds a cursor: the last step it saw and the events and messages at or after it
that it already has. `live_update` renders everything newer than the cursor as htmx
out-of-band fragments (header, counters, agents, new timeline rows and chat messages, and
the new per-tick metrics for the charts). The WebSocket consumer pushes these after every
tick; `GET /runs/<id>/since/<step>/` serves the same for a client that lost its socket, so a
reconnecting client catches up from the database and loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string

from runs_app.models import Event, Run, RunStatus
from runs_app.selectors import (
    chat_messages,
    decision_calls,
    run_events_after,
    run_get,
    run_messages_after,
    run_metric_series,
    timeline_list,
)
from runs_app.views.context import LIVE_STATUSES, chat_accept, header_context


@dataclass
class LiveCursor:
    """What one watcher has: the last step, and ids (-> step) of rows sent at or after it."""

    step: int
    events: dict[int, int] = field(default_factory=dict)
    messages: dict[int, int] = field(default_factory=dict)
    header: str = ""  # what the header showed; it is re-sent only when this changes


def live_update(run_id: int, cursor: LiveCursor) -> tuple[str, LiveCursor]:
    """The fragments a watcher at `cursor` is missing, and its cursor afterwards."""
    run = run_get(pk=run_id)
    series = run_metric_series(run_id=run_id, after=cursor.step)
    events = run_events_after(run_id=run_id, step=cursor.step, exclude=set(cursor.events))
    messages = run_messages_after(run_id=run_id, step=cursor.step, exclude=set(cursor.messages))
    step = max([cursor.step, *(point["i"] for point in series)])
    sent_events = {**cursor.events, **{e.id: e.step for e in events}}
    sent_messages = {**cursor.messages, **{m.id: m.step for m in messages}}
    header = header_context(run)
    header_key = "|".join(
        str(part)
        for part in (
            run.status,
            run.pending_steps,
            [control.pk for control in header["pending"]],
            run.end_reason,
            len(run.notes),
            bool(run.error),
        )
    )
    html = render_to_string(
        "runs_app/run_console.html#live",
        {
            **header,
            # Controls answered over HTTP also redraw the header, so it is only left
            # alone while a running run ticks (its buttons stay clickable).
            "header_changed": header_key != cursor.header or run.status != RunStatus.RUNNING,
            "agents": list(run.agents.order_by("id")),
            "new_events": events,
            "new_messages": messages,
            "new_series": series,
            "cursor_step": step,
            "live": run.status in LIVE_STATUSES,
        },
    )
    return html, LiveCursor(
        step=step,
        events={k: s for k, s in sent_events.items() if s >= step},
        messages={k: s for k, s in sent_messages.items() if s >= step},
        header=header_key,
    )


def run_since(request: HttpRequest, pk: int, step: int) -> HttpResponse:
    """Everything after `step` as out-of-band fragments (the socket-less catch-up)."""
    if not Run.objects.filter(pk=pk).exists():
        raise Http404(f"no run {pk}")
    html, _ = live_update(pk, LiveCursor(step=step))
    return HttpResponse(html)


def run_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(Run, pk=pk)
    agent, kind = request.GET.get("agent", ""), request.GET.get("type", "")
    events = timeline_list(run=run, agent=agent or None, type=kind or None)
    return render(
        request, "runs_app/run_console.html#timeline-rows", {"run": run, "events": events}
    )


def run_chat(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(Run, pk=pk)
    target = request.GET.get("chat", "all")
    return render(
        request,
        "runs_app/run_console.html#chat-log",
        {
            "run": run,
            "chat": chat_messages(run=run, target=target),
            "chat_target": target,
            "chat_accept": chat_accept(run, target),
        },
    )


def run_event_detail(request: HttpRequest, pk: int, event_pk: int) -> HttpResponse:
    """An event in full; a decision with its thought and the raw model calls behind it."""
    event = get_object_or_404(Event, pk=event_pk, run_id=pk)
    run = event.run
    calls = []
    if event.type in ("AgentDecided", "DecisionFailed"):
        calls = decision_calls(event=event, agent_ids=[])
    return render(
        request, "runs_app/event_detail.html", {"run": run, "event": event, "calls": calls}
    )
