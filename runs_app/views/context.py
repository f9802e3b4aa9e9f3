"""What the run console's template and its live fragments need, built in one place."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from runs_app.forms import InjectForm
from runs_app.models import Run
from runs_app.selectors import (
    chat_messages,
    evaluation_list,
    run_event_types,
    run_list,
    run_metric_series,
    run_rooms_of_agent,
    step_last_index,
    timeline_list,
)
from runs_app.services.evaluation_panel import evaluation_context
from runs_app.services.live import LIVE_STATUSES, agents_with_pending, header_context
from runs_app.services.world import run_world
from runs_app.services.world_view import world_view_at
from runs_app.templatetags.console import EMOTION_COLOURS
from simengine.web.access import visible
from simengine.web.requests import AuthenticatedHttpRequest
from simengine.web.sharing import sharing_context


def run_rooms(run: Run) -> list[str]:
    """The room ids of the run's scenario version."""
    return [room.get("id") for room in run.scenario_version.spec.get("rooms", []) if room.get("id")]


def inject_targets(run: Run) -> list[tuple[str, Any]]:
    """Choices for the inject form: everyone, then agents and rooms as groups."""
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


def god_mode_context(run: Run) -> dict[str, Any]:
    """What the god-mode panel offers: settable world values, event forms, locations."""
    world = run_world(run)
    locations = world.state.get("locations")
    return {
        "world_values": sorted(world.values().items()),
        "event_forms": [
            {"type": kind, "params": params} for kind, params in world.event_types().items()
        ],
        "world_locations": list(locations) if isinstance(locations, dict) else [],
    }


def console_context(
    request: AuthenticatedHttpRequest,
    run: Run,
    *,
    control_error: str = "",
    agent_error: str = "",
    inject_form: InjectForm | None = None,
    inject_sent: str = "",
) -> dict[str, Any]:
    """Everything the run console shows, with the timeline and chat filters from the query."""
    agent_filter = request.GET.get("agent", "")
    type_filter = request.GET.get("type", "")
    chat_target = request.GET.get("chat", "all")
    header = header_context(run)
    last = step_last_index(run=run)
    world = world_view_at(run, last)
    return {
        **header,
        **god_mode_context(run),
        "emotion_legend": list(EMOTION_COLOURS.items()),
        "scenario": run.scenario_version.scenario,
        "agents": agents_with_pending(run, header["pending"]),
        "rooms": run_rooms(run),
        "series": run_metric_series(run_id=run.pk, after=0),
        "events": timeline_list(run=run, agent=agent_filter or None, type=type_filter or None),
        "event_types": run_event_types(run=run),
        "agent_filter": agent_filter,
        "type_filter": type_filter,
        "chat_target": chat_target,
        "chat_text": "",
        "chat_sender": "",
        "chat": chat_messages(run=run, target=chat_target),
        "chat_accept": chat_accept(run, chat_target),
        "evaluations": list(evaluation_list(run=run.pk)),
        **evaluation_context(run),
        "control_error": control_error,
        "agent_error": agent_error,
        "inject_form": inject_form or InjectForm(targets=inject_targets(run)),
        "inject_sent": inject_sent,
        "live": run.status in LIVE_STATUSES,
        "world": world.to_json() if world else None,
        "world_tick": last,
        "last_tick": last,
        "share_url": reverse("runs:shares", args=[run.pk]),
        **sharing_context(run, request.user),
    }


FORKS_SHOWN = 12


def forks_of(run: Run, user: Any) -> dict[str, Any]:
    """The run's forks the user may see: the first few by tick, and how many there are."""
    forks = visible(run_list(parent=run.pk), user).order_by("fork_step", "pk")
    shown = list(forks.values("pk", "fork_step")[:FORKS_SHOWN])
    count = len(shown) if len(shown) < FORKS_SHOWN else forks.count()
    return {"shown": shown, "count": count, "more": count - len(shown)}
