"""Creating runs and steering them: every control the console, API and CLI share.

The controls that change a run's status live in runs_app.services.lifecycle and are
re-exported here, beside creation and the controls queued for the next tick.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from runs_app.broadcast import broadcast_to_run, control_queued_payload
from runs_app.models import ControlKind, PendingControl, Run, RunStatus
from runs_app.services.adapters import agent_rows_for_new_run
from runs_app.services.config import build_run_spec, check_replay_sources
from runs_app.services.decisions import with_offline_fallbacks
from runs_app.services.errors import ControlRefused, InvalidControl
from runs_app.services.lifecycle import (
    refuse_if_final,
    run_pause,
    run_resume,
    run_start,
    run_step,
    run_stop,
    runs_admit,
)
from runs_app.services.world import run_world
from scenarios_app.models import ScenarioVersion
from simengine.core.agents import emotion_problems
from simengine.web.access import Level, require

__all__ = [
    "agent_set_status",
    "run_create",
    "run_duplicate",
    "run_inject_command",
    "run_inject_message",
    "run_pause",
    "run_reset",
    "run_resume",
    "run_set_emotion",
    "run_set_world_value",
    "run_start",
    "run_step",
    "run_stop",
    "run_trigger_event",
]


def run_create(
    *,
    version: ScenarioVersion,
    seed: int | None = None,
    overrides: dict[str, Any] | None = None,
    user: User | None = None,
    start: bool = True,
    batch=None,
    grid_cell: dict[str, Any] | None = None,
    fallback_to_offline: bool = True,
) -> Run:
    """Create a run (validating its overrides; InvalidRunConfig saves nothing) and queue it.

    With `fallback_to_offline`, agents whose model cannot be served now (Ollama down, a
    model not pulled, no API key) run on the offline policy, and the run's notes say so.
    The run is owned by `user`, who needs read rights on the scenario (404 otherwise).
    """
    if user is not None:
        require(version.scenario, user, Level.READ)
    overrides = overrides or {}
    spec = build_run_spec(version, grid_cell=grid_cell, overrides=overrides)
    check_replay_sources(spec, overrides, user=user)
    notes: list[str] = []
    if fallback_to_offline:
        overrides, notes = with_offline_fallbacks(spec, overrides)
        if notes:
            spec = build_run_spec(version, grid_cell=grid_cell, overrides=overrides)
    with transaction.atomic():
        run = Run.objects.create(
            scenario_version=version,
            seed=spec.seed if seed is None else seed,
            overrides=overrides,
            grid_cell=grid_cell or {},
            batch=batch,
            max_ticks=spec.termination.max_ticks,
            status=RunStatus.QUEUED if start else RunStatus.PAUSED,
            notes=notes,
            created_by=user,
            owner=user,
        )
        agent_rows_for_new_run(run, spec)
        if start:
            transaction.on_commit(runs_admit)
    return run


def _locked(run: Run) -> Run:
    return Run.objects.select_for_update().get(pk=run.pk)


def run_duplicate(
    *,
    run: Run,
    user: User | None = None,
    seed: int | None = None,
    overrides: dict[str, Any] | None = None,
    start: bool = True,
) -> Run:
    """A new run of the same version with the same settings, changed by `overrides`."""
    merged = dict(run.overrides)
    for key, value in (overrides or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return run_create(
        version=run.scenario_version,
        seed=run.seed if seed is None else seed,
        overrides=merged,
        user=user,
        start=start,
        grid_cell=run.grid_cell,
    )


def run_reset(*, run: Run, user: User | None = None) -> Run:
    """A fresh run with exactly the same configuration."""
    return run_duplicate(run=run, user=user)


_AGENT_STATUS_CONTROLS = {
    "active": ControlKind.RESUME_AGENT,
    "paused": ControlKind.PAUSE_AGENT,
    "muted": ControlKind.MUTE_AGENT,
    "terminated": ControlKind.TERMINATE_AGENT,
}


def _queue_control(
    run: Run, kind: str, payload: dict[str, Any], user: User | None
) -> PendingControl:
    """Queue a control for the next tick, recorded as a `control` event in the timeline."""
    with transaction.atomic():
        run = _locked(run)
        refuse_if_final(run, kind.replace("_", " "))
        control = PendingControl.objects.create(
            run=run, kind=kind, payload=payload, created_by=user
        )
        who = getattr(user, "username", "") or "system"
        run.events.create(
            step=run.current_step,
            type="control",
            data={"action": kind, "by": who, "queued": True, **payload},
        )
        payload_out = control_queued_payload(
            run_id=run.pk, step=run.current_step, kind=kind, control=control.pk
        )
        transaction.on_commit(lambda: broadcast_to_run(run.pk, payload_out))
    return control


def agent_set_status(
    *, run: Run, agent_name: str, status: str, user: User | None = None
) -> PendingControl:
    """Pause, mute, terminate or reactivate one agent at the next tick boundary."""
    if status not in _AGENT_STATUS_CONTROLS:
        raise ControlRefused(
            f"unknown agent status {status!r}: use active, paused, muted or terminated"
        )
    agent = run.agents.filter(name=agent_name).first()
    if agent is None:
        raise ControlRefused(f"run {run.pk} has no agent named {agent_name!r}")
    if agent.status == "terminated":
        raise ControlRefused(f"agent {agent_name!r} is terminated; it cannot be changed")
    return _queue_control(run, _AGENT_STATUS_CONTROLS[status], {"agent": agent_name}, user)


def run_inject_message(*, run: Run, to: str, text: str, user: User | None = None) -> PendingControl:
    """Deliver an operator message to `agent:<name>`, `room:<id>` or `all` at the next tick."""
    _check_target(run, to)
    return _queue_control(run, ControlKind.INJECT_MESSAGE, {"to": to, "text": text}, user)


def run_inject_command(
    *, run: Run, agent_name: str, text: str, user: User | None = None
) -> PendingControl:
    """Give one agent an operator command, shown in its next prompt as trusted instructions."""
    _check_target(run, f"agent:{agent_name}")
    return _queue_control(
        run, ControlKind.INJECT_COMMAND, {"agent": agent_name, "text": text}, user
    )


def run_set_world_value(
    *, run: Run, path: str, value: Any, user: User | None = None
) -> PendingControl:
    """God mode: set one world value by dotted path (e.g. `water_level`) at the next tick.

    The path and value are checked against the world kind's current state first:
    InvalidControl (400) names an unknown path or a value of the wrong type.
    """
    refuse_if_final(run, "change the world of")
    world = run_world(run)
    problems = world.kind.check_world_value(world.state, path, value)
    if problems:
        raise InvalidControl([f"path: {problem}" for problem in problems])
    return _queue_control(run, ControlKind.SET_WORLD_VALUE, {"path": path, "value": value}, user)


def run_trigger_event(
    *,
    run: Run,
    event_type: str,
    params: dict[str, Any] | None = None,
    user: User | None = None,
) -> PendingControl:
    """God mode: fire a scripted event type of the world kind at the next tick boundary."""
    refuse_if_final(run, "fire an event in")
    params = params or {}
    world = run_world(run)
    problems = world.kind.check_event(event_type, params, world.state)
    if problems:
        raise InvalidControl([_event_line(problem) for problem in problems])
    return _queue_control(
        run, ControlKind.TRIGGER_EVENT, {"type": event_type, "params": params}, user
    )


def run_set_emotion(
    *,
    run: Run,
    agent_name: str,
    emotion: dict[str, Any],
    user: User | None = None,
) -> PendingControl:
    """God mode: set some of an agent's feelings (each 0..1) at the next tick boundary."""
    refuse_if_final(run, "change an emotion in")
    agent = run.agents.filter(name=agent_name).first()
    problems = []
    if agent is None:
        known = ", ".join(run.agents.order_by("id").values_list("name", flat=True))
        problems.append(f"agent: run {run.pk} has no agent named '{agent_name}' (known: {known})")
    elif agent.status == "terminated":
        problems.append(f"agent: '{agent_name}' is terminated; its emotion cannot change")
    problems += emotion_problems(emotion)
    if problems:
        raise InvalidControl(problems)
    payload = {"agent": agent_name, "emotion": dict(emotion)}
    return _queue_control(run, ControlKind.SET_EMOTION, payload, user)


def _event_line(problem: str) -> str:
    return problem if problem.startswith("event") else f"event.type: {problem}"


def _check_target(run: Run, to: str) -> None:
    kind, _, name = to.partition(":")
    if to == "all":
        return
    if kind == "agent" and run.agents.filter(name=name).exists():
        return
    if kind == "room":
        rooms = {room.get("id") for room in run.scenario_version.spec.get("rooms", [])}
        if name in rooms:
            return
        raise ControlRefused(f"run {run.pk} has no room {name!r}")
    if kind == "agent":
        raise ControlRefused(f"run {run.pk} has no agent named {name!r}")
    raise ControlRefused(f"unknown recipient {to!r}: use agent:<name>, room:<id> or all")
