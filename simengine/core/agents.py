"""Agent state kept by the engine: status, emotion (with trust), bounded memory and tallies.

Emotions live in [0, 1]: events nudge them, an agent's own reported emotion is blended in,
and each tick they relax a little toward the agent's temperament (its template values).
Memory keeps the last few entries verbatim and folds older ones into a fixed-size summary,
so a prompt never grows with the length of a run. When the scenario configures `memory:`,
every entry also goes to the agent's long-term `EpisodicStore` (simengine.core.memory),
from which the most relevant older entries are retrieved for each decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from simengine.core.decision import AgentProfile
from simengine.core.memory import LOCAL_MODEL, EpisodicStore, MemoryConfig, MemoryRecord
from simengine.core.spec.models import AgentSpec
from simengine.core.text import describe_value
from simengine.core.worlds.base import EMOTION_KEYS

OFFLINE_MODEL = "offline/heuristic"  # what agents fall back to when over their token budget
REPORT_WEIGHT = 0.5  # share of an agent's own reported emotion blended in each decision
RELAX_RATE = 0.1  # share of the gap to the temperament closed each tick
TRUST_RELAX_RATE = 0.02
NEUTRAL_TRUST = 0.5
TRUST_SHOWN = 12  # trust values an observation lists at most (the most salient ones)
MEMORY_CAPACITY = 12
HIGHLIGHTS = 4
HIGHLIGHT_KINDS = ("world", "refusal", "command")
MAX_ENTRY = 240


class AgentStatus(StrEnum):
    """An agent's run-time status, as the console and the Agent rows show it."""

    ACTIVE = "active"
    PAUSED = "paused"
    MUTED = "muted"
    TERMINATED = "terminated"


def clamp(value: float) -> float:
    """`value` clamped to [0, 1] and rounded to 4 places (stable snapshots)."""
    return round(min(1.0, max(0.0, float(value))), 4)


def emotion_problems(feelings: Any) -> list[str]:
    """Why `feelings` cannot be an agent's emotion values (empty when they can)."""
    if not isinstance(feelings, dict) or not feelings:
        return ["emotion: give at least one of " + ", ".join(EMOTION_KEYS)]
    problems = []
    for key, value in feelings.items():
        if key not in EMOTION_KEYS:
            problems.append(f"emotion.{key}: unknown feeling (known: {', '.join(EMOTION_KEYS)})")
        elif isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            problems.append(
                f"emotion.{key}: expected a number from 0 to 1, got {describe_value(value)}"
            )
        elif not 0 <= value <= 1:
            problems.append(f"emotion.{key}: must be from 0 to 1, got {value}")
    return problems


@dataclass
class Emotion:
    """Fear, stress, hope, empathy and trust toward other agents, all in [0, 1].

    Trust is sparse: only agents trusted more or less than `NEUTRAL_TRUST` are listed (an
    agent never met is trusted neutrally), so a tick's work per agent does not grow with
    the number of agents in the run.
    """

    fear: float
    stress: float
    hope: float
    empathy: float
    trust: dict[str, float] = field(default_factory=dict)

    def feelings(self) -> dict[str, float]:
        """The four feelings by name (trust left out)."""
        return {key: getattr(self, key) for key in EMOTION_KEYS}

    def nudge(self, deltas: Mapping[str, float], trust: Mapping[str, float] | None = None) -> None:
        """Add deltas (unknown keys ignored), then clamp."""
        for key, delta in deltas.items():
            if key in EMOTION_KEYS:
                setattr(self, key, clamp(getattr(self, key) + delta))
        for other, delta in (trust or {}).items():
            self._set_trust(other, clamp(self.trust.get(other, NEUTRAL_TRUST) + delta))

    def trust_in(self, other: str) -> float:
        """How much this agent trusts `other` (neutral when never moved)."""
        return self.trust.get(other, NEUTRAL_TRUST)

    def _set_trust(self, other: str, value: float) -> None:
        if value == NEUTRAL_TRUST:
            self.trust.pop(other, None)
        else:
            self.trust[other] = value

    def blend(self, reported: Mapping[str, Any], weight: float = REPORT_WEIGHT) -> None:
        """Move toward what the agent says it feels; non-numbers are ignored."""
        for key in EMOTION_KEYS:
            value = reported.get(key)
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            if value != value:  # NaN
                continue
            current = getattr(self, key)
            setattr(self, key, clamp(current + (clamp(value) - current) * weight))

    def relax(self, temperament: Mapping[str, float]) -> None:
        """Drift back toward the agent's temperament and trust back toward neutral."""
        for key in EMOTION_KEYS:
            current = getattr(self, key)
            setattr(self, key, clamp(current + (temperament[key] - current) * RELAX_RATE))
        for other, value in list(self.trust.items()):
            self._set_trust(other, clamp(value + (NEUTRAL_TRUST - value) * TRUST_RELAX_RATE))

    def to_json(self) -> dict[str, Any]:
        """Feelings and trust as JSON data."""
        return {**self.feelings(), "trust": dict(self.trust)}

    def salient_trust(self, limit: int = TRUST_SHOWN) -> dict[str, float]:
        """At most `limit` trust values: all by name, or the furthest from neutral first.

        Sorted either way, so a state restored from a store that reorders keys (jsonb)
        gives the same prompt as the uninterrupted run.
        """
        if len(self.trust) <= limit:
            return dict(sorted(self.trust.items()))
        ranked = sorted(self.trust.items(), key=lambda kv: (-abs(kv[1] - NEUTRAL_TRUST), kv[0]))
        return dict(ranked[:limit])

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Emotion:
        """Rebuild from `to_json()` output (neutral trust values, as older snapshots list, drop)."""
        trust = {k: v for k, v in data.get("trust", {}).items() if v != NEUTRAL_TRUST}
        return cls(**{k: float(data[k]) for k in EMOTION_KEYS}, trust=trust)


