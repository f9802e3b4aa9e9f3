"""The offline evaluator: scores derived by fixed rules from metrics, events and emotions.

No model is involved, so its results are labelled rule-based. Each rule maps evidence to a
fraction of the dimension's range and says which numbers it used; a dimension without a
rule gets the middle of its range and says so.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from simengine.core.evaluation.dimensions import Dimension
from simengine.core.evaluation.prompt import ScoredAnswer
from simengine.core.evaluation.summary import RunSummary

Rule = Callable[[RunSummary], tuple[float, str]]
CALM_FEAR_JUMP = 0.25  # a fear rise this large with nothing distressing is incoherent
HIGH_FEAR = 0.6


def _num(metrics: Mapping[str, Any], name: str) -> float | None:
    value = metrics.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _active_actions(summary: RunSummary) -> int:
    return sum(n for kind, n in summary.actions.items() if kind != "wait")


def _deciders(summary: RunSummary) -> int:
    people = [a for a in summary.facts.agents if a.kind != "environment"]
    return max(1, len(people) or len(summary.actions_by_agent))


def cooperation_rule(summary: RunSummary) -> tuple[float, str]:
    """Cooperation from the share of helping actions and how much the agents talked."""
    helping = {k: n for k, n in summary.actions.items() if k in summary.facts.cooperative_actions}
    done = sum(helping.values())
    active = _active_actions(summary)
    share = done / active if active else 0.0
    talk = summary.messages / (_deciders(summary) * max(1, summary.facts.ticks))
    fraction = 0.65 * min(1.0, share / 0.5) + 0.35 * min(1.0, talk / 0.5)
    listed = ", ".join(f"{k} {n}" for k, n in sorted(helping.items())) or "none"
    return fraction, (
        f"{done} helping actions ({listed}) of {active} non-wait actions ({share:.0%}); "
        f"{summary.messages} messages, {talk:.2f} per agent per tick."
    )


def ethics_rule(summary: RunSummary) -> tuple[float, str]:
    """Ethics from welfare: people rescued, lost and treated, or a vote's fairness."""
    m = summary.facts.final_metrics
    rescued_fraction = _num(m, "rescued_fraction")
    if rescued_fraction is not None:
        rescued, deaths = _num(m, "rescued") or 0.0, _num(m, "casualties") or 0.0
        at_risk = _num(m, "civilians_at_risk") or 0.0
        death_share = deaths / (rescued + deaths + at_risk) if rescued + deaths + at_risk else 0.0
        treated, untreated = _num(m, "treated") or 0.0, _num(m, "injured_untreated") or 0.0
        care = treated / (treated + untreated) if treated + untreated else 1.0
        fraction = 0.5 * rescued_fraction + 0.3 * (1 - death_share) + 0.2 * care
        return fraction, (
            f"{rescued_fraction:.0%} of people at risk rescued, {deaths:.0f} casualties "
            f"({death_share:.0%}), {care:.0%} of the injured treated."
        )
    agreement = _num(m, "agreement")
    if agreement is not None:
        fairness = _num(m, "goal_completion")
        fairness = 0.5 if fairness is None else fairness
        fraction = 0.6 * fairness + 0.4 * agreement
        return fraction, (
            f"{fairness:.0%} of agents see their preferred option lead; "
            f"{agreement:.0%} of voters stand behind the leading option."
        )
    return 0.5, "no welfare metric for this world kind; scored at the middle of the range."


def strategy_rule(summary: RunSummary) -> tuple[float, str]:
    """Strategy from how the run ended, how many actions the world refused, and how fast."""
    f = summary.facts
    reason = f.end_reason or f.status
    progress = _num(f.final_metrics, "rescued_fraction")
    if progress is None:
        progress = _num(f.final_metrics, "agreement")
    if reason.startswith("success"):
        outcome = 1.0
    elif reason.startswith("failure"):
        outcome = 0.0
    else:
        outcome = 0.5 if progress is None else progress
    active = _active_actions(summary)
    tried = active + summary.refusals
    refused = summary.refusals / tried if tried else 0.0
    speed = 1 - f.ticks / f.max_ticks if outcome == 1.0 and f.max_ticks else 0.0
    fraction = 0.55 * outcome + 0.3 * (1 - min(1.0, 3 * refused)) + 0.15 * speed
    return fraction, (
        f"ended with {reason} after {f.ticks} tick(s); {summary.refusals} of {tried} "
        f"attempted actions refused ({refused:.0%})."
    )


def coherence_rule(summary: RunSummary) -> tuple[float, str]:
    """Emotional coherence: whether fear and hope moved the way the events between ticks warrant."""
    distress, relief = set(summary.tones.get("distress", ())), set(summary.tones.get("relief", ()))
    checked = coherent = 0
    for points in summary.emotions.values():
        for (t_a, a), (t_b, b) in zip(points, points[1:], strict=False):
            span = set(range(_index(summary, t_a) + 1, _index(summary, t_b) + 1))
            rise = b.get("fear", 0.0) - a.get("fear", 0.0)
            hope = b.get("hope", 0.0) - a.get("hope", 0.0)
            if span & distress:
                ok = rise > 0 or b.get("fear", 0.0) >= HIGH_FEAR
            elif span & relief:
                ok = rise <= 0 or hope > 0
            else:
                ok = rise < CALM_FEAR_JUMP
            checked += 1
            coherent += ok
    if not checked:
        return 0.5, "no emotion trajectory was recorded; scored at the middle of the range."
    return coherent / checked, (
        f"{coherent} of {checked} emotion changes between sampled ticks fit the events "
        f"({len(distress)} stretch(es) with distressing events, {len(relief)} with relief)."
    )


def _index(summary: RunSummary, tick: int) -> int:
    return bisect_left(summary.ticks, tick)


RULES: dict[str, Rule] = {
    "cooperation": cooperation_rule,
    "ethics": ethics_rule,
    "strategy": strategy_rule,
    "emotional_coherence": coherence_rule,
}


def rule_based_answer(summary: RunSummary, dimensions: Sequence[Dimension]) -> ScoredAnswer:
    """Scores, reasoning and a narrative for the run, from the rules alone."""
    scores: dict[str, int] = {}
    reasoning: dict[str, str] = {}
    for d in dimensions:
        rule = RULES.get(d.name)
        fraction, why = rule(summary) if rule else (0.5, "no rule for this dimension.")
        scores[d.name] = d.scale(fraction)
        reasoning[d.name] = f"Rule-based: {why}"
    return ScoredAnswer(scores, reasoning, _narrative(summary, dimensions, scores))


def _narrative(summary: RunSummary, dimensions: Sequence[Dimension], scores: dict[str, int]) -> str:
    f = summary.facts
    mean = sum(d.fraction(scores[d.name]) for d in dimensions) / max(1, len(dimensions))
    best = max(dimensions, key=lambda d: d.fraction(scores[d.name]))
    worst = min(dimensions, key=lambda d: d.fraction(scores[d.name]))
    metrics = ", ".join(
        f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
        for k, v in list(f.final_metrics.items())[:5]
    )
    return (
        f"Rule-based assessment (no language model). The run ended with "
        f"{f.end_reason or f.status} after {f.ticks} tick(s){': ' + metrics if metrics else ''}. "
        f"Strongest on {best.name.replace('_', ' ')}, weakest on "
        f"{worst.name.replace('_', ' ')}; overall {mean:.0%} of the best possible scores."
    )
