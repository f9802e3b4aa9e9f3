"""Forking a run: a new run that continues from exactly the state stored at one tick.

The fork starts from the parent's snapshot at tick k (world, agents with their emotions
and memory, undelivered messages, budgets; every random draw derives from the seed and
the tick, so there is no generator position to carry) and its first executed tick is
k + 1. It holds a copy of tick k (a keyframe) and of the memory records up to k, so it
stands on its own: execution restores it like any run resumed after a pause.

Changes apply through the services a live run uses: seed, parameters, agent models and
tick limit through the run's spec (validated as at creation); world values, events,
emotions and operator messages as controls queued for tick k + 1. Any refusal leaves
nothing behind (one transaction).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from agents_app.models import AgentMemory
from runs_app.models import Event, Run, RunStatus, Step
from runs_app.services.adapters import agent_rows_for_simulation, memory_records, memory_rows
from runs_app.services.config import build_run_spec, check_replay_sources
from runs_app.services.decisions import with_offline_fallbacks
from runs_app.services.errors import ControlRefused, InvalidRunConfig
from runs_app.services.lifecycle import runs_admit
from runs_app.services.runs import (
    run_inject_message,
    run_set_emotion,
    run_set_world_value,
    run_trigger_event,
)
from runs_app.services.snapshots import latest_step_index, snapshot_at, snapshot_fields
from simengine.core.simulation import Simulation
from simengine.core.worlds import get_world_kind

# Keys of `overrides` that configure the fork's spec (kept on the run) ...
SPEC_KEYS = ("params", "templates", "model_override", "max_ticks")
# ... and those applied once, as controls queued for the fork's first tick.
CONTROL_KEYS = ("world", "events", "emotions", "messages")
MEMORY_CHUNK = 2000


@dataclass(frozen=True)
class ForkChanges:
    """A fork's one-time changes, queued as controls for its first tick."""

    world: dict[str, Any] = field(default_factory=dict)  # dotted path -> value
    events: list[dict[str, Any]] = field(default_factory=list)  # {"type", ...params}
    emotions: dict[str, dict[str, Any]] = field(default_factory=dict)  # agent -> feelings
    messages: list[dict[str, Any]] = field(default_factory=list)  # {"to", "text"}


def run_fork(
    *,
    run: Run,
    step: int,
    seed: int | None = None,
    overrides: dict[str, Any] | None = None,
    user: User | None = None,
    start: bool = True,
) -> Run:
    """A new run continuing `run` from its stored tick `step`, changed by `overrides`.

    `overrides` takes the run keys (`params`, `templates`, `model_override`, `max_ticks`),
    merged over the parent's, and one-time changes (`world`: path -> value, `events`,
    `emotions`: agent -> feelings, `messages`: [{"to", "text"}]). ControlRefused (409)
    for a queued parent; InvalidRunConfig / InvalidControl (400) name a bad step or
    override. Nothing is saved unless the fork is whole.
    """
    spec_overrides, changes = _split(overrides or {})
    snapshot = _state_at(run, step)
    merged = _merged(run.overrides, spec_overrides, run.scenario_version.spec)
    spec = build_run_spec(run.scenario_version, grid_cell=run.grid_cell, overrides=merged)
    check_replay_sources(spec, merged, user=user)
    merged, notes = with_offline_fallbacks(spec, merged)
    if notes:
        spec = build_run_spec(run.scenario_version, grid_cell=run.grid_cell, overrides=merged)
    fork_seed = run.seed if seed is None else seed
    snapshot = _reopened(snapshot, step, spec.termination.max_ticks, run.pk)
    metrics = Step.objects.filter(run=run, index=step).values_list("metrics", flat=True).get()
    memories = memory_records(run.pk, upto=step)
    with transaction.atomic():
        fork = Run.objects.create(
            scenario_version=run.scenario_version,
            seed=fork_seed,
            overrides=merged,
            grid_cell=run.grid_cell,
            max_ticks=spec.termination.max_ticks,
            status=RunStatus.QUEUED if start else RunStatus.PAUSED,
            notes=notes,
            created_by=user,
            owner=user,
            parent=run,
            fork_step=step,
            current_step=step,
            metrics=metrics,
        )
        try:
            simulation = Simulation.restore(
                spec,
                {**snapshot, "seed": fork_seed, "run_id": str(fork.pk)},
                run_id=str(fork.pk),
                model_override=merged.get("model_override") or None,
                memories=memories,
            )
        except (KeyError, ValueError) as exc:
            raise InvalidRunConfig(
                [f"overrides: the changed scenario does not fit the state at tick {step} ({exc})"]
            ) from None
        if set(simulation.agents) != set(snapshot.get("agents", {})):
            raise InvalidRunConfig(
                [
                    "overrides.templates: a fork keeps the agents of the state it continues"
                    f" ({len(snapshot.get('agents', {}))} at tick {step}); change models and"
                    " settings, not how many there are"
                ]
            )
        owners = agent_rows_for_simulation(fork, simulation)
        stored = snapshot_fields(step, simulation.snapshot(), None)
        Step.objects.create(run=fork, index=step, metrics=metrics, **stored)
        rows = memory_rows(fork.pk, memories, owners)
        AgentMemory.objects.bulk_create(rows, batch_size=MEMORY_CHUNK)
        Event.objects.create(
            run=fork,
            step=step,
            type="RunForked",
            data={"parent": run.pk, "step": step, "seed": fork_seed, "overrides": spec_overrides},
        )
        _queue_changes(fork, spec_overrides.get("params", {}), changes, user)
        if start:
            transaction.on_commit(runs_admit)
    return fork


