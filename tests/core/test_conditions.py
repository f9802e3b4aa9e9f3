"""Conditions over metrics: comparisons, all/any combinations and undefined metrics."""

from __future__ import annotations

import pytest

from simengine.core.conditions import AllOf, AnyOf, MetricCondition, parse_condition
from simengine.core.metrics import evaluate_condition

METRICS = {"casualties": 12, "rescued_fraction": 0.95, "first_casualty_tick": None}


@pytest.mark.parametrize(
    ("op", "value", "holds"),
    [
        (">=", 12, True),
        (">", 12, False),
        ("<=", 11, False),
        ("<", 13, True),
        ("==", 12, True),
        ("!=", 12, False),
    ],
)
def test_each_operator_compares_the_metric_with_the_value(
    op: str, value: float, holds: bool
) -> None:
    assert evaluate_condition(MetricCondition("casualties", op, value), METRICS) is holds


def test_all_needs_every_condition_and_any_needs_one() -> None:
    high = MetricCondition("rescued_fraction", ">=", 0.9)
    many = MetricCondition("casualties", ">=", 30)
    assert evaluate_condition(AnyOf((high, many)), METRICS) is True
    assert evaluate_condition(AllOf((high, many)), METRICS) is False
    assert evaluate_condition(AllOf((high, AnyOf((many, high)))), METRICS) is True


def test_an_undefined_or_missing_metric_never_satisfies_a_condition() -> None:
    assert evaluate_condition(MetricCondition("first_casualty_tick", "<", 100), METRICS) is False
    assert evaluate_condition(MetricCondition("nothing", "!=", 1), METRICS) is False


def test_nested_conditions_parse_from_plain_data() -> None:
    raw = {
        "any": [
            {"all": [{"metric": "a", "op": "<", "value": 1}]},
            {"metric": "b", "op": "==", "value": 2},
        ]
    }
    condition, errors = parse_condition(raw, "c", ["a", "b"], "w")
    assert errors == []
    assert condition == AnyOf(
        (AllOf((MetricCondition("a", "<", 1),)), MetricCondition("b", "==", 2))
    )
    assert condition.to_dict() == raw


def test_all_and_any_cannot_be_mixed_in_one_mapping() -> None:
    raw = {"all": [{"metric": "a", "op": "<", "value": 1}], "any": []}
    assert parse_condition(raw, "c", ["a"], "w") == (
        None,
        ["c: 'all' cannot be combined with 'any'"],
    )


def test_conditions_are_data_not_code() -> None:
    raw = {"metric": "__import__('os').system('true')", "op": ">=", "value": 1}
    condition, errors = parse_condition(raw, "c", ["a"], "w")
    assert condition is None
    assert errors[0].startswith("c.metric: unknown metric")
