"""The run console's god-mode panel: set a world value, fire an event, set an emotion.

Each form queues a control through the same services as the API; what is wrong comes back
as a list in the panel, each problem once, in the words of the form's fields.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_htmx.middleware import HtmxDetails

from runs_app.models import PendingControl, Run
from runs_app.selectors import run_get
from runs_app.services.errors import ControlRefused, InvalidControl
from runs_app.services.live import header_context
from runs_app.services.runs import run_set_emotion, run_set_world_value, run_trigger_event
from runs_app.services.world import event_input, run_world, typed_input, world_input
from runs_app.templatetags.console import EMOTION_COLOURS, control_text
from simengine.web.access import Level, fetch


class HtmxHttpRequest(HttpRequest):
    """A request seen by django-htmx's middleware."""

    htmx: HtmxDetails


GOD_MODE_ACTIONS = ("set_world_value", "fire_event", "set_emotion")
_NOT_PARAMS = {"type", "csrfmiddlewaretoken"}


@require_POST
def run_god_mode(request: HtmxHttpRequest, pk: int, action: str) -> HttpResponse:
    """Queue a god-mode control for the next tick; answer the panel's result (and header)."""
    if action not in GOD_MODE_ACTIONS:
        raise Http404(f"unknown god-mode action {action!r}")
    run = fetch(Run, request.user, Level.EDIT, pk=pk)
    errors: list[str] = []
    queued = ""
    try:
        control = _queue(request, run, action)
    except InvalidControl as exc:
        errors = form_errors(exc.errors)
    except ControlRefused as exc:
        errors = [exc.reason]
    else:
        queued = control_text(control)
    if not request.htmx:
        for line in errors:
            messages.error(request, line)
        if queued:
            messages.success(request, f"Queued for the next tick: {queued}")
        return redirect("runs:console", pk=pk)
    context = {**header_context(run_get(pk=pk)), "god_errors": errors, "god_queued": queued}
    return render(request, "runs_app/run_console.html#god-mode-answer", context)


def _queue(request: HttpRequest, run: Run, action: str) -> PendingControl:
    data = request.POST
    user = request.user if isinstance(request.user, AbstractBaseUser) else None
    if action == "set_world_value":
        path = data.get("path", "").strip()
        value = world_input(run_world(run), path, data.get("value", ""))
        return run_set_world_value(run=run, path=path, value=value, user=user)
    if action == "fire_event":
        kind = data.get("type", "").strip()
        fields = {k: str(data.get(k, "")) for k in data if k not in _NOT_PARAMS}
        params = event_input(run_world(run), kind, fields)
        return run_trigger_event(run=run, event_type=kind, params=params, user=user)
    feelings = {
        name: typed_input(data[name], "number")
        for name in EMOTION_COLOURS
        if data.get(name, "").strip()
    }
    return run_set_emotion(run=run, agent_name=data.get("agent", ""), emotion=feelings, user=user)


def form_errors(lines: list[str]) -> list[str]:
    """Service error lines in the panel's terms, each once.

    `path: ...` -> `...`, `event.surge: ...` -> `surge: ...`, `emotion.fear: ...` -> `fear: ...`.
    """
    shown: list[str] = []
    for line in lines:
        field, sep, message = line.partition(": ")
        if sep and field in ("path", "agent", "event.type"):
            line = message
        elif sep and field.startswith(("event.", "emotion.")):
            line = f"{field.split('.', 1)[1]}: {message}"
        if line not in shown:
            shown.append(line)
    return shown
