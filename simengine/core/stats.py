"""Summary statistics over many runs: mean, std and a 95% interval within the metric's bounds.

The interval's method depends on what the metric declares (`MetricDef.low` / `high`):
- both bounds (a fraction, a score on a range): the Wilson score interval of the mean as a
  share of the range, which cannot leave the range;
- one bound (a count, a tick): the percentile bootstrap of the mean (2000 seeded resamples),
  which stays within the observed values, so never beyond the bound;
- no bound: Student's t interval of the mean.
The method's name is part of each summary, so a page can say how it was computed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

from scipy import stats as scipy_stats

Bounds = tuple[float | None, float | None]
BOOTSTRAP_RESAMPLES = 2000

METHOD_LABELS = {
    "t": "Student's t",
    "wilson": "Wilson score on the metric's range",
    "bootstrap": "percentile bootstrap (2000 resamples)",
    "single": "one run: no interval",
}


@dataclass(frozen=True)
class MetricSummary:
    """One metric across runs: sample size, mean, sample std, the CI of the mean and its method."""

    n: int
    mean: float
    std: float
    ci_low: float
    ci_high: float
    method: str = "t"

    def to_json(self) -> dict[str, float | str]:
        """The summary as JSON data."""
        return asdict(self)


def summarize_values(
    values: Iterable[float], confidence: float = 0.95, bounds: Bounds = (None, None)
) -> MetricSummary:
    """Mean, sample std and a confidence interval of the mean within `bounds` (low, high)."""
    xs = [float(v) for v in values]
    n = len(xs)
    if n == 0:
        nan = float("nan")
        return MetricSummary(0, nan, nan, nan, nan, "single")
    mean = math.fsum(xs) / n
    if n == 1:
        return MetricSummary(1, mean, 0.0, mean, mean, "single")
    std = math.sqrt(math.fsum((x - mean) ** 2 for x in xs) / (n - 1))
    low, high = bounds
    if low is not None and high is not None and high > low:
        ci_low, ci_high = _wilson(mean, n, low, high, confidence)
        return MetricSummary(n, mean, std, ci_low, ci_high, "wilson")
    if low is not None or high is not None:
        ci_low, ci_high = _bootstrap(xs, confidence)
        return MetricSummary(n, mean, std, ci_low, ci_high, "bootstrap")
    half = float(scipy_stats.t.ppf((1 + confidence) / 2, n - 1)) * std / math.sqrt(n)
    return MetricSummary(n, mean, std, mean - half, mean + half, "t")


def _wilson(mean: float, n: int, low: float, high: float, confidence: float) -> tuple[float, float]:
    """The Wilson score interval of a mean taken as a share of [low, high], mapped back."""
    span = high - low
    p = min(1.0, max(0.0, (mean - low) / span))
    z = float(scipy_stats.norm.ppf((1 + confidence) / 2))
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    lo, hi = max(0.0, centre - half), min(1.0, centre + half)
    return low + lo * span, low + hi * span


def _bootstrap(xs: list[float], confidence: float) -> tuple[float, float]:
    """Percentiles of the means of resamples (seeded by the data: the same data, the same CI)."""
    ordered = sorted(xs)  # the same values in any order give the same interval
    rng = random.Random(repr(ordered))
    n = len(ordered)
    means = sorted(math.fsum(rng.choices(ordered, k=n)) / n for _ in range(BOOTSTRAP_RESAMPLES))
    tail = (1 - confidence) / 2
    lo = means[int(math.floor(tail * (BOOTSTRAP_RESAMPLES - 1)))]
    hi = means[int(math.ceil((1 - tail) * (BOOTSTRAP_RESAMPLES - 1)))]
    return lo, hi


def summarize(
    samples: Iterable[Mapping[str, object]], bounds: Mapping[str, Bounds] | None = None
) -> dict[str, dict[str, float | str]]:
    """Per numeric metric across samples (None and non-numbers skipped), as JSON-able dicts.

    `bounds` gives each metric's (low, high) where it has them.
    """
    columns: dict[str, list[float]] = {}
    for sample in samples:
        for name, value in sample.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            if math.isfinite(value):
                columns.setdefault(name, []).append(float(value))
    limits = bounds or {}
    return {
        name: summarize_values(values, bounds=limits.get(name, (None, None))).to_json()
        for name, values in sorted(columns.items())
    }
