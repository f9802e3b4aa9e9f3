"""`Simulation`: one run of a scenario, advanced tick by tick by whoever drives it.

The driver (the web run service, the headless runner, a test) calls `step` with a
decision maker and the controls queued since the last tick, and persists the returned
`TickResult`. A run can be rebuilt from any tick's snapshot (`restore`) and continues
exactly as an uninterrupted run would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from simengine.core.agents import AgentState, AgentStatus
from simengine.core.bus import MessageBus
from simengine.core.clock import derive_seed, due_agents, seeded_order
from simengine.core.controls import Control
from simengine.core.decision import (
    Decision,
    DecisionMaker,
    DecisionOutcome,
    DecisionRequest,
    LLMCallRecord,
)
from simengine.core.events import DecisionFailed, RunStarted
from simengine.core.metrics import AgentTally, MetricContext, compute_metrics
from simengine.core.spec.models import ScenarioSpec
from simengine.core.steering import apply_control
from simengine.core.termination import check_termination
from simengine.core.turns import TickLog, Turns
from simengine.core.worlds import WorldContext, get_world_kind

SNAPSHOT_VERSION = 1


class SimulationFinished(RuntimeError):
    """`step` was called on a run that has already ended."""


@dataclass(frozen=True)
class TickResult:
    """Everything one tick produced, ready to be committed in one transaction."""

    tick: int
    messages: list[dict[str, Any]]
    events: list[dict[str, Any]]
    calls: list[LLMCallRecord]
    metrics: dict[str, Any]
    snapshot: dict[str, Any]
    finished: bool
    end_reason: str | None


@dataclass(frozen=True)
class AgentView:
    """A read-only picture of one agent for the console and the CLI."""

    id: str
    name: str
    kind: str
    role: str
    template_id: str
    model: str
    status: str
    emotion: dict[str, float]
    trust: dict[str, float]
    location: str | None
    details: dict[str, Any]
    tokens_used: int
    rooms: list[str]


class Simulation:
    """A run in progress: world state, agents, message bus and clock."""

    def __init__(self, spec: ScenarioSpec, *, seed: int, run_id: str, model_override: str | None):
        self.spec = spec
        self.seed = seed
        self.run_id = run_id
        self.kind = get_world_kind(spec.world.kind)
        specs = spec.agents(tuple(self.kind.actions))
        self.roster = [a.name for a in specs]
        deciders = [a.name for a in specs if a.kind != "environment"]
        self._agents: dict[str, AgentState] = {}
        for agent in specs:
            model = agent.model
            if model_override and agent.kind != "environment":
                model = model_override
            others = [n for n in deciders if n != agent.name]
            self._agents[agent.name] = AgentState.create(agent, others, model)
        self.state: Any = self.kind.initial_state(spec, specs)
        self.bus = MessageBus(run_id, self._agents, spec.room_members())
        self._tick = 0
        self._finished = False
        self._end_reason: str | None = None
        self._end_detail = ""
        self._metrics: dict[str, Any] = {}
        self.woken: set[str] = set()
        self.fired_events: list[int] = []
        self.run_tokens = 0
        self.run_budget_exceeded = False
        self._schemas: dict[tuple[str, ...], dict[str, Any]] = {}
        self.stop_reason: str | None = None

    # -- construction --
    @classmethod
    def create(
        cls, spec: ScenarioSpec, *, seed: int, run_id: str, model_override: str | None = None
    ) -> Simulation:
        """A fresh run at tick 0."""
        simulation = cls(spec, seed=seed, run_id=run_id, model_override=model_override)
        simulation._metrics = simulation._compute_metrics()
        return simulation

    @classmethod
    def restore(
        cls,
        spec: ScenarioSpec,
        snapshot: dict[str, Any],
        *,
        run_id: str,
        model_override: str | None = None,
    ) -> Simulation:
        """The run as it was when `snapshot()` was taken (from a TickResult or earlier)."""
        if snapshot.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"unsupported snapshot version {snapshot.get('version')!r}")
        simulation = cls(spec, seed=snapshot["seed"], run_id=run_id, model_override=model_override)
        simulation.state = simulation.kind.load_state(snapshot["world"])
        for name, data in snapshot["agents"].items():
            current = simulation._agents[name]
            restored = AgentState.from_json(current.spec, data)
            if not restored.budget_exceeded:
                restored.switch_model(current.profile.model)
            simulation._agents[name] = restored
        simulation.bus.agents = simulation._agents
        simulation.bus.load(snapshot["bus"])
        simulation._tick = snapshot["tick"]
        simulation._finished = snapshot["finished"]
        simulation._end_reason = snapshot["end_reason"]
        simulation._end_detail = snapshot.get("end_detail", "")
        simulation.woken = set(snapshot["woken"])
        simulation.fired_events = list(snapshot["fired_events"])
        simulation.run_tokens = snapshot["run_tokens"]
        simulation.run_budget_exceeded = snapshot["run_budget_exceeded"]
        simulation._metrics = dict(snapshot["metrics"])
        return simulation

    def snapshot(self) -> dict[str, Any]:
        """The whole run state as JSON-serialisable data (a deep copy)."""
        return {
            "version": SNAPSHOT_VERSION,
            "run_id": self.run_id,
            "seed": self.seed,
            "tick": self._tick,
            "mode": self.spec.mode,
            "world_kind": self.kind.name,
            "finished": self._finished,
            "end_reason": self._end_reason,
            "end_detail": self._end_detail,
            "world": self.state.to_json(),
            "agents": {name: agent.to_json() for name, agent in self._agents.items()},
            "bus": self.bus.to_json(),
            "woken": sorted(self.woken),
            "fired_events": list(self.fired_events),
            "run_tokens": self.run_tokens,
            "run_budget_exceeded": self.run_budget_exceeded,
            "metrics": dict(self._metrics),
        }

    # -- reading --
    @property
    def tick(self) -> int:
        """The number of ticks completed (0 before the first `step`)."""
        return self._tick

    @property
    def finished(self) -> bool:
        return self._finished

    @property
    def end_reason(self) -> str | None:
        """success, failure, max_ticks, no_active_agents, idle or stopped; None while running."""
        return self._end_reason

    @property
    def end_detail(self) -> str:
        return self._end_detail

    @property
    def metrics(self) -> dict[str, Any]:
        return dict(self._metrics)

    @property
    def agents(self) -> dict[str, AgentView]:
        return {name: self._view(agent) for name, agent in self._agents.items()}

    @property
    def states(self) -> dict[str, AgentState]:
        """The engine's own (mutable) agent states, for the engine's helpers and tests."""
        return self._agents

    def _view(self, agent: AgentState) -> AgentView:
        details = self.kind.agent_details(self.state, agent.name)
        return AgentView(
            id=agent.spec.id,
            name=agent.name,
            kind=agent.kind,
            role=agent.spec.role,
            template_id=agent.spec.template_id,
            model=agent.profile.model,
            status=agent.status.value,
            emotion=agent.emotion.feelings(),
            trust=dict(agent.emotion.trust),
            location=details.get("location"),
            details=details,
            tokens_used=agent.tokens_used,
            rooms=self.bus.rooms_of(agent.name),
        )

    # -- advancing --
    async def step(
        self, decision_maker: DecisionMaker, controls: Sequence[Control] = ()
    ) -> TickResult:
        """Advance one tick: controls, concurrent decisions, seeded application, dynamics."""
        if self._finished:
            raise SimulationFinished(f"run {self.run_id} has ended ({self._end_reason})")
        tick = self._tick + 1
        log = TickLog(tick)
        ctx = WorldContext(tick=tick, seed=self.seed)
        turns = Turns(self, log, ctx)
        if self._tick == 0:
            log.add(self._started())
        for control in controls:
            apply_control(self, turns, control)
        if self.stop_reason is None:
            await self._decide_and_act(decision_maker, turns)
            turns.environment_phase()
            turns.relax_emotions()
        self._tick = tick
        self._metrics = self._compute_metrics()
        check_termination(self, log)
        return TickResult(
            tick=tick,
            messages=log.messages,
            events=log.events,
            calls=log.calls,
            metrics=dict(self._metrics),
            snapshot=self.snapshot(),
            finished=self._finished,
            end_reason=self._end_reason,
        )

    async def _decide_and_act(self, decision_maker: DecisionMaker, turns: Turns) -> None:
        tick = turns.log.tick
        deciders = [n for n in self.roster if self._agents[n].decides]
        due = due_agents(deciders, mode=self.spec.mode, tick=tick, woken=self.woken)
        self.woken -= set(due)
        requests = [self._request(name, tick, turns) for name in due]
        outcomes = await asyncio.gather(*(self._decide(decision_maker, r) for r in requests))
        by_name: dict[str, DecisionOutcome] = {}
        for request, (outcome, error) in zip(requests, outcomes, strict=True):
            name = request.agent.name
            by_name[name] = outcome
            if error is not None:
                turns.log.add(DecisionFailed(tick, name, model=request.agent.model, error=error))
            turns.log.calls.extend(_attributed(outcome.calls, request))
        for name in seeded_order(due, self.seed, tick):
            turns.apply_decision(name, by_name[name])
        turns.account_tokens(by_name)

    def _request(self, name: str, tick: int, turns: Turns) -> DecisionRequest:
        agent = self._agents[name]
        allowed = agent.spec.actions
        if allowed not in self._schemas:
            self._schemas[allowed] = self.kind.decision_schema(self.state, allowed)
        observation = {
            "tick": tick,
            **self.kind.observe(self.state, name),
            "your_actions": list(allowed),
            "rooms": self.bus.rooms_of(name),
            "trust": dict(agent.emotion.trust),
        }
        inbox = self.bus.drain(name)
        request = DecisionRequest(
            run_id=self.run_id,
            tick=tick,
            seed=derive_seed(self.seed, tick, name),
            agent=agent.profile,
            scenario_name=self.spec.name,
            scenario_description=self.spec.description,
            world_kind=self.kind.name,
            rules=self.kind.rules(self.state),
            action_schema=self._schemas[allowed],
            observation=observation,
            memory_summary=agent.memory.summary(),
            recent_memory=agent.memory.lines(),
            inbox=tuple(m.seen_by_recipient() for m in inbox),
            emotion=agent.emotion.feelings(),
            operator_commands=tuple(agent.pending_commands),
        )
        turns.consumed(name, inbox)
        return request

    @staticmethod
    async def _decide(
        decision_maker: DecisionMaker, request: DecisionRequest
    ) -> tuple[DecisionOutcome, str | None]:
        try:
            return await decision_maker.decide(request), None
        except Exception as exc:  # a maker must not raise; if one does, the run goes on
            error = f"{type(exc).__name__}: {exc}"
            return DecisionOutcome(Decision.noop(error), fallback="error"), error

    def _started(self) -> RunStarted:
        return RunStarted(
            0,
            None,
            scenario=self.spec.name,
            seed=self.seed,
            mode=self.spec.mode,
            world_kind=self.kind.name,
            agents=list(self.roster),
        )

    def _compute_metrics(self) -> dict[str, Any]:
        tallies = {
            name: AgentTally(
                kind=agent.kind,
                status=agent.status.value,
                actions=dict(agent.actions_done),
                messages_to_others=agent.messages_to_others,
            )
            for name, agent in self._agents.items()
        }
        return compute_metrics(
            MetricContext(
                world_kind=self.kind.name,
                tick=self._tick,
                state=self.state,
                agents=tallies,
                messages_sent=self.bus.messages_sent,
                cooperative_actions=self.kind.cooperative_actions,
            )
        )

    def end(self, reason: str, detail: str) -> None:
        self._finished = True
        self._end_reason = reason
        self._end_detail = detail

    def active_agents(self) -> list[str]:
        """Non-environment agents that have not been terminated."""
        return [
            n
            for n, a in self._agents.items()
            if a.kind != "environment" and a.status != AgentStatus.TERMINATED
        ]


def _attributed(calls: Sequence[LLMCallRecord], request: DecisionRequest) -> list[LLMCallRecord]:
    """Calls stamped with the agent and tick they were made for (when the maker did not)."""
    return [
        replace(
            c,
            agent_id=c.agent_id or request.agent.id,
            tick=request.tick if c.tick is None else c.tick,
        )
        for c in calls
    ]
