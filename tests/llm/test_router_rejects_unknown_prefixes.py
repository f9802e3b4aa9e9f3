import pytest

from simengine.llm import LLMClient, LLMDecisionMaker, UnknownModelError, split_model_id

from .factories import decision_request
from .helpers import decide, settings_for


def test_model_ids_split_on_the_first_slash():
    assert split_model_id("ollama/llama3.2") == ("ollama", "llama3.2")
    assert split_model_id("ollama/hf.co/org/model:Q4") == ("ollama", "hf.co/org/model:Q4")
    assert split_model_id("replay/run-42") == ("replay", "run-42")


def test_an_unknown_prefix_is_a_clear_error_with_a_suggestion():
    with pytest.raises(UnknownModelError) as error:
        split_model_id("olama/llama3.2")

    assert str(error.value) == (
        "unknown provider 'olama' in model id 'olama/llama3.2' (did you mean 'ollama'?): "
        "use ollama/<model>, anthropic/<model>, openai/<model>, offline/<model>, replay/<model>"
    )


def test_a_prefix_without_a_model_is_an_error():
    with pytest.raises(UnknownModelError, match="names no model: write ollama/<model>"):
        split_model_id("ollama/")


def test_an_agent_with_an_unknown_model_gets_a_recorded_noop_not_a_crash():
    maker = LLMDecisionMaker(LLMClient(settings_for()))

    [outcome] = decide(maker, decision_request(model="gpt/4"))

    assert outcome.calls[0].provider == "gpt"
    assert (outcome.calls[0].error or "").startswith("unknown provider 'gpt'")
    assert outcome.decision.actions == ({"type": "wait"},)
