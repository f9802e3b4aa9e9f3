"""What a world kind is: the interface every registered kind implements, and its value types.

A world kind owns its state (a JSON-serialisable object), each agent's local observation,
the JSON schema of a decision, action application, per-tick dynamics, scripted events, its
parameter tables, its metrics, its offline policies, its starter scenario and its view.
The engine owns agents, messages, emotions and the clock.
"""

from __future__ import annotations

import copy
import difflib
import random
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from simengine.core.decision import DecisionRequest
from simengine.core.worlds.metric import COMMON_METRICS, MetricDef
from simengine.core.worlds.params import ParamDef, check_params
from simengine.core.worlds.setup import (
    AgentSetup,
    EventSetup,
    ScenarioSetup,
    TemplateSetup,
    WorldSetup,
)
from simengine.core.worlds.values import Scalar, coerce, locate, settable_values
from simengine.core.worlds.view import ViewContext, WorldView, tree_view

EMOTION_KEYS = ("fear", "stress", "hope", "empathy")
DEFAULT_POLICY = "heuristic"  # what `offline/` models without a known policy name use

Policy = Callable[[DecisionRequest], dict[str, Any]]


class WorldState(Protocol):
    """A kind's state: any object that serialises itself to JSON."""

    def to_json(self) -> dict[str, Any]:
        """The whole state as JSON; the kind's `load_state` must rebuild it exactly."""


@dataclass(frozen=True)
class Impulse:
    """A nudge to one agent's emotions (deltas, later clamped) and trust toward others."""

    agent: str
    emotion: Mapping[str, float] = field(default_factory=dict)
    trust: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class WorldNotice:
    """Something the world did that agents may perceive; `witnesses=None` means everyone."""

    kind: str
    text: str
    details: Mapping[str, Any] = field(default_factory=dict)
    witnesses: tuple[str, ...] | None = None
    impulses: tuple[Impulse, ...] = ()


@dataclass(frozen=True)
class Speech:
    """Words an action speaks: to the agents present (`local`) or to everyone (`all`)."""

    channel: str  # "local" | "all"
    text: str
    recipients: tuple[str, ...] = ()  # for "local"


@dataclass(frozen=True)
class ActionOutcome:
    """The result of one action: done (with a past-tense text) or rejected (with a reason)."""

    ok: bool
    text: str
    details: Mapping[str, Any] = field(default_factory=dict)
    speech: Speech | None = None
    notices: tuple[WorldNotice, ...] = ()
    impulses: tuple[Impulse, ...] = ()

    @classmethod
    def done(cls, text: str, **kwargs: Any) -> ActionOutcome:
        """A carried-out action with its past-tense text."""
        return cls(ok=True, text=text, **kwargs)

    @classmethod
    def rejected(cls, reason: str, **kwargs: Any) -> ActionOutcome:
        """A refused action with the reason the agent will read."""
        return cls(ok=False, text=reason, **kwargs)


@dataclass
class WorldContext:
    """Per-tick context for world code: the tick, seeded randomness and tick-local claims."""

    tick: int
    seed: int
    claims: dict[str, Any] = field(default_factory=dict)

    def rng(self, label: str) -> random.Random:
        """A generator that depends only on (seed, tick, label): restorable by construction."""
        return random.Random(f"{self.seed}:{self.tick}:{label}")


