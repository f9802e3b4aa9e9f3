from simengine.core.decision import Decision
from simengine.llm import LLMClient, LLMDecisionMaker
from tests.fakes import Reply

from .factories import decision_request
from .helpers import decide, settings_for


def test_non_json_output_gets_exactly_one_repair_call_then_a_recorded_noop(ollama_server):
    ollama_server.script(Reply.text("I think I should wait."), Reply.text("Still thinking..."))
    maker = LLMDecisionMaker(LLMClient(settings_for(ollama_server)))

    [outcome] = decide(maker, decision_request())

    assert ollama_server.stats().total == 2
    decide_call, repair_call = outcome.calls
    assert (decide_call.purpose, repair_call.purpose) == ("decide", "repair")
    assert decide_call.response_text == "I think I should wait."
    assert (decide_call.parsed, decide_call.error) == (None, None)
    assert (repair_call.parsed, repair_call.error) == (None, None)
    assert outcome.fallback == (
        "invalid output after one repair: the answer is not JSON: expected one JSON object, "
        "got 'Still thinking...'"
    )
    assert outcome.decision == Decision.noop(outcome.fallback)


def test_the_repair_request_shows_the_model_its_answer_and_the_error(ollama_server):
    ollama_server.script(Reply.text("I think I should wait."))
    maker = LLMDecisionMaker(LLMClient(settings_for(ollama_server)))

    [outcome] = decide(maker, decision_request())

    assert outcome.fallback is None
    repair = ollama_server.chats()[1]["messages"]
    assert [m["role"] for m in repair] == ["system", "user", "assistant", "user"]
    assert repair[2]["content"] == "I think I should wait."
    assert repair[3]["content"].startswith(
        "Your previous answer could not be used: the answer is not JSON"
    )
