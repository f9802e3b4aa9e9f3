"""What the run console's template and its live fragments need, built in one place."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from runs_app.forms import InjectForm
from runs_app.models import FINAL_RUN_STATUSES, PendingControl, Run, RunStatus, Step
from runs_app.selectors import (
    chat_messages,
    evaluation_list,
    run_event_types,
    run_metric_series,
    run_rooms_of_agent,
    timeline_list,
)
from runs_app.views.evaluation import evaluation_context

LIVE_STATUSES = tuple(status for status in RunStatus if status not in FINAL_RUN_STATUSES)


def run_controls(run: Run) -> dict[str, bool]:
    """Which control buttons apply to the run's current status."""
    final = run.status in FINAL_RUN_STATUSES
    paused = run.status == RunStatus.PAUSED
    return {
        "start": paused and run.current_step == 0 and not run.pending_steps,
        "resume": paused and run.current_step > 0 and not run.pending_steps,
        "pause": run.status in (RunStatus.RUNNING, RunStatus.QUEUED),
        "step": paused and not run.pending_steps,
        "stop": not final and run.status != RunStatus.STOPPING,
        "final": final,
    }


def run_rooms(run: Run) -> list[str]:
    return [room.get("id") for room in run.scenario_version.spec.get("rooms", []) if room.get("id")]


def inject_targets(run: Run) -> list[tuple[str, Any]]:
    agents = [(f"agent:{name}", name) for name in run.agents.values_list("name", flat=True)]
    rooms = [(f"room:{room}", f"#{room}") for room in run_rooms(run)]
    choices: list[tuple[str, Any]] = [("all", "Everyone")]
    if agents:
        choices.append(("Agents", agents))
    if rooms:
        choices.append(("Rooms", rooms))
    return choices


def chat_accept(run: Run, target: str) -> str:
    """The message tokens a chat view shows (see the `message_parties` filter)."""
    kind, _, name = target.partition(":")
    if kind == "room" and name:
        return f"room:{name}"
    if kind == "agent" and name:
        rooms = run_rooms_of_agent(run=run, agent_name=name)
        return "|".join([f"agent:{name}", "all", *(f"room:{room}" for room in rooms)])
    return "*"


def header_context(run: Run) -> dict[str, Any]:
    latest = Step.objects.filter(run=run).order_by("-index").values_list("metrics", flat=True)
    metrics = latest.first() or run.metrics or {}
    return {
        "run": run,
        "controls": run_controls(run),
        "metrics": {k: v for k, v in metrics.items() if isinstance(v, int | float) or v is None},
        "progress": round(100 * run.current_step / run.max_ticks) if run.max_ticks else 0,
        "pending": list(PendingControl.objects.filter(run=run, applied_step=None).order_by("id")),
    }


def console_context(
    request: HttpRequest,
    run: Run,
    *,
    control_error: str = "",
    agent_error: str = "",
    inject_form: InjectForm | None = None,
    inject_sent: str = "",
) -> dict[str, Any]:
    agent_filter = request.GET.get("agent", "")
    type_filter = request.GET.get("type", "")
    chat_target = request.GET.get("chat", "all")
    return {
        **header_context(run),
        "scenario": run.scenario_version.scenario,
        "agents": list(run.agents.order_by("id")),
        "rooms": run_rooms(run),
        "series": run_metric_series(run_id=run.pk, after=0),
        "events": timeline_list(run=run, agent=agent_filter or None, type=type_filter or None),
        "event_types": run_event_types(run=run),
        "agent_filter": agent_filter,
        "type_filter": type_filter,
        "chat_target": chat_target,
        "chat": chat_messages(run=run, target=chat_target),
        "chat_accept": chat_accept(run, chat_target),
        "evaluations": list(evaluation_list(run=run.pk)),
        **evaluation_context(run),
        "control_error": control_error,
        "agent_error": agent_error,
        "inject_form": inject_form or InjectForm(targets=inject_targets(run)),
        "inject_sent": inject_sent,
        "live": run.status in LIVE_STATUSES,
    }
