"""Each call's outcome is classified from what was recorded, as the sink writes it."""

from __future__ import annotations

import pytest

from simengine.core.call_outcomes import CallFacts, call_outcomes
from tests.api.factories import make_run
from tests.observability.factories import record, store

pytestmark = pytest.mark.django_db


def test_first_answers_repairs_no_ops_errors_and_timeouts_each_get_their_outcome():
    run = make_run()
    calls = store(
        run,
        1,
        record("A"),  # usable at once
        record("B", parsed=None),  # invalid, then repaired
        record("C", parsed=None),  # invalid, repair invalid too: a no-op
        record("B", purpose="repair"),
        record("C", purpose="repair", parsed=None),
        record("D", error="Ollama at http://x answered HTTP 500"),
        record("E", error="Ollama at http://x did not answer within 30s", timed_out=True),
    )
    assert [(c.agent, c.purpose, c.outcome) for c in calls] == [
        ("A", "decide", "ok"),
        ("B", "decide", "repaired"),
        ("C", "decide", "noop"),
        ("B", "repair", "repaired"),
        ("C", "repair", "noop"),
        ("D", "decide", "provider_error"),
        ("E", "decide", "timeout"),
    ]


def test_a_repair_that_errors_leaves_the_first_call_a_no_op():
    facts = [
        CallFacts("A", "evaluate", usable=False),
        CallFacts("A", "evaluate_repair", usable=False, error="timed out", timed_out=True),
    ]
    assert call_outcomes(facts) == ["noop", "timeout"]


def test_an_invalid_answer_without_a_repair_is_a_no_op():
    assert call_outcomes([CallFacts("A", "design", usable=False)]) == ["noop"]
