from simengine.llm import LLMClient, LLMDecisionMaker, preflight

from .factories import decision_request
from .helpers import decide, settings_for


def test_a_model_the_server_has_not_pulled_gives_the_pull_command(ollama_server):
    maker = LLMDecisionMaker(LLMClient(settings_for(ollama_server)))

    [outcome] = decide(maker, decision_request(model="ollama/mistral-nemo"))

    [record] = outcome.calls
    assert record.error == (
        f"Ollama at {ollama_server.url} does not have model 'mistral-nemo': "
        "run `ollama pull mistral-nemo`"
    )
    assert record.retries == 0
    assert outcome.decision.actions == ({"type": "wait"},)


def test_preflight_says_which_models_to_pull(ollama_server):
    statuses = preflight(["ollama/llama3.2", "ollama/mistral-nemo"], settings_for(ollama_server))

    assert [(s.model_id, s.ok) for s in statuses] == [
        ("ollama/llama3.2", True),
        ("ollama/mistral-nemo", False),
    ]
    assert statuses[0].message == f"ready on Ollama 0.12.6 at {ollama_server.url}"
    assert statuses[1].message.endswith("run `ollama pull mistral-nemo`")
