"""Cross-run statistics against scipy and against values worked out by hand."""

import math
from typing import Any

import pytest
from scipy import stats

from simengine.core.analysis import (
    behaviour_counts,
    cohens_d,
    compare_conditions,
    compare_samples,
    hedges_g,
    parameter_effects,
    scores_by_cell,
    spearman_with_ci,
)

A = [1.0, 2.0, 3.0, 4.0, 5.0]
B = [6.0, 7.0, 8.0, 9.0, 10.0]
X = [2.1, 3.4, 1.9, 5.6, 4.4, 3.3, 2.8]
Y = [4.5, 5.1, 6.3, 3.9, 5.8]


def test_welch_and_mann_whitney_match_scipy():
    result = compare_samples(X, Y, "m")
    welch = stats.ttest_ind(X, Y, equal_var=False)
    mann = stats.mannwhitneyu(X, Y, alternative="two-sided")
    assert result.welch_t == pytest.approx(welch.statistic)
    assert result.welch_df == pytest.approx(welch.df)
    assert result.welch_p == pytest.approx(welch.pvalue)
    assert result.mann_whitney_u == pytest.approx(mann.statistic)
    assert result.mann_whitney_p == pytest.approx(mann.pvalue)
    assert (result.n_a, result.n_b) == (7, 5)


def test_separated_samples_give_the_textbook_effect_sizes():
    result = compare_samples(A, B)
    assert result.welch_t == pytest.approx(-5.0)
    assert result.welch_df == pytest.approx(8.0)
    assert result.cohens_d == pytest.approx(-5 / math.sqrt(2.5))  # pooled sd sqrt(2.5)
    correction = 1 - 3 / (4 * 10 - 9)
    assert result.hedges_g is not None
    assert result.hedges_g == pytest.approx(-5 / math.sqrt(2.5) * correction)
    se = math.sqrt(10 / 25 + result.hedges_g**2 / 20)
    assert result.g_ci_low == pytest.approx(result.hedges_g - 1.959964 * se, abs=1e-5)
    assert result.g_ci_high == pytest.approx(result.hedges_g + 1.959964 * se, abs=1e-5)
    assert result.mann_whitney_u == 0
    assert result.rank_biserial == -1.0  # every B exceeds every A


def test_rank_biserial_is_the_common_language_effect_rescaled():
    result = compare_samples(X, Y)
    greater = sum((x > y) + 0.5 * (x == y) for x in X for y in Y)
    assert result.rank_biserial == pytest.approx(2 * greater / (len(X) * len(Y)) - 1)


def test_hedges_g_equals_cohens_d_times_the_small_sample_correction():
    g, low, high = hedges_g(X, Y)
    d = cohens_d(X, Y)
    assert g is not None and d is not None
    assert g == pytest.approx(d * (1 - 3 / (4 * 12 - 9)))
    assert low < g < high


def test_tiny_or_constant_samples_give_no_statistic_rather_than_nan():
    single = compare_samples([1.0], [2.0, 3.0])
    assert single.welch_t is None and single.welch_p is None and single.cohens_d is None
    assert single.mann_whitney_u is not None
    constant = compare_samples([2.0, 2.0, 2.0], [2.0, 2.0])
    assert constant.welch_t is None and constant.hedges_g is None
    assert constant.g_ci_low is None


def test_conditions_are_compared_on_every_metric_both_sides_have():
    a: list[dict[str, Any]] = [
        {"casualties": 3, "rescued": 10, "label": "x"},
        {"casualties": 5, "rescued": 12},
    ]
    b: list[dict[str, Any]] = [
        {"casualties": 1, "rescued": 20},
        {"casualties": 2, "rescued": 22, "only_b": 1},
    ]
    names = [c.metric for c in compare_conditions(a, b)]
    assert names == ["casualties", "rescued"]


