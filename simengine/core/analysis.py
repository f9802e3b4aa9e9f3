"""Cross-run analysis: compare conditions, find what moves each metric, count behaviours.

Pure functions over plain numbers and event dicts. Two conditions (grid cells, batches,
models) are compared per metric with Welch's t-test and the Mann-Whitney U test, with
Cohen's d, Hedges' g (95% CI) and the rank-biserial correlation as effect sizes. Summary
statistics reuse `simengine.core.stats`.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from scipy import stats as scipy_stats

from simengine.core.stats import summarize

Z95 = 1.959963984540054
PANIC = re.compile(
    r"\b(panic\w*|help( us| me)?!|scared|terrified|afraid|we('re| are) (going to|gonna) die|"
    r"drowning|trapped|hurry|can'?t breathe|save us|oh god)\b|!{2,}",
    re.IGNORECASE,
)
FEAR_SPIKE_LEVEL = 0.8
FEAR_SPIKE_RISE = 0.3


def _finite(value: float | None) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def _values(samples: Iterable[Mapping[str, Any]], metric: str) -> list[float]:
    out = []
    for sample in samples:
        value = sample.get(metric)
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            out.append(float(value))
    return out


@dataclass(frozen=True)
class Comparison:
    """Condition A against condition B on one metric."""

    metric: str
    n_a: int
    n_b: int
    mean_a: float | None
    mean_b: float | None
    std_a: float | None
    std_b: float | None
    welch_t: float | None
    welch_df: float | None
    welch_p: float | None
    mann_whitney_u: float | None
    mann_whitney_p: float | None
    cohens_d: float | None
    hedges_g: float | None
    g_ci_low: float | None
    g_ci_high: float | None
    rank_biserial: float | None

    def to_json(self) -> dict[str, Any]:
        """The comparison as JSON data."""
        return asdict(self)


def _mean_std(xs: Sequence[float]) -> tuple[float | None, float | None]:
    if not xs:
        return None, None
    mean = math.fsum(xs) / len(xs)
    if len(xs) < 2:
        return mean, None
    return mean, math.sqrt(math.fsum((x - mean) ** 2 for x in xs) / (len(xs) - 1))


def _varies(std: float | None, mean: float | None) -> bool:
    """False for a constant sample (rounding noise included): its t statistic is undefined."""
    return std is not None and std > 1e-12 * (1 + abs(mean or 0.0))


def cohens_d(a: Sequence[float], b: Sequence[float]) -> float | None:
    """(mean A - mean B) / pooled sample standard deviation; None when undefined."""
    n1, n2 = len(a), len(b)
    (m1, s1), (m2, s2) = _mean_std(a), _mean_std(b)
    if n1 < 2 or n2 < 2 or m1 is None or m2 is None or s1 is None or s2 is None:
        return None
    pooled = math.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / (n1 + n2 - 2))
    return (m1 - m2) / pooled if _varies(pooled, max(abs(m1), abs(m2))) else None


def hedges_g(a: Sequence[float], b: Sequence[float]) -> tuple[float | None, float, float]:
    """Hedges' g (Cohen's d with the small-sample correction) and its normal 95% CI."""
    d = cohens_d(a, b)
    if d is None:
        return None, math.nan, math.nan
    n1, n2 = len(a), len(b)
    g = d * (1 - 3 / (4 * (n1 + n2) - 9))
    se = math.sqrt((n1 + n2) / (n1 * n2) + g**2 / (2 * (n1 + n2)))
    return g, g - Z95 * se, g + Z95 * se


def compare_samples(a: Sequence[float], b: Sequence[float], metric: str = "") -> Comparison:
    """Welch's t, Mann-Whitney U (two-sided) and effect sizes for two samples."""
    (mean_a, std_a), (mean_b, std_b) = _mean_std(a), _mean_std(b)
    t = df = p_t = u = p_u = rbc = None
    if len(a) >= 2 and len(b) >= 2 and (_varies(std_a, mean_a) or _varies(std_b, mean_b)):
        with warnings.catch_warnings():  # a constant sample beside a varying one is fine
            warnings.filterwarnings("ignore", "Precision loss", RuntimeWarning)
            welch = scipy_stats.ttest_ind(a, b, equal_var=False)
        t, df, p_t = _finite(welch.statistic), _finite(welch.df), _finite(welch.pvalue)
    if a and b:
        mw = scipy_stats.mannwhitneyu(a, b, alternative="two-sided")
        u, p_u = float(mw.statistic), _finite(mw.pvalue)
        rbc = 2 * u / (len(a) * len(b)) - 1
    g, low, high = hedges_g(a, b)
    return Comparison(
        metric, len(a), len(b), mean_a, mean_b, std_a, std_b, t, df, p_t, u, p_u,
        cohens_d(a, b), g, _finite(low), _finite(high), rbc,
    )  # fmt: skip


def compare_conditions(
    a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]], metrics: Sequence[str] = ()
) -> list[Comparison]:
    """Per metric (every numeric one both sides have, unless named), A against B."""
    names = list(metrics) or sorted({k for s in a for k in s} & {k for s in b for k in s})
    comparisons = [compare_samples(_values(a, m), _values(b, m), m) for m in names]
    return [c for c in comparisons if c.n_a and c.n_b]


