from simengine.llm import LLMClient, LLMDecisionMaker
from tests.fakes import Reply

from .factories import decision_request, valid_decision
from .helpers import decide, settings_for


def test_json_of_the_wrong_shape_is_repaired_with_the_validation_error(ollama_server):
    wrong = {"thought": "go", "actions": [{"type": "move", "to": "the moon"}]}
    ollama_server.script(Reply.json(wrong), Reply.json(valid_decision()))
    maker = LLMDecisionMaker(LLMClient(settings_for(ollama_server)))

    [outcome] = decide(maker, decision_request())

    assert outcome.fallback is None
    assert outcome.decision.actions == ({"type": "move", "to": "school"},)
    first, repair = outcome.calls
    assert first.parsed is None
    assert repair.parsed == valid_decision()
    sent = ollama_server.chats()[1]["messages"][-1]["content"]
    assert "(top level): 'message' is a required property" in sent
    assert "actions[0].to: 'the moon' is not one of" in sent


def test_json_wrapped_in_a_code_fence_after_prose_is_accepted(ollama_server):
    text = "Here is my decision:\n```json\n" + Reply.json(valid_decision()).content + "\n```"
    ollama_server.script(Reply.text(text))
    maker = LLMDecisionMaker(LLMClient(settings_for(ollama_server)))

    [outcome] = decide(maker, decision_request())

    assert outcome.fallback is None
    assert len(outcome.calls) == 1
    assert outcome.decision.message is not None
    assert outcome.decision.message.text == "Heading to the school."
