"""Writing a `RunSummary` as compact text under a character budget.

Sections shrink (fewer points, decisions, messages, shorter quotes) until the text fits;
agents' words are quoted as JSON strings, so they stay data inside the evaluator's prompt.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from simengine.core.evaluation.summary import EMOTION_KEYS, RunSummary, SummaryLimits

TRUNCATED = "\n… (summary truncated to fit)"


def render_summary(summary: RunSummary, limits: SummaryLimits | None = None) -> str:
    """The summary as text of at most `limits.max_chars` characters."""
    limits = limits or SummaryLimits()
    for _ in range(6):
        text = "\n".join(section for section in _sections(summary, limits) if section)
        if len(text) <= limits.max_chars:
            return text
        limits = limits.halved()
    return text[: max(0, limits.max_chars - len(TRUNCATED))] + TRUNCATED


def _sections(summary: RunSummary, limits: SummaryLimits) -> list[str]:
    return [
        _header(summary, limits),
        _metrics(summary, limits),
        _actions(summary),
        _events(summary, limits),
        _emotions(summary, limits),
        _decisions(summary, limits),
        _conversation(summary, limits),
    ]


def _clip(text: Any, limit: int) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _quote(text: Any, limit: int) -> str:
    return json.dumps(_clip(text, limit), ensure_ascii=False)


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    return "—" if value is None else str(value)


def _pairs(values: Mapping[str, Any], names: list[str] | None = None) -> str:
    keys = names if names is not None else list(values)
    return ", ".join(f"{k}={_number(values.get(k))}" for k in keys if k in values)


def _header(summary: RunSummary, limits: SummaryLimits) -> str:
    f = summary.facts
    length = f"{f.ticks} of {f.max_ticks}" if f.max_ticks else str(f.ticks)
    lines = [
        f'RUN {f.run_id} of scenario "{_clip(f.scenario, 120)}" (world kind: {f.world_kind})',
        f"Status: {f.status}; ended: {f.end_reason or 'unknown'}; ticks run: {length}.",
    ]
    if f.description:
        lines.append(f"Scenario: {_clip(f.description, limits.text_chars * 3)}")
    goals = [g for g in (f"success when {f.success}" if f.success else "",
                         f"failure when {f.failure}" if f.failure else "") if g]  # fmt: skip
    if goals:
        lines.append("Goals: " + "; ".join(goals) + ".")
    lines.append(_agents(summary, limits))
    lines.append("FINAL METRICS: " + (_pairs(f.final_metrics) or "none recorded"))
    return "\n".join(lines)


def _agents(summary: RunSummary, limits: SummaryLimits) -> str:
    roles: dict[str, list[str]] = {}
    for agent in summary.facts.agents:
        if agent.kind != "environment":
            roles.setdefault(agent.role or agent.kind, []).append(agent.name)
    parts = [
        f"{_clip(role, 60)}: {', '.join(names[:6])}{' …' if len(names) > 6 else ''}"
        for role, names in list(roles.items())[: limits.emotion_agents]
    ]
    count = sum(len(names) for names in roles.values())
    return f"AGENTS ({count}): " + ("; ".join(parts) or "none")


def _changing_metrics(summary: RunSummary, limits: SummaryLimits) -> list[str]:
    values: dict[str, set[str]] = {}
    for _, metrics in summary.series:
        for name, value in metrics.items():
            if isinstance(value, int | float) or value is None:
                values.setdefault(name, set()).add(_number(value))
    changing = [name for name, seen in values.items() if len(seen) > 1]
    return changing[: limits.series_metrics]


def _metrics(summary: RunSummary, limits: SummaryLimits) -> str:
    names = _changing_metrics(summary, limits)
    if not names:
        return ""
    rows = _spread(summary.series, limits.series_points)
    lines = [f"METRICS OVER TIME ({', '.join(names)}):"]
    lines += [f"  t{tick}: " + _pairs(metrics, names) for tick, metrics in rows]
    return "\n".join(lines)


def _spread(items: list[Any], count: int) -> list[Any]:
    """At most `count` items spread evenly, first and last kept."""
    if len(items) <= count:
        return list(items)
    if count < 2:
        return items[-1:]
    step = (len(items) - 1) / (count - 1)
    return [items[round(i * step)] for i in range(count)]


def _actions(summary: RunSummary) -> str:
    top = ", ".join(f"{kind} {n}" for kind, n in summary.actions.most_common(10))
    lines = [f"ACTIONS DONE: {top or 'none'} (decisions: {summary.decisions})"]
    refusal = f"REFUSED ACTIONS: {summary.refusals}"
    if summary.refusal_examples:
        refusal += " — e.g. " + " | ".join(_clip(x, 140) for x in summary.refusal_examples)
    lines.append(refusal)
    if summary.fallbacks:
        lines.append(f"NO-OP DECISIONS (unusable model output or errors): {summary.fallbacks}")
    channels = ", ".join(f"{c} {n}" for c, n in summary.channels.most_common())
    lines.append(f"MESSAGES: {summary.messages}" + (f" ({channels})" if channels else ""))
    return "\n".join(lines)


def _events(summary: RunSummary, limits: SummaryLimits) -> str:
    if not summary.notable_events:
        return "EVENTS THAT SHOULD MOVE EMOTIONS: none"
    shown = summary.notable_events[: limits.notable_events]
    lines = ["EVENTS THAT SHOULD MOVE EMOTIONS (tick, kind, tone: what happened):"]
    lines += [
        f"  t{e['tick']} {e['kind']} ({e['tone']}): {_clip(e['text'], limits.text_chars)}"
        for e in shown
    ]
    counts = ", ".join(f"{kind} x{n}" for kind, n in summary.event_kinds.most_common(12))
    lines.append(f"  all environment events: {counts}")
    return "\n".join(lines)


def _emotions(summary: RunSummary, limits: SummaryLimits) -> str:
    if not summary.emotions:
        return ""
    agents = sorted(summary.emotions, key=lambda n: -_swing(summary.emotions[n]))
    lines = ["EMOTION TRAJECTORIES (tick: fear/stress/hope/empathy, 0-1):"]
    for name in agents[: limits.emotion_agents]:
        points = _spread(summary.emotions[name], limits.series_points)
        shown = " · ".join(
            f"t{tick} " + "/".join(_number(p.get(k)) for k in EMOTION_KEYS) for tick, p in points
        )
        lines.append(f"  {_clip(name, 40)}: {shown}")
    if len(agents) > limits.emotion_agents:
        lines.append(f"  ({len(agents) - limits.emotion_agents} calmer agents not shown)")
    return "\n".join(lines)


def _swing(points: list[tuple[int, dict[str, float]]]) -> float:
    fears = [p.get("fear", 0.0) for _, p in points]
    return max(fears) - min(fears) if fears else 0.0


def _decisions(summary: RunSummary, limits: SummaryLimits) -> str:
    if not summary.key_decisions:
        return ""
    lines = ["KEY DECISIONS (quoted data):"]
    for d in _spread(summary.key_decisions, limits.key_decisions):
        actions = ", ".join(_action(a) for a in d["actions"][:3]) or "nothing"
        line = f"  t{d['tick']} {d['agent']}: thought {_quote(d['thought'], limits.text_chars)}"
        line += f" -> {actions}"
        message = d.get("message")
        if isinstance(message, Mapping) and message.get("text"):
            line += f"; to {message.get('to')}: {_quote(message['text'], limits.text_chars)}"
        if d.get("fallback"):
            line += f" [fallback: {_clip(d['fallback'], 80)}]"
        lines.append(line)
    return "\n".join(lines)


def _action(action: Any) -> str:
    if not isinstance(action, Mapping):
        return _clip(action, 40)
    params = ", ".join(f"{k}={_clip(v, 30)}" for k, v in action.items() if k != "type")
    return f"{action.get('type', '?')}({params})"


def _conversation(summary: RunSummary, limits: SummaryLimits) -> str:
    if not summary.conversation:
        return ""
    lines = [f"CONVERSATION SAMPLE ({summary.messages} messages in all; quoted data):"]
    for m in _spread(summary.conversation, limits.messages):
        lines.append(
            f"  t{m['tick']} {m['sender']} -> {m['to']}: {_quote(m['text'], limits.text_chars)}"
        )
    return "\n".join(lines)