@dataclass(frozen=True)
class ParameterEffect:
    """How one parameter moves one metric: lowest against highest level, and the trend."""

    parameter: str
    metric: str
    levels: list[dict[str, Any]]  # [{value, n, mean}] in value order
    low: Any
    high: Any
    hedges_g: float | None
    g_ci_low: float | None
    g_ci_high: float | None
    spearman_rho: float | None
    rho_ci_low: float | None
    rho_ci_high: float | None
    p_value: float | None  # Mann-Whitney U, lowest against highest level

    def to_json(self) -> dict[str, Any]:
        """The effect as JSON data."""
        return asdict(self)


def spearman_with_ci(
    x: Sequence[float], y: Sequence[float]
) -> tuple[float | None, float | None, float | None]:
    """Spearman's rho with a 95% CI from Fisher's z (Fieller's 1.06 / sqrt(n - 3) error)."""
    if len(x) < 4 or len(set(x)) < 2 or len(set(y)) < 2:
        return None, None, None
    rho = float(scipy_stats.spearmanr(x, y).statistic)
    if not math.isfinite(rho):
        return None, None, None
    if abs(rho) >= 1:
        return rho, rho, rho
    z, se = math.atanh(rho), 1.06 / math.sqrt(len(x) - 3)
    return rho, math.tanh(z - Z95 * se), math.tanh(z + Z95 * se)


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return 0, value
    return 1, json.dumps(value, sort_keys=True)


def parameter_effects(
    samples: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]], metrics: Sequence[str] = ()
) -> list[ParameterEffect]:
    """For every parameter with two or more levels and every metric: the effect sizes."""
    params = sorted({k for params, _ in samples for k in params})
    names = list(metrics) or sorted({k for _, m in samples for k in m})
    effects = []
    for parameter in params:
        levels = sorted(
            {json.dumps(p.get(parameter), sort_keys=True) for p, _ in samples if parameter in p},
            key=lambda raw: _sort_key(json.loads(raw)),
        )
        if len(levels) < 2:
            continue
        for metric in names:
            effect = _effect(samples, parameter, [json.loads(v) for v in levels], metric)
            if effect is not None:
                effects.append(effect)
    return effects


def _effect(
    samples: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]],
    parameter: str,
    levels: list[Any],
    metric: str,
) -> ParameterEffect | None:
    by_level = [[m for p, m in samples if p.get(parameter) == level] for level in levels]
    values = [_values(group, metric) for group in by_level]
    if sum(1 for v in values if v) < 2:
        return None
    rows = [
        {"value": level, "n": len(v), "mean": _mean_std(v)[0]}
        for level, v in zip(levels, values, strict=True)
    ]
    low, high = values[0], values[-1]
    g, g_low, g_high = hedges_g(high, low)
    p = None
    if low and high:
        p = _finite(scipy_stats.mannwhitneyu(high, low, alternative="two-sided").pvalue)
    rho: tuple[float | None, float | None, float | None] = (None, None, None)
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in levels):
        xs = [float(level) for level, v in zip(levels, values, strict=True) for _ in v]
        rho = spearman_with_ci(xs, [y for v in values for y in v])
    return ParameterEffect(
        parameter, metric, rows, levels[0], levels[-1], g, _finite(g_low), _finite(g_high),
        *rho, p,
    )  # fmt: skip


def scores_by_cell(
    rows: Iterable[tuple[str, Mapping[str, Any], str, Mapping[str, Any]]],
) -> dict[str, dict[str, Any]]:
    """`(cell key, params, evaluator, scores)` rows -> per cell and evaluator: mean, CI, n."""
    cells: dict[str, dict[str, Any]] = {}
    samples: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for key, params, evaluator, scores in rows:
        cells.setdefault(key, {"params": dict(params), "evaluators": {}})
        samples.setdefault((key, evaluator), []).append(scores)
    for (key, evaluator), cell_scores in sorted(samples.items()):
        cells[key]["evaluators"][evaluator] = summarize(cell_scores)
    return dict(sorted(cells.items()))


def behaviour_counts(events: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Recurring behaviours in one run: sharing, refusals, panic messages, fear spikes."""
    counts = {"sharing": 0, "refusals": 0, "panic_messages": 0, "fear_spikes": 0}
    last_fear: dict[str, float] = {}
    for event in events:
        kind, data = event.get("type"), event.get("data") or {}
        if kind == "AgentActed" and (data.get("action") or {}).get("type") == "share":
            counts["sharing"] += 1
        elif kind == "ActionRejected":
            counts["refusals"] += 1
        elif kind == "MessageSent" and PANIC.search(str(data.get("text", ""))):
            counts["panic_messages"] += 1
        elif kind == "AgentDecided":
            counts["fear_spikes"] += _fear_spike(event, data, last_fear)
    return counts


def _fear_spike(event: Mapping[str, Any], data: Mapping[str, Any], last: dict[str, float]) -> int:
    fear = (data.get("emotion") or {}).get("fear")
    if isinstance(fear, bool) or not isinstance(fear, int | float):
        return 0
    agent = str(event.get("agent") or "")
    before = last.get(agent)
    last[agent] = float(fear)
    if before is None:
        return 0
    crossed = before < FEAR_SPIKE_LEVEL <= fear
    return int(crossed or fear - before >= FEAR_SPIKE_RISE)
