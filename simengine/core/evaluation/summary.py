"""A compact run summary that fits a model's context however long the run was.

`SummaryBuilder` reads a run once (metric rows, emotion samples, events, messages, all as
plain dicts) and keeps only bounded pieces: sampled metric rows and emotion points,
counters, a deterministic sample of decisions and messages, and the events that should
have moved emotions. `render_summary` then writes it under a character budget.
"""

from __future__ import annotations

import random
from bisect import bisect_left
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

EMOTION_KEYS = ("fear", "stress", "hope", "empathy")
DISTRESS_WORDS = (
    "casualt", "death", "dead", "died", "drown", "breach", "flood", "shortage", "strand",
    "injur", "collapse", "fire", "trapped", "panic", "surge", "storm",
)  # fmt: skip
RELIEF_WORDS = ("supply", "rescued", "safe", "drop", "decided", "agreement", "recede")


@dataclass(frozen=True)
class SummaryLimits:
    """How much of each kind of thing a summary may hold; `max_chars` bounds the text."""

    max_chars: int = 6_000
    series_points: int = 12
    series_metrics: int = 8
    emotion_agents: int = 10
    key_decisions: int = 16
    messages: int = 18
    notable_events: int = 20
    text_chars: int = 160

    def halved(self) -> SummaryLimits:
        """Half of each count, above a floor; the renderer retries with it when text is too long."""

        def half(n: int, low: int) -> int:
            return max(low, n // 2)

        return SummaryLimits(
            max_chars=self.max_chars,
            series_points=half(self.series_points, 3),
            series_metrics=half(self.series_metrics, 3),
            emotion_agents=half(self.emotion_agents, 2),
            key_decisions=half(self.key_decisions, 2),
            messages=half(self.messages, 2),
            notable_events=half(self.notable_events, 3),
            text_chars=half(self.text_chars, 60),
        )


@dataclass(frozen=True)
class AgentInfo:
    """Who took part in the run: name, role and agent kind."""

    name: str
    role: str = ""
    kind: str = "human"


@dataclass(frozen=True)
class RunFacts:
    """What is known about a run before reading its history."""

    run_id: str
    scenario: str
    world_kind: str
    status: str
    end_reason: str
    ticks: int
    max_ticks: int | None = None
    description: str = ""
    success: str | None = None  # the success condition, described
    failure: str | None = None
    agents: tuple[AgentInfo, ...] = ()
    final_metrics: Mapping[str, Any] = field(default_factory=dict)
    cooperative_actions: frozenset[str] = frozenset()


def sample_ticks(ticks: int, points: int) -> list[int]:
    """At most `points` ticks spread evenly over 1..ticks, always including the last."""
    if ticks <= 0:
        return [0]
    if ticks <= points:
        return list(range(1, ticks + 1))
    step = (ticks - 1) / (points - 1)
    return sorted({1 + round(i * step) for i in range(points)})


def event_tone(kind: str, text: str = "") -> str:
    """`distress`, `relief` or `neutral`: how an event should move the people who live it."""
    words = f"{kind} {text}".lower()
    if any(w in words for w in DISTRESS_WORDS):
        return "distress"
    if any(w in words for w in RELIEF_WORDS):
        return "relief"
    return "neutral"


@dataclass
class RunSummary:
    """The bounded pieces of one run, ready to render or to score by rules."""

    facts: RunFacts
    series: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    emotions: dict[str, list[tuple[int, dict[str, float]]]] = field(default_factory=dict)
    actions: Counter[str] = field(default_factory=Counter)
    actions_by_agent: dict[str, Counter[str]] = field(default_factory=dict)
    refusals: int = 0
    refusal_examples: list[str] = field(default_factory=list)
    fallbacks: int = 0
    decisions: int = 0
    messages: int = 0
    channels: Counter[str] = field(default_factory=Counter)
    key_decisions: list[dict[str, Any]] = field(default_factory=list)
    conversation: list[dict[str, Any]] = field(default_factory=list)
    notable_events: list[dict[str, Any]] = field(default_factory=list)
    event_kinds: Counter[str] = field(default_factory=Counter)
    ticks: list[int] = field(default_factory=list)  # the sampled ticks
    tones: dict[str, list[int]] = field(default_factory=dict)  # tone -> indexes into `ticks`


class SummaryBuilder:
    """Feeds a run's history through bounded buffers; `build()` returns the `RunSummary`."""

    def __init__(self, facts: RunFacts, limits: SummaryLimits | None = None) -> None:
        self.limits = limits or SummaryLimits()
        self.ticks = sample_ticks(facts.ticks, self.limits.series_points)
        self.summary = RunSummary(facts=facts, ticks=self.ticks)
        self._rng = random.Random(f"summary:{facts.run_id}")
        self._firsts: dict[str, dict[str, Any]] = {}  # each agent's first decision
        self._sampled: list[dict[str, Any]] = []
        self._seen = {"decisions": 0, "messages": 0}
        self._head: list[dict[str, Any]] = []
        self._middle: list[dict[str, Any]] = []
        self._tail: deque[dict[str, Any]] = deque(maxlen=max(1, self.limits.messages // 3))
        self._tones: dict[str, set[int]] = {"distress": set(), "relief": set()}

    # -- feeding --
    def add_metrics(self, rows: Iterable[tuple[int, Mapping[str, Any]]]) -> None:
        """`(tick, metrics)` rows; only the sampled ticks are kept, in tick order."""
        wanted = set(self.ticks)
        for tick, metrics in rows:
            if tick in wanted:
                self.summary.series.append((tick, dict(metrics)))
        self.summary.series.sort(key=lambda row: row[0])

    def add_emotions(self, rows: Iterable[tuple[int, Mapping[str, Mapping[str, Any]]]]) -> None:
        """`(tick, {agent: {fear, stress, hope, empathy, ...}})`, ideally at `self.ticks`."""
        environment = {a.name for a in self.summary.facts.agents if a.kind == "environment"}
        for tick, agents in rows:
            for name, feelings in agents.items():
                if name in environment:
                    continue
                point = {k: round(float(feelings[k]), 3) for k in EMOTION_KEYS if k in feelings}
                if point:
                    self.summary.emotions.setdefault(name, []).append((tick, point))
        for points in self.summary.emotions.values():
            points.sort(key=lambda p: p[0])

    def add_events(self, events: Iterable[Mapping[str, Any]]) -> None:
        """Stored events: decisions, actions, refusals and world events are counted and sampled."""
        handlers = {
            "AgentDecided": self._decided,
            "AgentActed": self._acted,
            "ActionRejected": self._rejected,
            "EnvironmentEvent": self._environment,
        }
        for event in events:
            handler = handlers.get(str(event.get("type")))
            if handler is not None:
                handler(event, event.get("data") or {})

    def add_messages(self, messages: Iterable[Mapping[str, Any]]) -> None:
        """`{tick, sender, to, text}` in order; keeps the first, a sample, and the last."""
        third = max(1, self.limits.messages // 3)
        for message in messages:
            self.summary.messages += 1
            self.summary.channels[str(message.get("channel", "all"))] += 1
            row = {k: message.get(k) for k in ("tick", "sender", "to", "text")}
            if len(self._head) < third:
                self._head.append(row)
                continue
            if len(self._tail) == self._tail.maxlen:
                self._keep_sampled(self._middle, self._tail[0], third, "messages")
            self._tail.append(row)

    def build(self) -> RunSummary:
        """The summary of everything fed so far, with key decisions and messages in tick order."""
        summary = self.summary
        chosen = [*self._firsts.values(), *self._sampled]
        summary.key_decisions = sorted(chosen, key=lambda d: (d["tick"], d["agent"]))
        middle = sorted(self._middle, key=lambda m: m["tick"] or 0)
        summary.conversation = [*self._head, *middle, *self._tail]
        summary.tones = {tone: sorted(found) for tone, found in self._tones.items()}
        return summary

    # -- event handlers --
    def _decided(self, event: Mapping[str, Any], data: Mapping[str, Any]) -> None:
        self.summary.decisions += 1
        agent = str(event.get("agent") or "")
        fallback = data.get("fallback")
        if fallback in (None, "offline"):  # "offline": the offline policy stood in, by design
            fallback = None
        else:
            self.summary.fallbacks += 1
        row = {
            "tick": event.get("tick", 0),
            "agent": agent,
            "thought": str(data.get("thought", "")),
            "actions": list(data.get("actions") or []),
            "message": data.get("message"),
            "fallback": fallback,
        }
        half = self.limits.key_decisions // 2
        if agent not in self._firsts and len(self._firsts) < half:
            self._firsts[agent] = row
            return
        self._keep_sampled(self._sampled, row, self.limits.key_decisions - half, "decisions")

    def _acted(self, event: Mapping[str, Any], data: Mapping[str, Any]) -> None:
        kind = str((data.get("action") or {}).get("type", "?"))
        agent = str(event.get("agent") or "")
        self.summary.actions[kind] += 1
        self.summary.actions_by_agent.setdefault(agent, Counter())[kind] += 1

    def _rejected(self, event: Mapping[str, Any], data: Mapping[str, Any]) -> None:
        self.summary.refusals += 1
        if len(self.summary.refusal_examples) < 3:
            kind = (data.get("action") or {}).get("type", "?")
            reason = str(data.get("reason", ""))
            self.summary.refusal_examples.append(
                f"t{event.get('tick', 0)} {event.get('agent') or '?'} {kind}: {reason}"
            )

    def _environment(self, event: Mapping[str, Any], data: Mapping[str, Any]) -> None:
        kind, text = str(data.get("kind", "event")), str(data.get("text", ""))
        tick = int(event.get("tick") or 0)
        self.summary.event_kinds[kind] += 1
        tone = event_tone(kind, text)
        if tone != "neutral":
            self._tones[tone].add(bisect_left(self.ticks, tick))
        notable = self.summary.notable_events
        first_of_kind = self.summary.event_kinds[kind] == 1
        if (tone == "distress" or first_of_kind) and len(notable) < self.limits.notable_events:
            notable.append({"tick": tick, "kind": kind, "text": text, "tone": tone})

    def _keep_sampled(
        self, pool: list[dict[str, Any]], row: dict[str, Any], cap: int, stream: str
    ) -> None:
        """Reservoir sampling, seeded by the run id: every row is equally likely to stay."""
        self._seen[stream] += 1
        if cap <= 0:
            return
        if len(pool) < cap:
            pool.append(row)
            return
        slot = self._rng.randrange(self._seen[stream])
        if slot < cap:
            pool[slot] = row


def build_summary(
    facts: RunFacts,
    *,
    metrics: Iterable[tuple[int, Mapping[str, Any]]] = (),
    emotions: Iterable[tuple[int, Mapping[str, Mapping[str, Any]]]] = (),
    events: Iterable[Mapping[str, Any]] = (),
    messages: Iterable[Mapping[str, Any]] = (),
    limits: SummaryLimits | None = None,
) -> RunSummary:
    """One pass over each stream; memory and output stay bounded by `limits`."""
    builder = SummaryBuilder(facts, limits)
    builder.add_metrics(metrics)
    builder.add_emotions(emotions)
    builder.add_events(events)
    builder.add_messages(messages)
    return builder.build()
