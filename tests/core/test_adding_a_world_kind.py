"""The README's "Adding a world kind" section is enough: a toy kind built from it alone runs.

The `counter` kind below uses only what that section names: a `WorldKind` subclass with its
tables, state, actions, metrics, offline policy and starter, registered by one call.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import pytest

from simengine.core.decision import DecisionRequest
from simengine.core.offline import OfflineDecisionMaker
from simengine.core.runner import run_headless
from simengine.core.simulation import Simulation
from simengine.core.spec import SpecError, parse_spec
from simengine.core.worlds import (
    get_world_kind,
    metric_direction,
    metric_names,
    register_world,
    starter_scenario,
    unregister_world,
)
from simengine.core.worlds.base import DEFAULT_POLICY, ActionOutcome, WorldContext, WorldKind
from simengine.core.worlds.metric import MetricContext, MetricDef
from simengine.core.worlds.params import ParamDef
from simengine.core.worlds.policy import decision, emotion_report
from simengine.core.worlds.setup import AgentSetup, ScenarioSetup, WorldSetup


@dataclass
class CounterState:
    """A shared count the agents push toward a goal."""

    goal: int
    total: int = 0
    by_agent: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def total(ctx: MetricContext) -> int:
    """The count so far."""
    return ctx.state.total


def remaining(ctx: MetricContext) -> int:
    """How far the count is from its goal."""
    return max(0, ctx.state.goal - ctx.state.total)


def always_add(request: DecisionRequest) -> dict[str, Any]:
    """Add one while the goal is not reached, else wait."""
    done = request.observation["total"] >= request.observation["goal"]
    action = {"type": "wait"} if done else {"type": "add"}
    return decision("Counting.", [action], None, emotion_report(request.emotion, hope=0.1))


class CounterWorld(WorldKind):
    """Agents add one to a shared count each tick until it reaches the goal."""

    name = "counter"
    actions = {"add": "add one to the shared count", "wait": "do nothing this tick"}
    params = (ParamDef("goal", "integer", 10, "the count to reach", 1),)
    metrics = (
        MetricDef("total", total, "higher", low=0, unit="adds"),
        MetricDef("remaining", remaining, "lower", low=0),
    )
    policies = {DEFAULT_POLICY: always_add}
    starter = {
        "name": "New counter",
        "world": {"kind": "counter", "params": {"goal": 6}},
        "agent_templates": [{"id": "adder", "count": 2, "name": "Adder {n}"}],
        "termination": {
            "max_ticks": 10,
            "success": {"metric": "remaining", "op": "<=", "value": 0},
        },
    }

    def validate_world(self, world: WorldSetup) -> list[str]:
        return ["world.locations: world kind 'counter' has no map"] if world.locations else []

    def initial_state(self, spec: ScenarioSetup, agents: Sequence[AgentSetup]) -> CounterState:
        return CounterState(goal=spec.world.params.get("goal", 10))

    def load_state(self, data: Mapping[str, Any]) -> CounterState:
        return CounterState(**data)

    def observe(self, state: CounterState, agent: str) -> dict[str, Any]:
        return {"total": state.total, "goal": state.goal}

    def action_params(
        self, state: CounterState
    ) -> dict[str, tuple[dict[str, Any], tuple[str, ...]]]:
        return {"add": ({}, ()), "wait": ({}, ())}

    def rules(self, state: CounterState) -> str:
        return f"Each tick you may add one to the shared count; the goal is {state.goal}."

    def apply_action(
        self, state: CounterState, agent: str, action: Mapping[str, Any], ctx: WorldContext
    ) -> ActionOutcome:
        if action.get("type") == "wait":
            return ActionOutcome.done("waited")
        if action.get("type") != "add":
            return ActionOutcome.rejected(f"unknown action {action.get('type')!r}")
        state.total += 1
        state.by_agent[agent] = state.by_agent.get(agent, 0) + 1
        return ActionOutcome.done(f"added one (count {state.total})")


@pytest.fixture
def counter() -> Iterator[WorldKind]:
    kind = register_world(CounterWorld())
    yield kind
    unregister_world("counter")


def test_the_starter_scenario_of_a_new_kind_validates(counter: WorldKind) -> None:
    spec = parse_spec(starter_scenario("counter"))
    assert spec.world.kind == "counter"
    assert spec.agent_templates[0].model == "offline/heuristic"


def test_a_new_kind_gets_its_params_and_metrics_checked(counter: WorldKind) -> None:
    data = starter_scenario("counter")
    data["world"]["params"] = {"goal": "many", "speed": 2}
    data["termination"]["failure"] = {"metric": "casualties", "op": ">=", "value": 1}
    with pytest.raises(SpecError) as error:
        parse_spec(data)
    text = "\n".join(error.value.errors)
    assert "world.params.goal: expected an integer, got 'many'" in text
    assert "world.params.speed: unknown parameter" in text
    assert "unknown metric 'casualties' for world kind 'counter'" in text
    assert "(known: cooperation, messages_sent, remaining, total)" in text


def test_a_new_kind_runs_headless_on_its_offline_policy(counter: WorldKind) -> None:
    spec = parse_spec(starter_scenario("counter"))
    summary = run_headless(spec, seed=3, decision_maker=OfflineDecisionMaker(), keep_trace=True)
    assert (summary.ticks, summary.end_reason) == (3, "success")
    assert summary.metrics == {"messages_sent": 0, "cooperation": 0.0, "total": 6, "remaining": 0}
    again = run_headless(spec, seed=3, decision_maker=OfflineDecisionMaker(), keep_trace=True)
    assert again.trace == summary.trace


def test_a_new_kind_declares_which_way_its_metrics_are_better(counter: WorldKind) -> None:
    assert metric_names("counter") == ["messages_sent", "cooperation", "total", "remaining"]
    assert metric_direction("remaining") == "lower"
    assert metric_direction("total", "counter") == "higher"


def test_a_new_kind_is_shown_by_the_generic_view(counter: WorldKind) -> None:
    simulation = Simulation.create(parse_spec(starter_scenario("counter")), seed=1, run_id="v")
    shown = get_world_kind("counter").view(simulation.state).to_json()
    assert shown["template"] == "tree"
    view = shown["data"]
    assert view["label"] == "counter"
    assert [(node["label"], node["value"]) for node in view["children"][:2]] == [
        ("goal", 6),
        ("total", 0),
    ]
    assert view["children"][2] == {
        "label": "by_agent",
        "value": None,
        "path": "by_agent",
        "children": [],
    }


def test_an_unregistered_kind_is_unknown_again() -> None:
    with pytest.raises(SpecError, match="unknown world kind 'counter'"):
        parse_spec({**CounterWorld.starter, "name": "Gone"})
