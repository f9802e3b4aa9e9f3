from simengine.core.decision import LLMCallRecord
from simengine.llm import Usage, over_budget, usage_by_agent, usage_by_model, usage_total


def call(agent: str, tokens_in: int, tokens_out: int, **extra) -> LLMCallRecord:
    values = {
        "provider": "ollama",
        "model": "ollama/llama3.2",
        "purpose": "decide",
        "system": "",
        "messages": (),
        "response_text": "{}",
        "parsed": None,
        "tokens_in": tokens_in,
        "tokens_out": tokens_out,
        "latency_ms": 100.0,
        "agent_id": agent,
        "tick": 1,
    }
    return LLMCallRecord(**{**values, **extra})


RECORDS = [
    call("a", 100, 20),
    call("a", 120, 25, retries=2),
    call("b", 90, 0, error="timeout", model="anthropic/claude-haiku-4-5"),
]


def test_a_runs_usage_is_the_sum_of_its_calls():
    assert usage_total(RECORDS) == Usage(
        calls=3, tokens_in=310, tokens_out=45, latency_ms=300.0, retries=2, errors=1
    )
    assert usage_total(RECORDS).tokens == 355


def test_usage_is_split_per_agent_and_per_model_and_accepts_dicts():
    per_agent = usage_by_agent([r.to_json() for r in RECORDS])
    per_model = usage_by_model(RECORDS)

    assert per_agent["a"].tokens == 265 and per_agent["b"].errors == 1
    assert per_model["anthropic/claude-haiku-4-5"].calls == 1
    assert per_model["ollama/llama3.2"].to_json()["tokens"] == 265


def test_a_budget_is_reached_at_its_limit():
    assert over_budget(usage_total(RECORDS), 355)
    assert not over_budget(usage_total(RECORDS), 356)
    assert not over_budget(usage_total(RECORDS), None)
