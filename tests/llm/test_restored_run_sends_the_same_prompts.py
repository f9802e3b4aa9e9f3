"""A run restored from a jsonb snapshot builds byte-identical prompts to the uninterrupted run.

PostgreSQL's jsonb re-orders object keys; places, agents and trust must keep their order.
"""

from __future__ import annotations

import json
from typing import Any

from simengine.core.decision import DecisionOutcome, DecisionRequest
from simengine.core.offline import OfflineDecisionMaker
from simengine.core.simulation import Simulation
from simengine.core.spec import TerminationSpec
from simengine.llm import build_prompt
from tests.core.helpers import run_ticks, sample


class PromptRecorder:
    """Decides offline and keeps every prompt the LLM path would have sent, by tick."""

    def __init__(self) -> None:
        self.offline = OfflineDecisionMaker()
        self.prompts: dict[int, list[str]] = {}

    async def decide(self, request: DecisionRequest) -> DecisionOutcome:
        prompt = build_prompt(request)
        text = prompt.system + "\x00" + "\x00".join(m["content"] for m in prompt.messages)
        self.prompts.setdefault(request.tick, []).append(f"{request.agent.name}\x00{text}")
        return await self.offline.decide(request)


def jsonb(value: Any) -> Any:
    """What a jsonb column gives back: object keys sorted by length, then bytes."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: (len(k.encode()), k.encode()))
        return {k: jsonb(value[k]) for k in keys}
    if isinstance(value, list):
        return [jsonb(v) for v in value]
    return value


def test_prompts_after_a_jsonb_round_trip_equal_the_uninterrupted_runs():
    spec = sample("riverside_flood.yaml")
    spec = spec.model_copy(update={"termination": TerminationSpec(max_ticks=30)})
    straight = PromptRecorder()
    run_ticks(Simulation.create(spec, seed=5, run_id="r"), straight, 12)

    resumed_maker = PromptRecorder()
    first = Simulation.create(spec, seed=5, run_id="r")
    head = run_ticks(first, resumed_maker, 6)
    snapshot = jsonb(json.loads(json.dumps(head[-1].snapshot)))
    memories = [m for result in head for m in result.memories]
    resumed = Simulation.restore(spec, snapshot, run_id="r", memories=memories)
    run_ticks(resumed, resumed_maker, 6)

    assert sorted(resumed_maker.prompts) == list(range(1, 13))
    for tick in range(7, 13):
        assert resumed_maker.prompts[tick] == straight.prompts[tick], f"tick {tick}"
