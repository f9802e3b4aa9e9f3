"""Intervals of the mean respect each metric's declared bounds and name their method."""

import pytest

from simengine.core.stats import summarize, summarize_values
from simengine.core.worlds import metric_bounds


def test_a_fraction_interval_stays_within_zero_and_one() -> None:
    summary = summarize_values([0.75, 1.0, 1.0], bounds=(0, 1))
    assert summary.method == "wilson"
    assert 0 <= summary.ci_low <= summary.mean <= summary.ci_high <= 1
    # the plain t interval of these values leaves the range: what the console used to show
    assert summarize_values([0.75, 1.0, 1.0]).ci_high > 1


def test_all_ones_still_get_an_interval_below_one() -> None:
    summary = summarize_values([1.0, 1.0, 1.0, 1.0], bounds=(0, 1))
    assert summary.ci_high == 1.0 and 0.4 < summary.ci_low < 1.0


def test_a_count_interval_never_goes_below_zero() -> None:
    values = [0, 0, 0, 0, 20]
    summary = summarize_values(values, bounds=(0, None))
    assert summary.method == "bootstrap"
    assert 0 <= summary.ci_low <= summary.mean <= summary.ci_high <= 20
    assert summarize_values(values).ci_low < 0  # the old t interval did


def test_the_bootstrap_is_reproducible() -> None:
    values = [3, 8, 1, 0, 12, 5]
    assert summarize_values(values, bounds=(0, None)) == summarize_values(
        list(reversed(values)), bounds=(0, None)
    )


@pytest.mark.parametrize(
    ("bounds", "method"), [((None, None), "t"), ((0, None), "bootstrap"), ((0, 1), "wilson")]
)
def test_each_summary_names_its_method(bounds, method) -> None:
    assert summarize_values([0.2, 0.4, 0.5], bounds=bounds).method == method
    assert summarize_values([0.2], bounds=bounds).method == "single"


def test_flood_metrics_are_summarised_within_their_bounds() -> None:
    samples = [
        {"casualties": c, "rescued_fraction": f, "water_level": w}
        for c, f, w in [(0, 0.9, 3.1), (0, 1.0, 2.5), (0, 1.0, 4.0), (18, 0.85, 3.3)]
    ]
    summary = summarize(samples, metric_bounds("flood"))
    assert float(summary["casualties"]["ci_low"]) >= 0
    assert summary["casualties"]["method"] == "bootstrap"
    assert float(summary["rescued_fraction"]["ci_high"]) <= 1
    assert summary["rescued_fraction"]["method"] == "wilson"
    assert summary["water_level"]["method"] == "t"  # water level declares no bounds