def _split(overrides: dict[str, Any]) -> tuple[dict[str, Any], ForkChanges]:
    if not isinstance(overrides, dict):
        raise InvalidRunConfig(["overrides: expected a mapping"])
    unknown = sorted(set(overrides) - set(SPEC_KEYS) - set(CONTROL_KEYS))
    if unknown:
        known = ", ".join((*SPEC_KEYS, *CONTROL_KEYS))
        raise InvalidRunConfig([f"overrides.{key}: unknown key (use {known})" for key in unknown])
    errors = []
    shapes = {"world": dict, "events": list, "emotions": dict, "messages": list}
    for key, shape in shapes.items():
        if key in overrides and not isinstance(overrides[key], shape):
            errors.append(f"overrides.{key}: expected a {'mapping' if shape is dict else 'list'}")
    if errors:
        raise InvalidRunConfig(errors)
    spec_overrides = {k: overrides[k] for k in SPEC_KEYS if overrides.get(k) not in (None, "", {})}
    changes = ForkChanges(**{k: overrides[k] for k in CONTROL_KEYS if k in overrides})
    return spec_overrides, changes


def _state_at(run: Run, step: Any) -> dict[str, Any]:
    """The parent's stored snapshot at `step`, or the refusal naming what is wrong."""
    if run.status == RunStatus.QUEUED:
        raise ControlRefused(f"cannot fork run {run.pk}: it is still queued and has no ticks")
    if isinstance(step, bool) or not isinstance(step, int):
        raise InvalidRunConfig([f"step: expected a tick number, got {step!r}"])
    last = latest_step_index(run.pk)
    if last is None:
        raise InvalidRunConfig([f"step: run {run.pk} has no stored tick to fork from yet"])
    if not 1 <= step <= last:
        raise InvalidRunConfig(
            [f"step: run {run.pk} has stored ticks 1 to {last}; there is no tick {step}"]
        )
    snapshot = snapshot_at(run.pk, step)
    if snapshot is None:
        raise InvalidRunConfig([f"step: run {run.pk} has no stored tick {step}"])
    return snapshot


def _reopened(snapshot: dict[str, Any], step: int, max_ticks: int, run_id: int) -> dict[str, Any]:
    """The state to continue from: a run that ended at `step` only reopens for more ticks."""
    if not snapshot.get("finished"):
        return snapshot
    if snapshot.get("end_reason") == "max_ticks" and max_ticks > step:
        return {**snapshot, "finished": False, "end_reason": None, "end_detail": ""}
    reason = snapshot.get("end_reason") or "ended"
    raise InvalidRunConfig(
        [
            f"step: run {run_id} ended at tick {step} ({reason}); fork from an earlier tick"
            + (" or raise overrides.max_ticks" if reason == "max_ticks" else "")
        ]
    )


def _merged(base: dict[str, Any], changes: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """The parent's overrides changed by the fork's.

    Agent models given per template win over a `model_override` inherited from the parent
    (which would otherwise replace every model): the inherited one is written out for the
    other templates instead.
    """
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    new_models = any("model" in v for v in changes.get("templates", {}).values())
    if new_models and "model_override" not in changes and merged.get("model_override"):
        inherited = merged.pop("model_override")
        templates = {k: dict(v) for k, v in merged.get("templates", {}).items()}
        for template in spec.get("agent_templates", []):
            if template.get("kind", "human") != "environment" and template.get("id"):
                templates.setdefault(template["id"], {}).setdefault("model", inherited)
        merged["templates"] = templates
    return merged


def _queue_changes(
    fork: Run, params: dict[str, Any], changes: ForkChanges, user: User | None
) -> None:
    """Queue the one-time changes (and parameters the world state holds) for tick k + 1."""
    world = dict(_state_params(fork, params))
    world.update(changes.world)
    for path, value in world.items():
        run_set_world_value(run=fork, path=str(path), value=value, user=user)
    for event in changes.events:
        if not isinstance(event, dict) or "type" not in event:
            raise InvalidRunConfig(['overrides.events: each event needs a "type"'])
        params = {k: v for k, v in event.items() if k != "type"}
        run_trigger_event(run=fork, event_type=str(event["type"]), params=params, user=user)
    for agent, emotion in changes.emotions.items():
        run_set_emotion(run=fork, agent_name=str(agent), emotion=emotion, user=user)
    for message in changes.messages:
        if not isinstance(message, dict) or not str(message.get("text", "")).strip():
            raise InvalidRunConfig(['overrides.messages: each message needs a "text"'])
        to = str(message.get("to") or "all")
        run_inject_message(run=fork, to=to, text=str(message["text"]), user=user)


def _state_params(fork: Run, params: dict[str, Any]) -> dict[str, Any]:
    """World-state paths mirroring the changed parameters (`params.<name>`), with values.

    A parameter the world kind copies into its state at tick 0 would otherwise keep its
    old value in a fork; the others take effect through the spec alone.
    """
    if not params:
        return {}
    kind_name = str(fork.scenario_version.spec.get("world", {}).get("kind", ""))
    snapshot = snapshot_at(fork.pk, fork.current_step) or {}
    settable = get_world_kind(kind_name).world_values(snapshot.get("world", {}))
    paths = {}
    for name, value in params.items():
        short = name.removeprefix("world.params.")
        for path in (f"params.{short}", short):  # the parameter, and the value it set at 0
            if path in settable:
                paths[path] = value
    return paths
