"""Agreement between evaluators: pairwise distance on a run, Krippendorff's alpha on many."""

import pytest

from simengine.core.evaluation import (
    DEFAULT_DIMENSIONS,
    Dimension,
    batch_agreement,
    krippendorff_alpha,
    run_agreement,
)

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 coders, 12 units.
CODERS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def test_alpha_for_interval_data_matches_krippendorffs_worked_example():
    units = [list(unit) for unit in zip(*CODERS, strict=True)]
    assert krippendorff_alpha(units) == pytest.approx(0.849, abs=0.001)


def test_alpha_is_one_for_perfect_agreement_and_none_without_variation():
    assert krippendorff_alpha([[1, 1], [5, 5], [3, 3]]) == 1.0
    assert krippendorff_alpha([[2, 2], [2, 2]]) is None
    assert krippendorff_alpha([[1], [2, None]]) is None


def test_one_run_reports_the_mean_pairwise_distance_per_dimension():
    rules = {"cooperation": 6, "ethics": 9, "strategy": 8, "emotional_coherence": 7}
    model = {"cooperation": 8, "ethics": 9, "strategy": 5, "emotional_coherence": 7}
    third = {"cooperation": 7, "ethics": 9, "strategy": 5}
    rows = {r.dimension: r for r in run_agreement([rules, model, third], DEFAULT_DIMENSIONS)}
    assert rows["cooperation"].mean_abs_diff == pytest.approx((2 + 1 + 1) / 3, abs=1e-4)
    assert rows["cooperation"].agreement == pytest.approx(1 - 4 / 3 / 10, abs=1e-4)
    assert rows["ethics"].agreement == 1.0
    assert rows["emotional_coherence"].evaluators == 2
    assert rows["strategy"].mean_abs_diff == 2.0


def test_a_single_evaluator_has_nothing_to_agree_with():
    [row] = run_agreement([{"courage": 3}], [Dimension("courage", "", 1, 5)])
    assert row.mean_abs_diff is None and row.agreement is None


def test_across_runs_the_alpha_and_mean_distance_are_reported():
    runs = [
        {"rules": {"ethics": 2}, "llm": {"ethics": 3}},
        {"rules": {"ethics": 8}, "llm": {"ethics": 8}},
        {"rules": {"ethics": 5}, "llm": {"ethics": 4}},
        {"rules": {"ethics": 9}},
    ]
    [row] = batch_agreement(runs, [Dimension("ethics", "")])
    assert row.evaluators == 2
    assert row.mean_abs_diff == pytest.approx(2 / 3, abs=1e-4)
    units: list[list[float | None]] = [[2, 3], [8, 8], [5, 4], [9, None]]
    assert row.alpha == krippendorff_alpha(units)
    assert row.alpha is not None and row.alpha > 0.9