@dataclass
class MemoryEntry:
    """One remembered line: when, what kind of thing, and its text."""

    tick: int
    kind: str  # action | refusal | message | said | world | command
    text: str
    seq: int | None = None  # the long-term record this entry is, when memory is on

    def line(self) -> str:
        """The entry as a prompt line, prefixed with its tick."""
        return f"t{self.tick} {self.text}"


@dataclass
class Memory:
    """The last `capacity` entries verbatim; older ones folded into counts and highlights."""

    capacity: int = MEMORY_CAPACITY
    recent: list[MemoryEntry] = field(default_factory=list)
    folded: dict[str, int] = field(default_factory=dict)
    folded_from: int | None = None
    folded_to: int | None = None
    highlights: list[str] = field(default_factory=list)
    store: EpisodicStore | None = field(default=None, compare=False, repr=False)

    def remember(
        self,
        tick: int,
        kind: str,
        text: str,
        *,
        importance: float = 0.0,
        window: bool = True,
        details: Mapping[str, Any] | None = None,
    ) -> MemoryRecord | None:
        """Keep a new entry (whitespace collapsed, long text cut), folding the oldest away.

        With a long-term store the entry also becomes a record there (returned); `window`
        False keeps it out of the recent window (observations, already in the prompt).
        """
        text = " ".join(text.split())
        if len(text) > MAX_ENTRY:
            text = text[: MAX_ENTRY - 1] + "…"
        record = None
        if self.store is not None:
            record = self.store.add(tick, kind, text, importance, details=details)
        if window:
            self.recent.append(MemoryEntry(tick, kind, text, record.seq if record else None))
            while len(self.recent) > self.capacity:
                self._fold(self.recent.pop(0))
        return record

    def window_seqs(self) -> set[int]:
        """The long-term records the recent window shows already."""
        return {e.seq for e in self.recent if e.seq is not None}

    def _fold(self, entry: MemoryEntry) -> None:
        self.folded[entry.kind] = self.folded.get(entry.kind, 0) + 1
        self.folded_from = entry.tick if self.folded_from is None else self.folded_from
        self.folded_to = entry.tick
        if entry.kind in HIGHLIGHT_KINDS:
            self.highlights = [*self.highlights, entry.line()][-HIGHLIGHTS:]

    def lines(self) -> tuple[str, ...]:
        """The recent entries as prompt lines, oldest first."""
        return tuple(entry.line() for entry in self.recent)

    def summary(self) -> str:
        """A bounded digest of everything older than the recent entries ("" at first)."""
        if not self.folded:
            return ""
        labels = {
            "action": "actions taken",
            "refusal": "actions refused",
            "message": "messages heard",
            "said": "messages sent",
            "world": "world events",
            "command": "operator commands",
        }
        counts = ", ".join(
            f"{self.folded[k]} {label}" for k, label in labels.items() if self.folded.get(k)
        )
        text = f"Earlier (ticks {self.folded_from}-{self.folded_to}): {counts}."
        if self.highlights:
            text += " Key moments: " + "; ".join(self.highlights) + "."
        return text

    def to_json(self) -> dict[str, Any]:
        """The memory as JSON data."""
        return {
            "capacity": self.capacity,
            "recent": [_entry_json(e) for e in self.recent],
            "folded": dict(self.folded),
            "folded_from": self.folded_from,
            "folded_to": self.folded_to,
            "highlights": list(self.highlights),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Memory:
        """Rebuild from `to_json()` output."""
        return cls(
            capacity=data["capacity"],
            recent=[MemoryEntry(*entry) for entry in data["recent"]],
            folded=dict(data["folded"]),
            folded_from=data["folded_from"],
            folded_to=data["folded_to"],
            highlights=list(data["highlights"]),
        )


def _entry_json(entry: MemoryEntry) -> list[Any]:
    row: list[Any] = [entry.tick, entry.kind, entry.text]
    return row if entry.seq is None else [*row, entry.seq]


def new_store(spec: AgentSpec, model: str) -> EpisodicStore | None:
    """A fresh long-term store for the agent, or None when its memory is off.

    An agent deciding offline embeds locally whatever the scenario asks: offline runs use
    no network and stay byte-identical per seed.
    """
    config: MemoryConfig | None = spec.memory
    if config is None:
        return None
    embedding = config.embedding_model
    if model.startswith("offline/"):
        embedding = LOCAL_MODEL
    return EpisodicStore(spec.name, config, embedding)


@dataclass
class AgentState:
    """One agent during a run. Its profile is fixed except the model (overrides, budget)."""

    spec: AgentSpec
    profile: AgentProfile
    status: AgentStatus
    emotion: Emotion
    memory: Memory
    tokens_used: int = 0
    budget_exceeded: bool = False
    pending_commands: list[str] = field(default_factory=list)
    actions_done: dict[str, int] = field(default_factory=dict)
    messages_to_others: int = 0

    @property
    def name(self) -> str:
        """The agent's unique name in the run."""
        return self.spec.name

    @property
    def kind(self) -> str:
        """human, environment, designer or evaluator."""
        return self.spec.kind

    @property
    def running(self) -> bool:
        """Neither paused nor terminated (a muted agent still acts; it just is not heard)."""
        return self.status in (AgentStatus.ACTIVE, AgentStatus.MUTED)

    @property
    def decides(self) -> bool:
        """Whether the agent takes turns now (environment agents never call a model)."""
        return self.kind != "environment" and self.running

    def switch_model(self, model: str) -> None:
        """Decide with another model from now on (override or budget fallback)."""
        self.profile = replace(self.profile, model=model)

    def count_action(self, action_type: str) -> None:
        """Tally one carried-out action of this type (for the metrics)."""
        self.actions_done[action_type] = self.actions_done.get(action_type, 0) + 1

    @classmethod
    def create(cls, spec: AgentSpec, model: str) -> AgentState:
        """A fresh agent at tick 0, trusting every other agent neutrally (none listed)."""
        return cls(
            spec=spec,
            profile=profile_for(spec, model),
            status=AgentStatus.ACTIVE,
            emotion=Emotion(**spec.emotion, trust={}),
            memory=Memory(store=new_store(spec, model)),
        )

    def to_json(self) -> dict[str, Any]:
        """The agent's mutable state as JSON data (its spec is not included)."""
        return {
            "id": self.spec.id,
            "name": self.name,
            "status": self.status.value,
            "model": self.profile.model,
            "emotion": self.emotion.to_json(),
            "memory": self.memory.to_json(),
            **({"store": self.memory.store.to_json()} if self.memory.store else {}),
            "tokens_used": self.tokens_used,
            "budget_exceeded": self.budget_exceeded,
            "pending_commands": list(self.pending_commands),
            "actions_done": dict(self.actions_done),
            "messages_to_others": self.messages_to_others,
        }

    @classmethod
    def from_json(
        cls, spec: AgentSpec, data: Mapping[str, Any], records: list[MemoryRecord] | None = None
    ) -> AgentState:
        """Rebuild from `to_json()` output, the agent's spec and its long-term `records`."""
        memory = Memory.from_json(data["memory"])
        if spec.memory is not None:
            meta = data.get("store")
            if meta is None:  # a snapshot from before memory was configured: start empty
                memory.store = new_store(spec, data["model"])
            else:
                memory.store = EpisodicStore.load(spec.name, spec.memory, meta, records or [])
        return cls(
            spec=spec,
            profile=profile_for(spec, data["model"]),
            status=AgentStatus(data["status"]),
            emotion=Emotion.from_json(data["emotion"]),
            memory=memory,
            tokens_used=data["tokens_used"],
            budget_exceeded=data["budget_exceeded"],
            pending_commands=list(data["pending_commands"]),
            actions_done=dict(data["actions_done"]),
            messages_to_others=data["messages_to_others"],
        )


def profile_for(spec: AgentSpec, model: str) -> AgentProfile:
    """What a decision maker is told about the agent, deciding with `model`."""
    return AgentProfile(
        id=spec.id,
        name=spec.name,
        kind=spec.kind,
        role=spec.role,
        persona=spec.persona,
        template_id=spec.template_id,
        model=model,
        temperature=spec.temperature,
        goals=spec.goals,
        knowledge=spec.knowledge,
    )