def test_parameter_effects_find_a_monotone_parameter():
    samples = [
        ({"rain": rain, "noise": seed % 2}, {"casualties": rain * 10 + seed * 0.1})
        for rain in (0.2, 0.5, 0.8)
        for seed in range(4)
    ]
    effects = {(e.parameter, e.metric): e for e in parameter_effects(samples)}
    rain = effects[("rain", "casualties")]
    assert [level["value"] for level in rain.levels] == [0.2, 0.5, 0.8]
    assert (rain.low, rain.high) == (0.2, 0.8)
    assert rain.hedges_g is not None and rain.g_ci_low is not None
    assert rain.spearman_rho is not None
    assert rain.rho_ci_low is not None and rain.rho_ci_high is not None
    assert rain.hedges_g > 5 and rain.g_ci_low > 0
    assert rain.spearman_rho == pytest.approx(
        stats.spearmanr(
            [p["rain"] for p, _ in samples], [m["casualties"] for _, m in samples]
        ).statistic
    )
    assert -1 <= rain.rho_ci_low <= rain.spearman_rho <= rain.rho_ci_high <= 1
    assert rain.p_value == pytest.approx(
        stats.mannwhitneyu([8.0, 8.1, 8.2, 8.3], [2.0, 2.1, 2.2, 2.3]).pvalue
    )
    noise = effects[("noise", "casualties")].hedges_g
    assert noise is not None and abs(noise) < abs(rain.hedges_g)


def test_spearman_interval_uses_fishers_z_with_fiellers_error():
    x, y = [1, 2, 3, 4, 5, 6, 7, 8], [2, 1, 4, 3, 6, 5, 8, 7]
    rho, low, high = spearman_with_ci(x, y)
    assert rho is not None
    se = 1.06 / math.sqrt(len(x) - 3)
    assert rho == pytest.approx(stats.spearmanr(x, y).statistic)
    assert low == pytest.approx(math.tanh(math.atanh(rho) - 1.959964 * se), abs=1e-5)
    assert high == pytest.approx(math.tanh(math.atanh(rho) + 1.959964 * se), abs=1e-5)
    assert spearman_with_ci([1, 2, 3], [1, 2, 3]) == (None, None, None)


def test_scores_are_summarised_per_cell_and_evaluator():
    rows = [
        ('{"rain":0.2}', {"rain": 0.2}, "offline/heuristic", {"ethics": 6}),
        ('{"rain":0.2}', {"rain": 0.2}, "offline/heuristic", {"ethics": 8}),
        ('{"rain":0.2}', {"rain": 0.2}, "ollama/llama3.2", {"ethics": 5}),
    ]
    cells = scores_by_cell(rows)
    rules = cells['{"rain":0.2}']["evaluators"]["offline/heuristic"]["ethics"]
    assert (rules["n"], rules["mean"]) == (2, 7.0)
    assert cells['{"rain":0.2}']["params"] == {"rain": 0.2}


def test_behaviours_count_sharing_refusals_panic_and_fear_spikes():
    events = [
        {"type": "AgentActed", "agent": "A", "data": {"action": {"type": "share"}}},
        {"type": "AgentActed", "agent": "A", "data": {"action": {"type": "move"}}},
        {"type": "ActionRejected", "agent": "B", "data": {"reason": "no boat"}},
        {"type": "MessageSent", "agent": "B", "data": {"text": "Help us! We're trapped!!"}},
        {"type": "MessageSent", "agent": "B", "data": {"text": "Heading to the school."}},
        {"type": "AgentDecided", "agent": "C", "data": {"emotion": {"fear": 0.3}}},
        {"type": "AgentDecided", "agent": "C", "data": {"emotion": {"fear": 0.85}}},
        {"type": "AgentDecided", "agent": "C", "data": {"emotion": {"fear": 0.9}}},
        {"type": "AgentDecided", "agent": "D", "data": {"emotion": {"fear": 0.9}}},
    ]
    assert behaviour_counts(events) == {
        "sharing": 1,
        "refusals": 1,
        "panic_messages": 1,
        "fear_spikes": 1,
    }
