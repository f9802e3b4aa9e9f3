"""The shared ask path (`ModelAsker`): one call, one repair, then a recorded failure.

The repair prompt shows the problem; the decider, the evaluator and the designer all go
through this path.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from simengine.core.asking import AskOutcome, JsonRequest, Unusable
from simengine.core.designer import design_scenario
from simengine.core.evaluation import DEFAULT_DIMENSIONS, RunFacts, RunSummary, evaluate_run
from simengine.llm import LLMClient, LLMDecisionMaker, ModelAsker
from tests.fakes import FakeOllama, Reply

from .factories import decision_request
from .helpers import decide, settings_for

SCHEMA = {
    "type": "object",
    "required": ["count"],
    "properties": {"count": {"type": "integer"}},
}


def request(**changes: Any) -> JsonRequest:
    values: dict[str, Any] = {
        "model": "ollama/llama3.2",
        "system": "Count the boats.",
        "messages": ({"role": "user", "content": "How many boats?"},),
        "schema": SCHEMA,
        "purpose": "evaluate",
    }
    return JsonRequest(**{**values, **changes})


def ask(server: FakeOllama, json_request: JsonRequest, check=None) -> AskOutcome:
    async def main() -> AskOutcome:
        async with ModelAsker(LLMClient(settings_for(server))) as asker:
            return await asker.ask(json_request, check)

    return asyncio.run(main())


def test_a_valid_answer_is_one_recorded_call(ollama_server):
    ollama_server.script(Reply.json({"count": 2}))

    outcome = ask(ollama_server, request())

    [record] = outcome.records
    assert (outcome.value, outcome.error, outcome.attempts) == (
        {"count": 2},
        None,
        ("answer: valid",),
    )
    assert (record.purpose, record.parsed, record.error) == ("evaluate", {"count": 2}, None)


def test_an_invalid_answer_is_repaired_once_with_the_problem_shown(ollama_server):
    ollama_server.script(Reply.text("two boats"), Reply.json({"count": 2}))

    outcome = ask(ollama_server, request())

    first, second = outcome.records
    assert outcome.value == {"count": 2}
    assert (first.purpose, second.purpose) == ("evaluate", "evaluate_repair")
    assert first.parsed is None and first.error is None
    repair = ollama_server.chats()[1]["messages"]
    assert repair[-2] == {"role": "assistant", "content": "two boats"}
    assert repair[-1]["content"].startswith(
        "Your previous answer could not be used: the answer is not JSON"
    )


def test_a_second_invalid_answer_is_a_recorded_failure(ollama_server):
    ollama_server.script(Reply.json({"count": "two"}), Reply.text(""))

    outcome = ask(ollama_server, request())

    first, second = outcome.records
    assert outcome.value is None and not outcome.provider_failed
    assert outcome.error == (
        "invalid answer after one repair: the answer is not JSON: expected one JSON object, "
        "got '(empty)'"
    )
    assert outcome.attempts[0].startswith("answer: the JSON does not match the schema: count:")
    assert (first.error, second.error, second.parsed) == (None, None, None)
    assert len(ollama_server.chats()) == 2


def test_the_callers_check_is_the_judge_and_its_problem_goes_back(ollama_server):
    ollama_server.script(Reply.json({"count": 40}), Reply.json({"count": 3}))

    def at_most_ten(data: dict) -> int:
        if data["count"] > 10:
            raise Unusable("count: at most 10 boats exist")
        return data["count"]

    outcome = ask(ollama_server, request(purpose="design", repair_purpose="redesign"), at_most_ten)

    assert outcome.value == 3
    assert [r.purpose for r in outcome.records] == ["design", "redesign"]
    assert "count: at most 10 boats exist" in ollama_server.chats()[1]["messages"][-1]["content"]


def test_a_provider_failure_is_recorded_and_not_repaired(ollama_server):
    ollama_server.script(Reply.error(404, "model 'llama3.2' not found"))

    outcome = ask(ollama_server, request())

    [record] = outcome.records
    assert outcome.provider_failed and outcome.value is None
    assert outcome.error == record.error == outcome.problem
    assert record.error is not None and "ollama pull llama3.2" in record.error


@pytest.fixture
def asked(monkeypatch) -> list[str]:
    """The purposes every `ModelAsker.ask` was called with, in order."""
    purposes: list[str] = []
    original = ModelAsker.ask

    async def spy(self, json_request, check=None):
        purposes.append(json_request.purpose)
        return await original(self, json_request, check)

    monkeypatch.setattr(ModelAsker, "ask", spy)
    return purposes


def test_the_decider_evaluator_and_designer_all_ask_through_the_port(ollama_server, asked):
    decide(LLMDecisionMaker(LLMClient(settings_for(ollama_server))), decision_request())

    async def evaluate_and_design() -> None:
        async with ModelAsker(LLMClient(settings_for(ollama_server))) as asker:
            await evaluate_run(
                _summary(), "t1: nothing", DEFAULT_DIMENSIONS, model="ollama/llama3.2", ask=asker
            )
            await design_scenario(
                "A flood", model="ollama/llama3.2", agent_model="offline/heuristic", ask=asker
            )

    asyncio.run(evaluate_and_design())

    assert asked == ["decide", "evaluate", "design"]


def _summary() -> RunSummary:
    facts = RunFacts("1", "Flood", "flood", "completed", end_reason="max_ticks", ticks=1)
    return RunSummary(facts=facts)
