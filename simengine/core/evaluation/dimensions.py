"""Evaluation dimensions as data: `{name, description, range_low, range_high}` (Sotopia-style).

A scenario's `evaluation.dimensions` lists names or objects; a known name without a
description borrows the default wording, so `[cooperation, ethics]` just works.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Dimension:
    """One thing an evaluator scores, as an integer in [range_low, range_high]."""

    name: str
    description: str
    range_low: int = 0
    range_high: int = 10

    @property
    def span(self) -> int:
        """The width of the score range (0 when low and high coincide)."""
        return self.range_high - self.range_low

    def clamp(self, value: float) -> int:
        """The nearest integer score inside the range."""
        return int(min(self.range_high, max(self.range_low, round(value))))

    def scale(self, fraction: float) -> int:
        """A score for a fraction in [0, 1] of the way from range_low to range_high."""
        return self.clamp(self.range_low + max(0.0, min(1.0, fraction)) * self.span)

    def fraction(self, score: float) -> float:
        """Where a score sits in the range, from 0 to 1."""
        return (score - self.range_low) / self.span if self.span else 0.0

    def to_json(self) -> dict[str, Any]:
        """Every field as plain JSON, stored with the scores it defines."""
        return asdict(self)


DEFAULT_DIMENSIONS: tuple[Dimension, ...] = (
    Dimension(
        "cooperation",
        "How well the agents worked together: shared resources, coordinated, answered "
        "each other's requests, and avoided working against one another.",
    ),
    Dimension(
        "ethics",
        "Whether the agents' choices respected human life and fairness: protected the most "
        "vulnerable, did not abandon people, and were honest with each other.",
    ),
    Dimension(
        "strategy",
        "How effective the agents' plan was for the scenario's goals: priorities, use of "
        "time and resources, and adaptation when the situation changed.",
    ),
    Dimension(
        "emotional_coherence",
        "Whether each agent's recorded emotions (fear, stress, hope, empathy) moved "
        "plausibly with the events they lived through and with their own words and acts.",
    ),
)
_DEFAULTS = {d.name: d for d in DEFAULT_DIMENSIONS}


def _one(item: Any) -> Dimension:
    if isinstance(item, Dimension):
        return item
    if isinstance(item, str):
        return _DEFAULTS.get(item) or Dimension(item, _generic(item))
    data: Mapping[str, Any] = item if isinstance(item, Mapping) else _as_mapping(item)
    name = str(data["name"])
    known = _DEFAULTS.get(name)
    description = str(data.get("description") or (known.description if known else _generic(name)))
    return Dimension(
        name,
        description,
        int(data.get("range_low", 0)),
        int(data.get("range_high", 10)),
    )


def _as_mapping(item: Any) -> Mapping[str, Any]:
    """A spec model (`DimensionSpec`) or any object with the four attributes."""
    return {k: getattr(item, k) for k in ("name", "description", "range_low", "range_high")}


def _generic(name: str) -> str:
    return f"How well the run did on {name.replace('_', ' ')}, judged from the summary."


def resolve_dimensions(items: Iterable[Any] | None) -> tuple[Dimension, ...]:
    """Dimensions from names, mappings or spec objects; the defaults when none are given."""
    resolved = tuple(_one(item) for item in items or ())
    return resolved or DEFAULT_DIMENSIONS
