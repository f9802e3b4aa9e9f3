from simengine.llm import LLMClient, LLMDecisionMaker

from .factories import agent, decision_request, flood_schema
from .helpers import decide, settings_for


def test_seed_temperature_schema_and_keep_alive_arrive_in_the_ollama_request(ollama_server):
    settings = settings_for(ollama_server, max_tokens=300, ollama_keep_alive="15m")
    maker = LLMDecisionMaker(LLMClient(settings))
    request = decision_request(profile=agent(temperature=0.35), seed=4242)

    decide(maker, request)

    [body] = ollama_server.chats()
    assert body["model"] == "llama3.2"
    assert body["stream"] is False
    assert body["options"] == {"seed": 4242, "temperature": 0.35, "num_predict": 300}
    assert body["format"] == flood_schema()
    assert body["keep_alive"] == "15m"


def test_the_same_request_twice_sends_the_same_seed(ollama_server):
    maker = LLMDecisionMaker(LLMClient(settings_for(ollama_server)))

    decide(maker, decision_request(tick=7), decision_request(tick=7))

    first, second = ollama_server.chats()
    assert first == second
