"""Live regions of the run console over HTTP: fragments since a step, timeline, chats, decisions.

The fragments are rendered by `runs_app.services.live`, as for the WebSocket.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from runs_app.models import Event, Run
from runs_app.selectors import chat_messages, decision_calls, timeline_list
from runs_app.services.live import LiveCursor, live_update
from runs_app.views.context import chat_accept
from simengine.web.access import fetch
from simengine.web.requests import AuthenticatedHttpRequest


def run_since(request: AuthenticatedHttpRequest, pk: int, step: int) -> HttpResponse:
    """Everything after `step` as out-of-band fragments (the socket-less catch-up)."""
    fetch(Run, request.user, pk=pk)
    html, _ = live_update(pk, LiveCursor(step=step))
    return HttpResponse(html)


def run_timeline(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The timeline's rows for the chosen agent and event type."""
    run = fetch(Run, request.user, pk=pk)
    agent, kind = request.GET.get("agent", ""), request.GET.get("type", "")
    events = timeline_list(run=run, agent=agent or None, type=kind or None)
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
            "chat": chat_messages(run=run, target=target, text=text, sender=sender),
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
