"""A run as it stood at one tick: its world view, metrics and agents, for the console and API.

Everything here reads the stored state of tick k through `selectors.snapshot_at`, so the
scrubber and the step API show exactly what was committed, without loading the run whole.
Tick 0 is the state before the first tick (rebuilt from the scenario, as god mode does).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from agents_app.models import Agent
from runs_app.models import Run
from runs_app.selectors import (
    snapshot_at,
    step_last_index,
    step_messages_at,
    step_metrics_at,
    step_world_events_at,
)
from runs_app.services.config import run_spec
from simengine.core.simulation import Simulation
from simengine.core.worlds import WorldKind, get_world_kind
from simengine.core.worlds.view import (
    Happening,
    Participant,
    Utterance,
    ViewContext,
    WorldView,
    tree_view,
)


class TickNotStored(LookupError):
    """The run has no stored state for the tick asked for."""

    def __init__(self, run: Run, index: int, last: int) -> None:
        """Name the run, the tick and the ticks it does have."""
        have = f"its stored ticks are 0 to {last}" if last else "it has no stored tick yet"
        super().__init__(f"run {run.pk} has no stored tick {index} ({have})")
        self.index = index
        self.last = last


@dataclass(frozen=True)
class RunAtTick:
    """What the console and the step API show of a run at tick `index` (of `last`)."""

    index: int
    last: int
    snapshot: dict[str, Any]
    metrics: dict[str, Any]
    view: WorldView | None
    agents: list[Agent]


def run_at_tick(run: Run, index: int) -> RunAtTick:
    """The run at tick `index` (0: before its first tick); `TickNotStored` when it has none."""
    last = step_last_index(run=run)
    if index == 0:
        snapshot = _initial_snapshot(run)
        metrics: dict[str, Any] = {}
    else:
        stored = snapshot_at(run, index) if 0 < index <= last else None
        if stored is None:
            raise TickNotStored(run, index, last)
        snapshot = stored
        metrics = step_metrics_at(run=run, index=index) or dict(snapshot.get("metrics") or {})
    return RunAtTick(
        index=index,
        last=last,
        snapshot=snapshot,
        metrics=metrics,
        view=world_view_of(run, snapshot, index),
        agents=agents_of(run, snapshot),
    )


def world_view_at(run: Run, index: int) -> WorldView | None:
    """The world view of tick `index` (None when the stored state has no world in it)."""
    snapshot = _initial_snapshot(run) if index == 0 else snapshot_at(run, index)
    return world_view_of(run, snapshot, index) if snapshot is not None else None


def world_view_of(run: Run, snapshot: dict[str, Any], index: int) -> WorldView | None:
    """The view model of a stored state, with the tick's words and world notices."""
    world = snapshot.get("world")
    if not isinstance(world, dict):
        return None
    kind = _kind(run, snapshot)
    agents = {row.name: row for row in run.agents.all()}
    participants = []
    for name, data in (snapshot.get("agents") or {}).items():
        row = agents.get(name)
        participants.append(
            Participant(
                name=name,
                kind=row.kind if row else "human",
                role=row.role if row else "",
                status=str(data.get("status", "active")),
                emotion={
                    k: v
                    for k, v in (data.get("emotion") or {}).items()
                    if isinstance(v, float | int)
                },
            )
        )
    context = ViewContext(
        tick=index,
        participants=tuple(participants),
        utterances=tuple(
            Utterance(speaker=m.sender, text=m.text, channel=m.channel, to=m.recipient)
            for m in step_messages_at(run=run, index=index)
            if m.sender != "operator"
        ),
        happenings=tuple(
            Happening(
                kind=str(e.data.get("kind", "")),
                text=str(e.data.get("text", "")),
                details=dict(e.data.get("details") or {}),
            )
            for e in step_world_events_at(run=run, index=index)
        ),
        world=run_spec(run).world,
    )
    try:
        state = kind.load_state(copy.deepcopy(world))
    except (KeyError, TypeError, ValueError):
        return tree_view(world, label=kind.name)  # a state the kind cannot read: show it plainly
    return kind.view(state, context)


def agents_of(run: Run, snapshot: dict[str, Any]) -> list[Agent]:
    """The run's agent rows as they stood in `snapshot`: status, emotion and location then.

    The rows are copies for display; nothing is saved.
    """
    kind = _kind(run, snapshot)
    world = snapshot.get("world")
    state = None
    if isinstance(world, dict):
        try:
            state = kind.load_state(copy.deepcopy(world))
        except (KeyError, TypeError, ValueError):
            state = None
    stored = snapshot.get("agents") or {}
    rows = []
    for agent in run.agents.order_by("id"):
        data = stored.get(agent.name)
        if data is not None:
            agent.status = str(data.get("status", agent.status))
            agent.emotion = dict(data.get("emotion") or {})
            where = kind.agent_details(state, agent.name).get("location") if state else None
            agent.location = where or ""
        agent.pending = []  # type: ignore[attr-defined]
        rows.append(agent)
    return rows


def _kind(run: Run, snapshot: dict[str, Any]) -> WorldKind:
    name = snapshot.get("world_kind") or run.scenario_version.spec.get("world", {}).get("kind")
    return get_world_kind(str(name))


def _initial_snapshot(run: Run) -> dict[str, Any]:
    simulation = Simulation.create(run_spec(run), seed=run.seed, run_id=str(run.pk))
    return simulation.snapshot()
