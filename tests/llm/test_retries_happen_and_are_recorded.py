from simengine.llm import LLMClient, LLMDecisionMaker
from tests.fakes import Reply

from .factories import decision_request
from .helpers import decide, settings_for


def test_server_errors_are_retried_and_the_retry_count_is_recorded(ollama_server):
    ollama_server.script(Reply.error(500), Reply.error(503, "server busy"))
    maker = LLMDecisionMaker(LLMClient(settings_for(ollama_server, ollama_retries=3)))

    [outcome] = decide(maker, decision_request())

    assert outcome.fallback is None
    assert outcome.decision.actions == ({"type": "wait"},)
    [record] = outcome.calls
    assert (record.retries, record.error) == (2, None)
    assert ollama_server.stats().total == 3


def test_a_dropped_connection_is_retried(ollama_server):
    ollama_server.script(Reply(drop=True))
    maker = LLMDecisionMaker(LLMClient(settings_for(ollama_server)))

    [outcome] = decide(maker, decision_request())

    assert outcome.fallback is None
    assert outcome.calls[0].retries == 1


def test_when_retries_run_out_the_error_and_every_retry_are_recorded(ollama_server):
    ollama_server.script(*[Reply.error(500, "kaput")] * 3)
    maker = LLMDecisionMaker(LLMClient(settings_for(ollama_server, ollama_retries=2)))

    [outcome] = decide(maker, decision_request())

    [record] = outcome.calls
    assert record.retries == 2
    assert record.error == (
        f"Ollama at {ollama_server.url} answered HTTP 500 after 2 retries: kaput"
    )
    assert outcome.fallback == record.error
    assert outcome.decision.actions == ({"type": "wait"},)


def test_client_errors_are_not_retried(ollama_server):
    ollama_server.script(Reply.error(400, "bad request"))
    maker = LLMDecisionMaker(LLMClient(settings_for(ollama_server)))

    [outcome] = decide(maker, decision_request())

    assert outcome.calls[0].retries == 0
    assert ollama_server.stats().total == 1
