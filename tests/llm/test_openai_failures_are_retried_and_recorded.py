"""Failures of OpenAI-compatible servers are retried where it helps and recorded with advice.

429 honours retry-after, 5xx is retried with backoff; what outlasts the retries (or cannot be
retried) is a recorded error and the agent waits.
"""

from __future__ import annotations

import time

from simengine.llm import LLMClient, LLMDecisionMaker
from tests.fakes import FakeOpenAI, Reply

from .factories import decision_request
from .helpers import CLOSED_PORT_URL, decide, openai_settings

MODEL = "openai/llama-3.2-3b-instruct"


def maker_for(server: FakeOpenAI, **environ: str) -> LLMDecisionMaker:
    return LLMDecisionMaker(LLMClient(openai_settings(server, **environ)))


def where(server: FakeOpenAI) -> str:
    return f"the OpenAI-compatible server at {server.base_url} (OPENAI_BASE_URL)"


def test_a_429_waits_as_long_as_retry_after_says_then_succeeds(openai_server):
    openai_server.script(Reply.rate_limited(retry_after=0.6))

    started = time.monotonic()
    [outcome] = decide(maker_for(openai_server), decision_request(model=MODEL))
    elapsed = time.monotonic() - started

    first, second = (r.at for r in openai_server.requests)
    assert second - first >= 0.6
    assert elapsed < 5
    assert outcome.fallback is None
    [record] = outcome.calls
    assert (record.retries, record.output_mode, record.error) == (1, "json_schema", None)


def test_a_5xx_is_retried_and_the_sdk_itself_never_retries(openai_server):
    openai_server.script(Reply.error(500), Reply.error(503, "overloaded"))

    [outcome] = decide(maker_for(openai_server), decision_request(model=MODEL))

    assert openai_server.stats().total == 3
    assert outcome.calls[0].retries == 2 and outcome.fallback is None


def test_a_5xx_that_outlasts_the_retries_is_recorded_and_the_agent_waits(openai_server):
    openai_server.script(*[Reply.error(500, "engine crashed")] * 3)

    maker = maker_for(openai_server, SIMENGINE_OPENAI_RETRIES="2")
    [outcome] = decide(maker, decision_request(model=MODEL))

    [record] = outcome.calls
    assert openai_server.stats().total == 3
    assert record.retries == 2
    assert (
        record.error == f"{where(openai_server)} answered HTTP 500 after 2 retries: engine crashed"
    )
    assert outcome.decision.actions == ({"type": "wait"},)
    assert outcome.fallback == record.error


def test_a_body_that_is_not_json_is_a_recorded_error_not_a_crash(openai_server):
    openai_server.script(Reply.malformed())

    [outcome] = decide(maker_for(openai_server), decision_request(model=MODEL))

    [record] = outcome.calls
    assert openai_server.stats().total == 1
    assert record.error == (
        f"{where(openai_server)} answered something that is not a chat completion: "
        "'<html><body>502 Bad Gateway</body></html>'"
    )
    assert outcome.decision.actions == ({"type": "wait"},)


def test_an_answer_slower_than_the_timeout_is_recorded_with_the_setting_to_change(openai_server):
    openai_server.script(Reply.slow(3))

    maker = maker_for(openai_server, SIMENGINE_OPENAI_TIMEOUT="0.3")
    [outcome] = decide(maker, decision_request(model=MODEL))

    [record] = outcome.calls
    assert record.error == (
        f"{where(openai_server)} did not answer within 0.3s (SIMENGINE_OPENAI_TIMEOUT): the "
        "model is too slow or the server is overloaded (lower SIMENGINE_OPENAI_PARALLEL or "
        "raise the timeout)"
    )
    assert record.retries == 0
    assert 250 <= record.latency_ms < 2000


def test_usage_comes_from_the_answer_and_latency_is_measured(openai_server):
    openai_server.latency = 0.05

    [outcome] = decide(maker_for(openai_server), decision_request(model=MODEL))

    [record] = outcome.calls
    [body] = openai_server.completions()
    prompt = "".join(m["content"] for m in body["messages"])
    assert record.tokens_in == len(prompt) // 4
    assert record.tokens_out == len(record.response_text) // 4
    assert record.latency_ms >= 50
    assert (record.provider, record.model) == ("openai", MODEL)


def test_an_unknown_model_names_the_server(openai_server):
    [outcome] = decide(maker_for(openai_server), decision_request(model="openai/phi-9"))

    assert outcome.calls[0].error == (
        f"{where(openai_server)} does not serve model 'phi-9' (HTTP 404): pick one of its "
        "models (GET /models) or start the server with it"
    )


def test_a_refused_connection_says_which_variable_points_there():
    server = FakeOpenAI().start()
    server.stop()
    maker = LLMDecisionMaker(LLMClient(openai_settings(server, SIMENGINE_OPENAI_RETRIES="1")))

    [outcome] = decide(maker, decision_request(model=MODEL))

    assert outcome.calls[0].error == (
        f"{where(server)} is not reachable after 1 retries: start the server (vLLM, llama.cpp's "
        "llama-server, LM Studio) or fix OPENAI_BASE_URL, or use an offline/ model"
    )


def test_without_a_base_url_nothing_is_sent_and_the_record_says_what_to_set():
    maker = LLMDecisionMaker(LLMClient(openai_settings(None, OLLAMA_HOST=CLOSED_PORT_URL)))

    [outcome] = decide(maker, decision_request(model=MODEL))

    assert str(outcome.calls[0].error).startswith("OPENAI_BASE_URL is not set: set it to the ")


def test_a_key_is_sent_as_a_bearer_token_and_a_wrong_one_is_named():
    with FakeOpenAI(api_key="sk-local") as server:
        good = decide(maker_for(server, OPENAI_API_KEY="sk-local"), decision_request(model=MODEL))
        bad = decide(maker_for(server, OPENAI_API_KEY="sk-wrong"), decision_request(model=MODEL))

    assert good[0].fallback is None
    assert bad[0].calls[0].error == (
        f"{where(server)} rejected OPENAI_API_KEY (HTTP 401): set the key the server was "
        "started with"
    )
