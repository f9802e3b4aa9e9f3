"""`Simulation`: one run of a scenario, advanced tick by tick by whoever drives it.

The driver (the web run service, the headless runner, a test) calls `step` with a
decision maker and the controls queued since the last tick, and persists the returned
`TickResult`. A run can be rebuilt from any tick's snapshot (`restore`) and continues
exactly as an uninterrupted run would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from simengine.core.agents import AgentState
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
from simengine.core.memory import Embeddings, MemoryRecord
from simengine.core.rating import asker_of, settle
from simengine.core.recall import drain, embed_pending, note_situation, recall
from simengine.core.run_state import SNAPSHOT_VERSION, SimulationState
from simengine.core.spec.models import ScenarioSpec
from simengine.core.steering import apply_control
from simengine.core.termination import check_termination
from simengine.core.turns import TickLog, Turns
from simengine.core.worlds import WorldContext

__all__ = ["SNAPSHOT_VERSION", "AgentView", "Simulation", "SimulationFinished", "TickResult"]


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
    memories: list[MemoryRecord] = field(default_factory=list)  # long-term records added

    def __repr__(self) -> str:
        """A short line: the snapshot and records would make a huge one.

        asyncio formats a finished task's result with `repr` whenever the task is
        described (`asyncio.Runner` does so on every run in a main thread, through the
        SIGINT handler that holds the task), so this is on the worker's hot path.
        """
        return (
            f"TickResult(tick={self.tick}, events={len(self.events)}, "
            f"messages={len(self.messages)}, calls={len(self.calls)}, "
            f"memories={len(self.memories)}, finished={self.finished})"
        )


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
    """A run in progress: composes the run's state with the tick's helpers.

    The state lives in one `SimulationState`; `Turns`, `apply_control` and
    `check_termination` receive it explicitly, and this class only sequences them.
    """

    def __init__(self, state: SimulationState) -> None:
        self._run = state
        self._schemas: dict[tuple[str, ...], dict[str, Any]] = {}

    # -- construction --
    @classmethod
    def create(
        cls, spec: ScenarioSpec, *, seed: int, run_id: str, model_override: str | None = None
    ) -> Simulation:
        """A fresh run at tick 0."""
        state = SimulationState.build(spec, seed=seed, run_id=run_id, model_override=model_override)
        state.metrics = state.compute_metrics()
        return cls(state)

    @classmethod
    def restore(
        cls,
        spec: ScenarioSpec,
        snapshot: dict[str, Any],
        *,
        run_id: str,
        model_override: str | None = None,
        memories: Iterable[MemoryRecord] = (),
    ) -> Simulation:
        """The run as it was when `snapshot()` was taken (from a TickResult or earlier).

        `memories` are the long-term records of every agent up to the snapshot's tick (the
        `memories` of each TickResult so far); the snapshot holds only their count, and a
        restore with any other set of records raises ValueError.
        """
        state = SimulationState.from_snapshot(
            spec, snapshot, run_id=run_id, model_override=model_override, memories=memories
        )
        return cls(state)

    def snapshot(self) -> dict[str, Any]:
        """The whole run state as JSON-serialisable data (a deep copy), less memory records."""
        return self._run.to_snapshot()

    def memories(self) -> list[MemoryRecord]:
        """Every agent's long-term records so far (what `restore` needs with a snapshot)."""
        records: list[MemoryRecord] = []
        for name in self._run.roster:
            store = self._run.agents[name].memory.store
            if store is not None:
                records.extend(store.records[: store.emitted])
        return records

    # -- reading --
    @property
    def spec(self) -> ScenarioSpec:
        """The scenario this run plays."""
        return self._run.spec

    @property
    def seed(self) -> int:
        """The run's seed."""
        return self._run.seed

    @property
    def run_id(self) -> str:
        """The id the run was created with."""
        return self._run.run_id

    @property
    def tick(self) -> int:
        """The number of ticks completed (0 before the first `step`)."""
        return self._run.tick

    @property
    def finished(self) -> bool:
        """True once the run has ended; `step` then raises SimulationFinished."""
        return self._run.finished

    @property
    def end_reason(self) -> str | None:
        """success, failure, max_ticks, no_active_agents, idle or stopped; None while running."""
        return self._run.end_reason

    @property
    def end_detail(self) -> str:
        """A human-readable line on why the run ended (blank while running)."""
        return self._run.end_detail

    @property
    def metrics(self) -> dict[str, Any]:
        """The metrics after the last completed tick (a copy)."""
        return dict(self._run.metrics)

    @property
    def state(self) -> Any:
        """The world kind's (mutable) state object, for the engine's helpers and tests."""
        return self._run.world

    @property
    def agents(self) -> dict[str, AgentView]:
        """A read-only view of every agent, keyed by name."""
        return {name: self._view(agent) for name, agent in self._run.agents.items()}

    @property
    def states(self) -> dict[str, AgentState]:
        """The engine's own (mutable) agent states, for the engine's helpers and tests."""
        return self._run.agents

    def _view(self, agent: AgentState) -> AgentView:
        details = self._run.kind.agent_details(self._run.world, agent.name)
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
            rooms=self._run.bus.rooms_of(agent.name),
        )

    # -- advancing --
    async def step(
        self,
        decision_maker: DecisionMaker,
        controls: Sequence[Control] = (),
        embeddings: Embeddings | None = None,
    ) -> TickResult:
        """Advance one tick: controls, concurrent decisions, seeded application, dynamics.

        `embeddings` serves the embedding models of agents with long-term memory; without
        it only the local embedding is available (others fall back to it). A decision maker
        with an `asker` (the LLM layer's) also rates memories and reflects for agents whose
        memory has `importance: model`.
        """
        run = self._run
        if run.finished:
            raise SimulationFinished(f"run {run.run_id} has ended ({run.end_reason})")
        tick = run.tick + 1
        log = TickLog(tick)
        turns = Turns(run, log, WorldContext(tick=tick, seed=run.seed))
        if run.tick == 0:
            log.add(_started(run))
        for control in controls:
            apply_control(run, turns, control)
        if run.stop_reason is None:
            await self._decide_and_act(decision_maker, turns, embeddings)
            turns.environment_phase()
            turns.relax_emotions()
            await settle(run, asker_of(decision_maker), turns)
        await embed_pending(run, embeddings, turns)
        run.tick = tick
        run.metrics = run.compute_metrics()
        check_termination(run, log)
        memories = drain(run)  # before the snapshot, which counts what was handed out
        return TickResult(
            tick=tick,
            messages=log.messages,
            events=log.events,
            calls=log.calls,
            metrics=dict(run.metrics),
            snapshot=run.to_snapshot(),
            finished=run.finished,
            end_reason=run.end_reason,
            memories=memories,
        )

    async def _decide_and_act(
        self, decision_maker: DecisionMaker, turns: Turns, embeddings: Embeddings | None
    ) -> None:
        run = self._run
        tick = turns.log.tick
        deciders = [n for n in run.roster if run.agents[n].decides]
        due = due_agents(deciders, mode=run.spec.mode, tick=tick, woken=run.woken)
        run.woken -= set(due)
        perceived = run.kind.observe_all(run.world, due)
        drafts = [self._request(name, tick, turns, perceived[name]) for name in due]
        await embed_pending(run, embeddings, turns)
        requests = [
            replace(request, recalled=recall(turns, request.agent.name, since, window))
            for request, since, window in drafts
        ]
        outcomes = await asyncio.gather(*(_decide(decision_maker, r) for r in requests))
        by_name: dict[str, DecisionOutcome] = {}
        for request, (outcome, error) in zip(requests, outcomes, strict=True):
            name = request.agent.name
            by_name[name] = outcome
            if error is not None:
                turns.log.add(DecisionFailed(tick, name, model=request.agent.model, error=error))
            turns.log.calls.extend(_attributed(outcome.calls, request))
        for name in seeded_order(due, run.seed, tick):
            turns.apply_decision(name, by_name[name])
        turns.account_tokens(by_name)

    def _request(
        self, name: str, tick: int, turns: Turns, perceived: dict[str, Any]
    ) -> tuple[DecisionRequest, int, set[int]]:
        """The agent's request (without recalled memories yet), and where its store stood.

        Also which records the prompt's recent window shows (where the store stood before
        this tick's perceptions).
        """
        run = self._run
        agent = run.agents[name]
        allowed = agent.spec.actions
        if allowed not in self._schemas:
            self._schemas[allowed] = run.kind.decision_schema(run.world, allowed)
        observation = {
            "tick": tick,
            **perceived,
            "your_actions": list(allowed),
            "rooms": run.bus.rooms_of(name),
            "trust": agent.emotion.salient_trust(),
        }
        window = agent.memory.window_seqs()
        since = len(agent.memory.store) if agent.memory.store is not None else 0
        inbox = run.bus.drain(name)
        request = DecisionRequest(
            run_id=run.run_id,
            tick=tick,
            seed=derive_seed(run.seed, tick, name),
            agent=agent.profile,
            scenario_name=run.spec.name,
            scenario_description=run.spec.description,
            world_kind=run.kind.name,
            rules=run.kind.rules(run.world),
            action_schema=self._schemas[allowed],
            observation=observation,
            memory_summary=agent.memory.summary(),
            recent_memory=agent.memory.lines(),
            inbox=tuple(m.seen_by_recipient() for m in inbox),
            emotion=agent.emotion.feelings(),
            operator_commands=tuple(agent.pending_commands),
        )
        turns.consumed(name, inbox)
        note_situation(turns, name, perceived)
        return request, since, window


async def _decide(
    decision_maker: DecisionMaker, request: DecisionRequest
) -> tuple[DecisionOutcome, str | None]:
    try:
        return await decision_maker.decide(request), None
    except Exception as exc:  # a maker must not raise; if one does, the run goes on
        error = f"{type(exc).__name__}: {exc}"
        return DecisionOutcome(Decision.noop(error), fallback="error"), error


def _started(run: SimulationState) -> RunStarted:
    return RunStarted(
        0,
        None,
        scenario=run.spec.name,
        seed=run.seed,
        mode=run.spec.mode,
        world_kind=run.kind.name,
        agents=list(run.roster),
    )


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
