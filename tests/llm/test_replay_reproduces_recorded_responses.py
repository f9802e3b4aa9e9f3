import json
from dataclasses import replace

from simengine.llm import InMemoryReplaySource, LLMClient, LLMDecisionMaker
from tests.fakes import Reply

from .factories import agent, decision_request, valid_decision
from .helpers import decide, settings_for


def recorded_run(ollama_server):
    """Three agents over two ticks on the stand-in; one answer needs a repair."""
    ollama_server.script(Reply.text("Let me think."), Reply.json(valid_decision()))
    maker = LLMDecisionMaker(LLMClient(settings_for(ollama_server)))
    requests = [
        decision_request(run_id="run-7", tick=t, profile=agent(f"Agent {n}"))
        for t in (1, 2)
        for n in range(3)
    ]
    outcomes = [decide(maker, r)[0] for r in requests]
    return requests, outcomes


def replayed(requests, source):
    maker = LLMDecisionMaker(LLMClient(settings_for(), replay_source=source))
    again = [replace(r, agent=replace(r.agent, model="replay/run-7")) for r in requests]
    return [decide(maker, r)[0] for r in again]


def test_replaying_a_run_gives_every_agent_the_same_decisions_without_any_model(ollama_server):
    requests, original = recorded_run(ollama_server)
    calls = [c for o in original for c in o.calls]
    source = InMemoryReplaySource.from_records("run-7", calls)
    served = ollama_server.stats().total

    replay = replayed(requests, source)

    assert [o.decision for o in replay] == [o.decision for o in original]
    assert [[c.response_text for c in o.calls] for o in replay] == [
        [c.response_text for c in o.calls] for o in original
    ]
    assert [c.purpose for c in replay[0].calls] == ["decide", "repair"]
    assert {c.provider for o in replay for c in o.calls} == {"replay"}
    assert ollama_server.stats().total == served


def test_a_replay_source_can_be_read_from_a_jsonl_file(ollama_server, tmp_path):
    requests, original = recorded_run(ollama_server)
    path = tmp_path / "run-7.jsonl"
    lines = [{"type": "tick", "tick": 1}]
    lines += [
        {"type": "llm_call", "run_id": "run-7", "call": c.to_json()}
        for o in original
        for c in o.calls
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")

    replay = replayed(requests, InMemoryReplaySource.from_jsonl(path))

    assert [o.decision for o in replay] == [o.decision for o in original]


def test_a_call_the_run_did_not_record_becomes_a_recorded_noop():
    request = decision_request(run_id="run-7", tick=99)

    [outcome] = replayed([request], InMemoryReplaySource())

    [record] = outcome.calls
    assert record.error == "run run-7 recorded no decide response for agent rescuer-1 at tick 99"
    assert outcome.decision.actions == ({"type": "wait"},)
