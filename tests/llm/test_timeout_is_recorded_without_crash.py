from simengine.llm import LLMClient, LLMDecisionMaker
from tests.fakes import Reply

from .factories import decision_request
from .helpers import decide, settings_for


def test_an_answer_slower_than_the_timeout_becomes_a_recorded_error_and_a_noop(ollama_server):
    ollama_server.script(Reply.slow(3))
    maker = LLMDecisionMaker(LLMClient(settings_for(ollama_server, ollama_timeout=0.3)))

    [outcome] = decide(maker, decision_request())

    [record] = outcome.calls
    assert record.error == (
        f"Ollama at {ollama_server.url} did not answer within 0.3s (SIMENGINE_OLLAMA_TIMEOUT): "
        "the model is too slow or the server is overloaded"
    )
    assert record.retries == 0
    assert 250 <= record.latency_ms < 2000
    assert outcome.decision.actions == ({"type": "wait"},)
    assert outcome.fallback == record.error


def test_other_agents_still_decide_when_one_call_times_out(ollama_server):
    ollama_server.script(Reply.slow(3))
    maker = LLMDecisionMaker(LLMClient(settings_for(ollama_server, ollama_timeout=0.5)))

    outcomes = decide(maker, *(decision_request(tick=1) for _ in range(4)))

    assert sorted(o.fallback is None for o in outcomes) == [False, True, True, True]
