from simengine.llm import LLMClient, LLMDecisionMaker, check_ollama_sync, preflight
from tests.fakes import FakeOllama

from .factories import decision_request
from .helpers import decide, settings_for


def stopped_server() -> FakeOllama:
    server = FakeOllama().start()
    server.stop()
    return server


def test_a_refused_connection_is_retried_then_recorded_naming_ollama_host():
    server = stopped_server()
    maker = LLMDecisionMaker(LLMClient(settings_for(server, ollama_retries=2)))

    [outcome] = decide(maker, decision_request())

    [record] = outcome.calls
    assert record.retries == 2
    assert record.error == (
        f"Ollama is not reachable at OLLAMA_HOST={server.url}: start it with `ollama serve` "
        "(or set OLLAMA_HOST to a running server), or use an offline/ model"
    )
    assert outcome.fallback == record.error


def test_the_health_check_and_preflight_name_ollama_host_when_nothing_listens():
    server = stopped_server()

    health = check_ollama_sync(server.url)
    [status] = preflight(["ollama/llama3.2"], settings_for(server))

    assert (health.reachable, health.version, health.models) == (False, None, ())
    assert f"OLLAMA_HOST={server.url}" in (health.error or "")
    assert status.ok is False
    assert status.message == health.error


def test_the_health_check_lists_version_and_pulled_models(ollama_server):
    health = check_ollama_sync(settings_for(ollama_server))

    assert health.reachable is True
    assert health.version == "0.12.6"
    assert health.models == ("llama3.2:latest", "qwen2.5:7b")
    assert health.has_model("llama3.2") and not health.has_model("qwen2.5")
