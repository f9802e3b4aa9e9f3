"""Summary statistics over many runs: mean, standard deviation and a 95% t-interval."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

from scipy import stats as scipy_stats


@dataclass(frozen=True)
class MetricSummary:
    """One metric across runs: sample size, mean, sample std and the CI of the mean."""

    n: int
    mean: float
    std: float
    ci_low: float
    ci_high: float

    def to_json(self) -> dict[str, float]:
        """The summary as JSON data."""
        return asdict(self)


def summarize_values(values: Iterable[float], confidence: float = 0.95) -> MetricSummary:
    """Mean, sample std and the t-distribution confidence interval of the mean."""
    xs = [float(v) for v in values]
    n = len(xs)
    if n == 0:
        nan = float("nan")
        return MetricSummary(0, nan, nan, nan, nan)
    mean = math.fsum(xs) / n
    if n == 1:
        return MetricSummary(1, mean, 0.0, mean, mean)
    std = math.sqrt(math.fsum((x - mean) ** 2 for x in xs) / (n - 1))
    half = float(scipy_stats.t.ppf((1 + confidence) / 2, n - 1)) * std / math.sqrt(n)
    return MetricSummary(n, mean, std, mean - half, mean + half)


def summarize(samples: Iterable[Mapping[str, object]]) -> dict[str, dict[str, float]]:
    """Per numeric metric across samples (None and non-numbers skipped), as JSON-able dicts."""
    columns: dict[str, list[float]] = {}
    for sample in samples:
        for name, value in sample.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            if math.isfinite(value):
                columns.setdefault(name, []).append(float(value))
    return {name: summarize_values(values).to_json() for name, values in sorted(columns.items())}
