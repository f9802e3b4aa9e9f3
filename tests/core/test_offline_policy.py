"""The offline policy answers like an LLM would: schema-valid, seeded and deterministic."""

from __future__ import annotations

import asyncio
from typing import Any

import jsonschema
import pytest

from simengine.core.decision import DecisionRequest
from simengine.core.offline import OfflineDecisionMaker, offline_decision
from simengine.core.simulation import Simulation
from simengine.core.worlds import find_policy, policy_names
from tests.core.helpers import run_ticks, sample


class Recording(OfflineDecisionMaker):
    """The offline maker, keeping every request and answer."""

    def __init__(self) -> None:
        self.seen: list[tuple[DecisionRequest, dict[str, Any]]] = []

    async def decide(self, request: DecisionRequest):
        outcome = await super().decide(request)
        parsed = outcome.calls[0].parsed
        assert parsed is not None  # the offline policy always answers valid JSON
        self.seen.append((request, parsed))
        return outcome


@pytest.mark.parametrize("scenario", ["riverside_flood.yaml", "dialogue_dilemma.yaml"])
def test_every_offline_decision_matches_the_agents_action_schema(scenario: str) -> None:
    spec = sample(scenario)
    maker = Recording()
    run_ticks(
        Simulation.create(spec, seed=5, run_id="p", model_override="offline/heuristic"), maker, 15
    )
    assert maker.seen
    for request, decision in maker.seen:
        jsonschema.validate(decision, request.action_schema)


def test_the_same_request_gets_the_same_answer() -> None:
    maker = Recording()
    run_ticks(Simulation.create(sample("riverside_flood.yaml"), seed=2, run_id="p"), maker, 5)
    for request, decision in maker.seen:
        assert offline_decision(request) == decision


def test_the_offline_maker_records_a_call_without_tokens() -> None:
    spec = sample("riverside_flood.yaml")
    simulation = Simulation.create(spec, seed=1, run_id="p", model_override="offline/heuristic")
    [result] = run_ticks(simulation, OfflineDecisionMaker(), 1)
    call = result.calls[0]
    assert (call.provider, call.model, call.purpose) == ("offline", "offline/heuristic", "decide")
    assert (call.tokens_in, call.tokens_out, call.error) == (0, 0, None)
    assert call.parsed is not None and call.agent_id and call.tick == 1


def test_rescuers_rescue_carry_to_shelter_and_unload() -> None:
    spec = sample("riverside_flood.yaml")
    simulation = Simulation.create(spec, seed=3, run_id="p", model_override="offline/heuristic")
    results = run_ticks(simulation, OfflineDecisionMaker(), 30)
    done = [
        e["data"]["action"]["type"] for r in results for e in r.events if e["type"] == "AgentActed"
    ]
    for kind in ("rescue", "move", "unload", "treat", "share"):
        assert kind in done
    assert simulation.metrics["rescued"] > 30
    assert any(r.messages for r in results)


def test_dialogue_agents_argue_for_their_private_preference() -> None:
    maker = Recording()
    run_ticks(Simulation.create(sample("dialogue_dilemma.yaml"), seed=9, run_id="p"), maker, 1)
    proposals = {
        request.agent.name: decision["actions"][0]["option"]
        for request, decision in maker.seen
        if decision["actions"][0]["type"] == "propose"
    }
    assert proposals["Engineer"] == "open the spillway and flood the farmland"
    assert proposals["Farmer"] == "reinforce the dam and wait"


def test_an_unknown_policy_is_reported_not_raised() -> None:
    maker = Recording()
    run_ticks(Simulation.create(sample("riverside_flood.yaml"), seed=1, run_id="p"), maker, 1)
    request = maker.seen[0][0]
    odd = DecisionRequest(**{**request.__dict__, "world_kind": "space"})
    outcome = asyncio.run(OfflineDecisionMaker().decide(odd))
    assert outcome.fallback == "error"
    assert (
        outcome.calls[0].error == "ValueError: no offline policy 'heuristic' for world kind 'space'"
    )
    assert outcome.decision.actions == ({"type": "wait"},)


def test_policies_are_declared_per_name_by_each_world_kind() -> None:
    assert find_policy("heuristic", "flood") is not None
    assert find_policy("heuristic", "dialogue") is not None
    assert find_policy("heuristic", "space") is None
    assert "heuristic" in policy_names()