class WorldKind(ABC):
    """A pluggable kind of world. Subclasses set the class tables and implement the hooks."""

    name: ClassVar[str]
    actions: ClassVar[dict[str, str]]  # action type -> one-line description
    params: ClassVar[tuple[ParamDef, ...]] = ()
    agent_params: ClassVar[tuple[ParamDef, ...]] = ()
    events: ClassVar[dict[str, tuple[ParamDef, ...]]] = {}
    metrics: ClassVar[tuple[MetricDef, ...]] = ()  # the kind's own; COMMON_METRICS come first
    policies: ClassVar[Mapping[str, Policy]] = {}  # `offline/<name>` -> policy
    starter: ClassVar[Mapping[str, Any]] = {}  # the smallest valid scenario of this kind
    cooperative_actions: ClassVar[frozenset[str]] = frozenset()
    has_map: ClassVar[bool] = False
    static: ClassVar[bool] = False  # True: nothing changes unless an agent acts
    max_actions: ClassVar[int] = 3

    # -- what the kind declares --
    def metric_defs(self) -> tuple[MetricDef, ...]:
        """Every metric of this kind: the common ones first, then its own in declaration order.

        A kind may redefine a common metric; it keeps the common one's place.
        """
        own = {metric.name: metric for metric in self.metrics}
        common = tuple(own.pop(metric.name, metric) for metric in COMMON_METRICS)
        return common + tuple(own.values())

    def starter_scenario(self) -> dict[str, Any]:
        """A fresh copy of the starter scenario (the designer's blank page for this kind)."""
        return copy.deepcopy(dict(self.starter))

    def view(self, state: Any, context: ViewContext | None = None) -> WorldView:
        """The view model the console renders at one tick; by default the state as a tree.

        `context` carries the tick, the agents with their feelings, what was said and what
        happened during the tick, and the scenario's world section (see `ViewContext`).
        """
        return tree_view(state.to_json(), label=self.name)

    # -- validation (paths are absolute, e.g. "world.locations[0].elevation") --
    @abstractmethod
    def validate_world(self, world: WorldSetup) -> list[str]:
        """Error lines for the kind-specific parts of the world section."""

    def location_ids(self, world: WorldSetup) -> list[str]:
        """Ids of the places agents may start at or move to (empty for kinds without a map)."""
        return list(dict.fromkeys(location.id for location in world.locations))

    def validate_agent(self, path: str, template: TemplateSetup, world: WorldSetup) -> list[str]:
        """Error lines about a (non-environment) agent template's place in this world."""
        if not self.has_map:
            if template.start is not None:
                return [f"{path}.start: world kind '{self.name}' has no locations"]
            return []
        if template.start is None:
            return [f"{path}.start: required by world kind '{self.name}'"]
        known = self.location_ids(world)
        if template.start not in known:
            return [
                f"{path}.start: unknown location '{template.start}' (known: {', '.join(known)})"
            ]
        return []

    def validate_event(self, event: EventSetup, path: str, world: WorldSetup) -> list[str]:
        """Error lines about a scripted event's kind-specific parameters."""
        return []

    # -- running --
    @abstractmethod
    def initial_state(self, spec: ScenarioSetup, agents: Sequence[AgentSetup]) -> WorldState:
        """The state at tick 0."""

    @abstractmethod
    def load_state(self, data: Mapping[str, Any]) -> WorldState:
        """Rebuild the state from `to_json()` output."""

    @abstractmethod
    def observe(self, state: Any, agent: str) -> dict[str, Any]:
        """The agent's local perception, JSON-serialisable."""

    def observe_all(self, state: Any, agents: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Each agent's `observe` at once (the state does not change in between).

        A world kind overrides it to share work between the agents (an index of who is
        where), so a tick's perceptions cost time linear in the number of agents.
        """
        return {agent: self.observe(state, agent) for agent in agents}

    def agent_details(self, state: Any, agent: str) -> dict[str, Any]:
        """World facts about one agent for the console (location and the like)."""
        return {}

    @abstractmethod
    def action_params(self, state: Any) -> dict[str, tuple[dict[str, Any], tuple[str, ...]]]:
        """Per action type: (JSON schema properties of its params, required param names)."""

    @abstractmethod
    def rules(self, state: Any) -> str:
        """Rules text for prompts; stable across ticks."""

    @abstractmethod
    def apply_action(
        self, state: Any, agent: str, action: Mapping[str, Any], ctx: WorldContext
    ) -> ActionOutcome:
        """Apply one action of one agent (actions are applied one at a time in seeded order)."""

    def apply_event(
        self, state: Any, kind: str, params: Mapping[str, Any], ctx: WorldContext
    ) -> list[WorldNotice]:
        """Apply a scripted or operator-triggered event."""
        return []

    def advance(self, state: Any, ctx: WorldContext) -> list[WorldNotice]:
        """Per-tick dynamics, after all actions."""
        return []

    def check_state(self, state: Any) -> list[str]:
        """Problems with a state edited by an operator (empty when consistent)."""
        return []

    # -- long-term memory --
    def situation(self, state: Any, agent: str, observation: Mapping[str, Any]) -> str:
        """One line on what the agent perceives now (its observation memory).

        It is also the query that retrieval scores relevance against. By default the
        observation's plain values.
        """
        parts = [
            f"{key.replace('_', ' ')}: {value}"
            for key, value in observation.items()
            if isinstance(value, str | int | float) and not isinstance(value, bool)
        ]
        return "; ".join(parts) or "nothing in particular"

    def memory_importance(self, kind: str, text: str, tags: Mapping[str, Any]) -> float | None:
        """How much a memory matters in this world, in [0, 1].

        None leaves it to the generic rules (`simengine.core.memory.default_importance`).
        `tags` carry the notice kind, action type, message channel or observation the
        memory came from.
        """
        return None

    # -- god mode (checked before a control is queued; applied at the next tick) --
    def world_values(self, state: Mapping[str, Any]) -> dict[str, Scalar]:
        """What an operator may set in a state's JSON: dotted path -> current value."""
        return dict(settable_values(state))

    def check_world_value(self, state: Mapping[str, Any], path: str, value: Any) -> list[str]:
        """Problems with setting `path` to `value` in a state's JSON (empty when allowed).

        Generic over the JSON: the path must name an existing single value, the new value
        must have its type, and the edited state must pass `check_state`. A kind may
        override this to forbid or add rules for some paths.
        """
        data = copy.deepcopy(dict(state))
        try:
            node, leaf = locate(data, path)
            node[leaf] = coerce(node[leaf], value, path)
            return self.check_state(self.load_state(data))
        except ValueError as exc:
            return [str(exc)]
        except (KeyError, TypeError) as exc:
            return [f"'{path}' cannot be set to that value ({exc})"]

    def check_event(
        self, kind: str, params: Mapping[str, Any], state: Mapping[str, Any]
    ) -> list[str]:
        """Problems with firing event `kind` with `params` now (empty when it can fire).

        The kind must be one this world declares in `events`, with parameters as declared;
        a kind may override this to check parameters against the current state.
        """
        definitions = self.events.get(kind)
        if definitions is None:
            known = ", ".join(self.events) or "none"
            close = difflib.get_close_matches(kind, list(self.events), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            return [
                f"unknown event type '{kind}' for world kind '{self.name}' (known: {known}){hint}"
            ]
        return check_params(params, definitions, "event", f"event '{kind}'")

    def decision_schema(self, state: Any, allowed: Sequence[str]) -> dict[str, Any]:
        """The JSON schema of a whole decision, actions limited to `allowed` (no $ref)."""
        return build_decision_schema(self.action_params(state), allowed, self.max_actions)


def build_decision_schema(
    params: Mapping[str, tuple[dict[str, Any], tuple[str, ...]]],
    allowed: Sequence[str],
    max_actions: int,
) -> dict[str, Any]:
    """A plain JSON schema (Ollama `format` compatible) for thought/actions/message/emotion."""
    variants = []
    for action_type in allowed:
        properties, required = params[action_type]
        variants.append(
            {
                "type": "object",
                "properties": {"type": {"type": "string", "enum": [action_type]}, **properties},
                "required": ["type", *required],
                "additionalProperties": False,
            }
        )
    unit = {"type": "number", "minimum": 0, "maximum": 1}
    return {
        "type": "object",
        "properties": {
            "thought": {"type": "string"},
            "actions": {
                "type": "array",
                "items": {"anyOf": variants},
                "minItems": 1,
                "maxItems": max_actions,
            },
            "message": {
                "anyOf": [
                    {
                        "type": "object",
                        "properties": {
                            "to": {"type": "string"},
                            "text": {"type": "string"},
                        },
                        "required": ["to", "text"],
                        "additionalProperties": False,
                    },
                    {"type": "null"},
                ]
            },
            "emotion": {
                "type": "object",
                "properties": {key: unit for key in EMOTION_KEYS},
                "required": list(EMOTION_KEYS),
                "additionalProperties": False,
            },
        },
        "required": ["thought", "actions", "message", "emotion"],
        "additionalProperties": False,
    }
