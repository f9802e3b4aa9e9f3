"""`SimulationState`: everything one run holds between ticks, as one typed record.

`Simulation` owns one and composes the tick's helpers around it: `Turns` (turns.py),
`apply_control` (steering.py) and `check_termination` (termination.py) all take it as
an explicit argument, so imports point one way (simulation -> helpers -> this module).
It is also the unit of persistence: `to_snapshot` / `from_snapshot` round-trip it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from simengine.core.agents import AgentState, AgentStatus
from simengine.core.bus import MessageBus
from simengine.core.memory import MemoryRecord
from simengine.core.metrics import AgentTally, MetricContext, compute_metrics
from simengine.core.spec.models import ScenarioSpec
from simengine.core.worlds import WorldKind, get_world_kind

SNAPSHOT_VERSION = 1


@dataclass
class SimulationState:
    """The mutable state of one run: spec, world, agents, bus, progress and budgets."""

    spec: ScenarioSpec
    seed: int
    run_id: str
    kind: WorldKind
    roster: list[str]  # every agent's name, in spec order
    agents: dict[str, AgentState]  # shared with `bus` (the same dict)
    world: Any  # the world kind's state object
    bus: MessageBus
    tick: int = 0
    finished: bool = False
    end_reason: str | None = None
    end_detail: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    woken: set[str] = field(default_factory=set)
    fired_events: list[int] = field(default_factory=list)
    run_tokens: int = 0
    run_budget_exceeded: bool = False
    stop_reason: str | None = None  # set by a StopRun control; the run ends this tick

    @classmethod
    def build(
        cls, spec: ScenarioSpec, *, seed: int, run_id: str, model_override: str | None
    ) -> SimulationState:
        """The state at tick 0, before metrics: agents expanded, world and bus created."""
        kind = get_world_kind(spec.world.kind)
        specs = spec.agents(tuple(kind.actions))
        agents: dict[str, AgentState] = {}
        for agent in specs:
            model = agent.model
            if model_override and agent.kind != "environment":
                model = model_override
            agents[agent.name] = AgentState.create(agent, model)
        return cls(
            spec=spec,
            seed=seed,
            run_id=run_id,
            kind=kind,
            roster=[a.name for a in specs],
            agents=agents,
            world=kind.initial_state(spec, specs),
            bus=MessageBus(run_id, agents, spec.room_members()),
        )

    @classmethod
    def from_snapshot(
        cls,
        spec: ScenarioSpec,
        snapshot: dict[str, Any],
        *,
        run_id: str,
        model_override: str | None,
        memories: Iterable[MemoryRecord] = (),
    ) -> SimulationState:
        """The state as it was when `to_snapshot()` was taken, with its memory records."""
        if snapshot.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"unsupported snapshot version {snapshot.get('version')!r}")
        state = cls.build(spec, seed=snapshot["seed"], run_id=run_id, model_override=model_override)
        # a snapshot read back from a jsonb column has its keys re-ordered (by length):
        # put them back in the order a fresh world has them, so a restored run iterates
        # places and agents exactly as the uninterrupted run does
        world = in_order_of(snapshot["world"], state.world.to_json())
        state.world = state.kind.load_state(world)
        records: dict[str, list[MemoryRecord]] = {}
        for record in memories:
            records.setdefault(record.agent, []).append(record)
        unknown = sorted(set(records) - set(snapshot["agents"]))
        if unknown:
            raise ValueError(f"memory records of unknown agents: {', '.join(unknown)}")
        for name, data in snapshot["agents"].items():
            current = state.agents[name]
            restored = AgentState.from_json(current.spec, data, records.get(name, []))
            if not restored.budget_exceeded:
                restored.switch_model(current.profile.model)
            state.agents[name] = restored  # in place: the bus sees the same dict
        state.bus.load(snapshot["bus"])
        state.tick = snapshot["tick"]
        state.finished = snapshot["finished"]
        state.end_reason = snapshot["end_reason"]
        state.end_detail = snapshot.get("end_detail", "")
        state.woken = set(snapshot["woken"])
        state.fired_events = list(snapshot["fired_events"])
        state.run_tokens = snapshot["run_tokens"]
        state.run_budget_exceeded = snapshot["run_budget_exceeded"]
        state.metrics = dict(snapshot["metrics"])
        return state

    def to_snapshot(self) -> dict[str, Any]:
        """The whole run state as JSON-serialisable data (a deep copy)."""
        return {
            "version": SNAPSHOT_VERSION,
            "run_id": self.run_id,
            "seed": self.seed,
            "tick": self.tick,
            "mode": self.spec.mode,
            "world_kind": self.kind.name,
            "finished": self.finished,
            "end_reason": self.end_reason,
            "end_detail": self.end_detail,
            "world": self.world.to_json(),
            "agents": {name: agent.to_json() for name, agent in self.agents.items()},
            "bus": self.bus.to_json(),
            "woken": sorted(self.woken),
            "fired_events": list(self.fired_events),
            "run_tokens": self.run_tokens,
            "run_budget_exceeded": self.run_budget_exceeded,
            "metrics": dict(self.metrics),
        }

    def compute_metrics(self) -> dict[str, Any]:
        """The rule metrics of the run as it stands (world kind's plus the common ones)."""
        tallies = {
            name: AgentTally(
                kind=agent.kind,
                status=agent.status.value,
                actions=dict(agent.actions_done),
                messages_to_others=agent.messages_to_others,
            )
            for name, agent in self.agents.items()
        }
        return compute_metrics(
            MetricContext(
                world_kind=self.kind.name,
                tick=self.tick,
                state=self.world,
                agents=tallies,
                messages_sent=self.bus.messages_sent,
                cooperative_actions=self.kind.cooperative_actions,
            )
        )

    def end(self, reason: str, detail: str) -> None:
        """Mark the run finished with an end reason (see termination.END_REASONS)."""
        self.finished = True
        self.end_reason = reason
        self.end_detail = detail

    def active_agents(self) -> list[str]:
        """Non-environment agents that have not been terminated."""
        return [
            n
            for n, a in self.agents.items()
            if a.kind != "environment" and a.status != AgentStatus.TERMINATED
        ]

    def environment_agents(self) -> list[str]:
        """Names of the environment agents, in spec order."""
        return [n for n, a in self.agents.items() if a.kind == "environment"]


def in_order_of(data: Any, model: Any) -> Any:
    """`data` with the keys of each dict in the order of `model`'s dict at the same place.

    Keys `model` lacks follow in their own order; lists are matched item by item while
    `model` has items (the rest keep the order of the first dict item of `model`).
    """
    if isinstance(data, dict) and isinstance(model, dict):
        keys = [k for k in model if k in data] + [k for k in data if k not in model]
        return {k: in_order_of(data[k], model.get(k)) for k in keys}
    if isinstance(data, list) and isinstance(model, list) and model:
        return [in_order_of(item, model[min(i, len(model) - 1)]) for i, item in enumerate(data)]
    return data
