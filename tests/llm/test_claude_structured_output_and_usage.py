from simengine.llm import LLMClient, LLMDecisionMaker
from simengine.llm.providers.anthropic import TOOL_NAME
from tests.fakes import FakeAnthropic, Reply

from .factories import decision_request, flood_schema, valid_decision
from .helpers import ANTHROPIC_KEY, decide, generate, settings_for

CLAUDE = "anthropic/claude-haiku-4-5"


def test_claude_is_asked_for_the_decision_through_one_forced_tool(anthropic_server):
    anthropic_server.script(Reply.json(valid_decision()))
    maker = LLMDecisionMaker(LLMClient(settings_for(anthropic=anthropic_server, max_tokens=400)))

    [outcome] = decide(maker, decision_request(model=CLAUDE))

    [body] = anthropic_server.messages()
    assert body["model"] == "claude-haiku-4-5"
    assert body["max_tokens"] == 400
    assert body["tools"] == [
        {
            "name": TOOL_NAME,
            "description": "Give your answer as this tool's input, matching its schema.",
            "input_schema": flood_schema(),
        }
    ]
    assert body["tool_choice"] == {"type": "tool", "name": TOOL_NAME}
    assert body["system"].startswith("You are Rescuer 1")
    assert [m["role"] for m in body["messages"]] == ["user"]
    assert outcome.fallback is None
    assert outcome.decision.actions == ({"type": "move", "to": "school"},)


def test_claude_usage_is_recorded_from_the_response(anthropic_server):
    maker = LLMDecisionMaker(LLMClient(settings_for(anthropic=anthropic_server)))

    [outcome] = decide(maker, decision_request(model=CLAUDE))

    [record] = outcome.calls
    body = anthropic_server.messages()[0]
    prompt_chars = len(body["system"]) + len(body["messages"][0]["content"])
    assert record.provider == "anthropic"
    assert record.tokens_in == prompt_chars // 4
    assert record.tokens_out == len(record.response_text) // 4
    assert record.parsed is not None


def test_the_api_key_is_sent_and_a_missing_key_says_which_variable_to_set(anthropic_server):
    generate(LLMClient(settings_for(anthropic=anthropic_server)), CLAUDE)
    [request] = anthropic_server.requests
    assert request.headers["authorization"] == f"Bearer {ANTHROPIC_KEY}"

    maker = LLMDecisionMaker(LLMClient(settings_for()))
    [outcome] = decide(maker, decision_request(model=CLAUDE))
    assert (outcome.calls[0].error or "").startswith("ANTHROPIC_API_KEY is not set")


def test_a_rejected_key_is_reported_plainly():
    with FakeAnthropic(api_key="the-real-key") as server:
        maker = LLMDecisionMaker(LLMClient(settings_for(anthropic=server)))
        [outcome] = decide(maker, decision_request(model=CLAUDE))

    assert (
        outcome.calls[0].error == "Anthropic rejected ANTHROPIC_API_KEY (HTTP 401): check the key"
    )
    assert outcome.calls[0].retries == 0


def test_an_overloaded_api_is_retried(anthropic_server):
    anthropic_server.script(Reply.error(529, "Overloaded"), Reply.error(500))
    maker = LLMDecisionMaker(LLMClient(settings_for(anthropic=anthropic_server)))

    [outcome] = decide(maker, decision_request(model=CLAUDE))

    assert outcome.fallback is None
    assert outcome.calls[0].retries == 2
