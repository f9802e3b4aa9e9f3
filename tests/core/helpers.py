"""Shared builders for core tests: small scenarios, a scripted decision maker, tick runners."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from simengine.core.decision import (
    Decision,
    DecisionOutcome,
    DecisionRequest,
    LLMCallRecord,
    OutgoingMessage,
)
from simengine.core.simulation import Simulation, TickResult
from simengine.core.spec import ScenarioSpec, load_spec_file, parse_spec
from simengine.core.worlds import WorldContext, get_world_kind

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

SMALL_FLOOD: dict[str, Any] = {
    "name": "Small flood",
    "seed": 1,
    "world": {
        "kind": "flood",
        "params": {
            "rain_intensity": 1.0,
            "water_rise_per_tick": 0.5,
            "levee_height": 10.0,
            "breach_surge": 2.0,
            "casualty_delay_ticks": 2,
            "casualty_rate": 0.5,
            "boat_capacity": 3,
            "foot_capacity": 1,
            "injury_death_rate": 0.0,
            "food_per_person": 0.0,
        },
        "locations": [
            {"id": "hill", "elevation": 20, "shelter": True, "capacity": 50, "medkits": 5},
            {"id": "low", "elevation": 1, "civilians": 4, "injured": 1, "boats": 1},
            {"id": "mid", "elevation": 3, "civilians": 5, "injured": 2},
        ],
        "routes": [["low", "mid", 2], ["mid", "hill", 1]],
        "resources": {"food": 20, "medkits": 2},
    },
    "agent_templates": [
        {"id": "env", "kind": "environment", "name": "Weather"},
        {
            "id": "crew",
            "count": 2,
            "name": "Crew {n}",
            "model": "offline/heuristic",
            "start": "low",
            "params": {"food": 4},
        },
        {
            "id": "medic",
            "name": "Medic",
            "model": "offline/heuristic",
            "start": "mid",
            "actions": ["move", "treat", "share", "say", "wait"],
            "params": {"medkits": 1},
        },
        {
            "id": "chief",
            "name": "Chief",
            "model": "offline/heuristic",
            "start": "hill",
            "actions": ["broadcast", "say", "share", "wait"],
        },
    ],
    "rooms": [{"id": "ops", "members": ["template:crew", "Chief"]}],
    "termination": {"max_ticks": 30},
}


def small_flood(**changes: Any) -> dict[str, Any]:
    """A copy of SMALL_FLOOD; keys like "world.params.x" or "termination" are replaced."""
    data = copy.deepcopy(SMALL_FLOOD)
    for dotted, value in changes.items():
        node = data
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node[part]
        node[leaf] = value
    return data


def spec_of(data: Mapping[str, Any]) -> ScenarioSpec:
    return parse_spec(copy.deepcopy(dict(data)))


def sample(name: str) -> ScenarioSpec:
    return load_spec_file(SCENARIOS / name)


def world_of(spec: ScenarioSpec) -> tuple[Any, Any]:
    """(world kind, fresh state) for a spec."""
    kind = get_world_kind(spec.world.kind)
    return kind, kind.initial_state(spec, spec.agents(tuple(kind.actions)))


def ctx(tick: int = 1, seed: int = 0) -> WorldContext:
    return WorldContext(tick=tick, seed=seed)


class Scripted:
    """A DecisionMaker playing a script: {(agent, tick): actions or Decision}; else wait."""

    def __init__(
        self,
        script: Mapping[tuple[str, int], Any] | None = None,
        *,
        tokens: int = 0,
        emotion: Mapping[str, float] | None = None,
    ) -> None:
        self.script = dict(script or {})
        self.tokens = tokens
        self.emotion = dict(emotion or {})
        self.requests: list[DecisionRequest] = []

    async def decide(self, request: DecisionRequest) -> DecisionOutcome:
        self.requests.append(request)
        planned = self.script.get((request.agent.name, request.tick), [{"type": "wait"}])
        if isinstance(planned, Decision):
            decision = planned
        else:
            decision = Decision(thought="scripted", actions=tuple(planned), emotion=self.emotion)
        call = LLMCallRecord(
            provider="offline",
            model=request.agent.model,
            purpose="decide",
            system="",
            messages=(),
            response_text="{}",
            parsed=decision.to_json(),
            tokens_in=self.tokens,
            tokens_out=0,
            latency_ms=0.0,
        )
        return DecisionOutcome(decision, calls=(call,))

    def requests_of(self, name: str) -> list[DecisionRequest]:
        return [r for r in self.requests if r.agent.name == name]


def say(to: str, text: str, *actions: dict[str, Any]) -> Decision:
    return Decision(
        thought="talk", actions=actions or ({"type": "wait"},), message=OutgoingMessage(to, text)
    )


def run_ticks(
    simulation: Simulation,
    maker: Any,
    ticks: int,
    controls: Mapping[int, Iterable[Any]] | None = None,
) -> list[TickResult]:
    """Step `ticks` times (or until the run ends); controls are given per tick number."""
    controls = controls or {}

    async def go() -> list[TickResult]:
        results = []
        for _ in range(ticks):
            if simulation.finished:
                break
            tick = simulation.tick + 1
            results.append(await simulation.step(maker, list(controls.get(tick, ()))))
        return results

    return asyncio.run(go())


def events_of(results: Iterable[TickResult], kind: str) -> list[dict[str, Any]]:
    return [e for r in results for e in r.events if e["type"] == kind]
