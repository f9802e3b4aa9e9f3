"""Agreement between evaluators: per dimension, how close their scores are.

For one run: the mean absolute difference over every pair of evaluators, and the same as a
share of the range (`agreement = 1 - mad / span`). Across many runs: Krippendorff's alpha
for interval data (runs are the units, evaluators the coders; missing scores allowed).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from simengine.core.evaluation.dimensions import Dimension

Scores = Mapping[str, float]


@dataclass(frozen=True)
class DimensionAgreement:
    """How closely evaluators scored one dimension (None where too few scores to compare)."""

    dimension: str
    evaluators: int
    mean_abs_diff: float | None
    agreement: float | None  # 1 - mad / span, in [0, 1]
    alpha: float | None = None  # Krippendorff's alpha (interval) across runs

    def to_json(self) -> dict[str, object]:
        """Every field as plain JSON, for the run's evaluation report."""
        return asdict(self)


def _pairs_mad(values: Sequence[float]) -> float | None:
    pairs = list(itertools.combinations(values, 2))
    if not pairs:
        return None
    return sum(abs(a - b) for a, b in pairs) / len(pairs)


def run_agreement(
    evaluations: Sequence[Scores], dimensions: Sequence[Dimension]
) -> list[DimensionAgreement]:
    """Per dimension: the evaluators' mean pairwise distance on one run."""
    result = []
    for d in dimensions:
        values = [float(e[d.name]) for e in evaluations if _is_number(e.get(d.name))]
        mad = _pairs_mad(values)
        share = None if mad is None or not d.span else round(1 - mad / d.span, 4)
        result.append(
            DimensionAgreement(d.name, len(values), None if mad is None else round(mad, 4), share)
        )
    return result


def krippendorff_alpha(units: Sequence[Sequence[float | None]]) -> float | None:
    """Alpha for interval data: `units[i]` holds each coder's value for unit i (None = missing).

    Units with fewer than two values carry no pairing information and are skipped; the result
    is None when nothing is pairable or every value is the same.
    """
    pairable = [[float(v) for v in unit if v is not None] for unit in units]
    pairable = [values for values in pairable if len(values) >= 2]
    n = sum(len(values) for values in pairable)
    if n < 2:
        return None
    observed = 0.0
    for values in pairable:
        m = len(values)
        observed += sum((a - b) ** 2 for a, b in itertools.permutations(values, 2)) / (m - 1)
    observed /= n
    everything = [v for values in pairable for v in values]
    expected = sum((a - b) ** 2 for a, b in itertools.permutations(everything, 2))
    expected /= n * (n - 1)
    if expected == 0:
        return None
    return round(1 - observed / expected, 4)


def batch_agreement(
    runs: Sequence[Mapping[str, Scores]], dimensions: Sequence[Dimension]
) -> list[DimensionAgreement]:
    """Across runs (`{evaluator: scores}` per run): MAD, agreement and alpha per dimension."""
    coders = sorted({name for run in runs for name in run})
    result = []
    for d in dimensions:
        units = [[_value(run.get(coder, {}).get(d.name)) for coder in coders] for run in runs]
        rated = [[v for v in unit if v is not None] for unit in units]
        rated = [values for values in rated if len(values) >= 2]
        mad = sum(_pairs_mad(v) or 0.0 for v in rated) / len(rated) if rated else None
        share = None if mad is None or not d.span else round(1 - mad / d.span, 4)
        result.append(
            DimensionAgreement(
                d.name,
                len(coders),
                None if mad is None else round(mad, 4),
                share,
                krippendorff_alpha(units),
            )
        )
    return result


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _value(value: object) -> float | None:
    return float(value) if _is_number(value) else None  # type: ignore[arg-type]
