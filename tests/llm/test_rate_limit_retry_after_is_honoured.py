import time

from simengine.llm import LLMClient, LLMDecisionMaker
from tests.fakes import Reply

from .factories import decision_request
from .helpers import decide, settings_for


def test_claude_waits_as_long_as_retry_after_says_then_succeeds(anthropic_server):
    anthropic_server.script(Reply.rate_limited(retry_after=1))
    maker = LLMDecisionMaker(LLMClient(settings_for(anthropic=anthropic_server)))

    started = time.monotonic()
    [outcome] = decide(maker, decision_request(model="anthropic/claude-haiku-4-5"))
    elapsed = time.monotonic() - started

    first, second = (r.at for r in anthropic_server.requests)
    assert second - first >= 1.0
    assert elapsed < 5
    assert outcome.fallback is None
    assert outcome.calls[0].retries == 1


def test_a_rate_limit_that_outlasts_the_retries_is_recorded_with_advice(anthropic_server):
    anthropic_server.script(*[Reply.rate_limited(retry_after=0.05)] * 3)
    settings = settings_for(anthropic=anthropic_server, anthropic_retries=2)
    maker = LLMDecisionMaker(LLMClient(settings))

    [outcome] = decide(maker, decision_request(model="anthropic/claude-haiku-4-5"))

    [record] = outcome.calls
    assert record.retries == 2
    assert record.error == (
        "Anthropic rate limit (HTTP 429) after 2 retries: lower SIMENGINE_ANTHROPIC_RPM / "
        "SIMENGINE_ANTHROPIC_TPM or wait"
    )
