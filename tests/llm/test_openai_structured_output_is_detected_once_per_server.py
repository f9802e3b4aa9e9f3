"""Structured output on OpenAI-compatible servers is detected once per server and recorded.

json_schema where accepted, else json_object, else plain text with the schema in the prompt.
"""

from __future__ import annotations

import json

from jsonschema import validate

from simengine.llm import LLMClient, LLMDecisionMaker
from simengine.llm.providers.openai import accepted_mode, schema_instruction
from tests.fakes import FakeOpenAI, Reply

from .factories import decision_request, flood_schema
from .helpers import decide, openai_settings

MODEL = "openai/llama-3.2-3b-instruct"


def decide_twice(server: FakeOpenAI):
    maker = LLMDecisionMaker(LLMClient(openai_settings(server)))
    first = decide(maker, decision_request(model=MODEL, tick=1))
    second = decide(maker, decision_request(model=MODEL, tick=2))
    return first + second


def test_a_server_with_json_schema_support_gets_a_strict_schema_in_one_request(openai_server):
    outcomes = decide_twice(openai_server)

    assert openai_server.formats_asked() == ["json_schema", "json_schema"]
    body = openai_server.completions()[0]
    assert body["response_format"]["json_schema"]["strict"] is True
    assert body["response_format"]["json_schema"]["name"] == "decide"
    assert body["response_format"]["json_schema"]["schema"] == decision_request().action_schema
    assert [[c.output_mode for c in o.calls] for o in outcomes] == [["json_schema"]] * 2
    assert all(o.fallback is None for o in outcomes)


def test_a_server_that_refuses_json_schema_is_asked_for_json_object_and_that_is_remembered():
    with FakeOpenAI(formats=("json_object",)) as server:
        outcomes = decide_twice(server)

        assert server.formats_asked() == ["json_schema", "json_object", "json_object"]
        assert accepted_mode(server.base_url, "llama-3.2-3b-instruct") == "json_object"
        system = server.completions()[1]["messages"][0]["content"]
    assert system.endswith(schema_instruction(decision_request().action_schema))
    assert [[c.output_mode for c in o.calls] for o in outcomes] == [["json_object"]] * 2
    assert all(o.fallback is None and o.calls[0].error is None for o in outcomes)
    assert all(o.calls[0].retries == 0 for o in outcomes)


def test_a_server_without_response_format_gets_plain_text_parsed_from_prose():
    with FakeOpenAI(formats=()) as server:
        outcomes = decide_twice(server)

        assert server.formats_asked() == ["json_schema", "json_object", "text", "text"]
        answer = outcomes[1].calls[0].response_text
    assert answer.startswith("Here is my decision:\n```json\n")
    assert [[c.output_mode for c in o.calls] for o in outcomes] == [["text"]] * 2
    parsed = outcomes[1].calls[0].parsed
    validate(parsed, flood_schema())
    assert outcomes[1].decision.actions == ({"type": "wait"},)


def test_a_400_that_every_mode_gets_is_the_servers_answer_and_nothing_is_remembered(
    openai_server,
):
    openai_server.script(*[Reply.error(400, "prompt is longer than the context window")] * 3)
    maker = LLMDecisionMaker(LLMClient(openai_settings(openai_server)))

    [outcome] = decide(maker, decision_request(model=MODEL))

    assert openai_server.formats_asked() == ["json_schema", "json_object", "text"]
    assert outcome.calls[0].error == (
        f"the OpenAI-compatible server at {openai_server.base_url} (OPENAI_BASE_URL) answered "
        "HTTP 400: prompt is longer than the context window"
    )
    assert accepted_mode(openai_server.base_url, "llama-3.2-3b-instruct") == "json_schema"


def test_the_mode_is_remembered_per_server_not_for_every_server(openai_server):
    with FakeOpenAI(formats=("json_object",)) as older:
        decide_twice(older)
        decide_twice(openai_server)

        assert older.formats_asked() == ["json_schema", "json_object", "json_object"]
    assert openai_server.formats_asked() == ["json_schema", "json_schema"]


def test_seed_temperature_and_the_token_ceiling_reach_the_server(openai_server):
    maker = LLMDecisionMaker(LLMClient(openai_settings(openai_server)), max_tokens=300)

    decide(maker, decision_request(model=MODEL, seed=77))

    [body] = openai_server.completions()
    assert (body["seed"], body["temperature"], body["max_tokens"]) == (77, 0.7, 300)
    assert body["model"] == "llama-3.2-3b-instruct"
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert json.loads(json.dumps(body["response_format"]))["type"] == "json_schema"
