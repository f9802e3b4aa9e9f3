"""The `dialogue` world: no map, only words and votes between agents with private goals.

Agents argue, propose, accept or reject, and vote on a question (negotiation, persuasion,
a moral-dilemma vote). It proves the engine is not flood-specific: the same clock, bus,
emotions and metrics machinery drive a world made only of words and votes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from typing_extensions import override

from simengine.core.worlds.base import (
    DEFAULT_POLICY,
    ActionOutcome,
    WorldContext,
    WorldKind,
    WorldNotice,
)
from simengine.core.worlds.dialogue.actions import apply_dialogue_action, dialogue_action_params
from simengine.core.worlds.dialogue.metrics import METRICS
from simengine.core.worlds.dialogue.policy import dialogue_heuristic
from simengine.core.worlds.dialogue.starter import STARTER
from simengine.core.worlds.dialogue.state import DialogueState
from simengine.core.worlds.dialogue.view import dialogue_view
from simengine.core.worlds.params import ParamDef, resolve_params
from simengine.core.worlds.setup import AgentSetup, ScenarioSetup, TemplateSetup, WorldSetup
from simengine.core.worlds.view import ViewContext, WorldView


class DialogueWorld(WorldKind):
    """A question put to a group; the world is made of proposals and votes."""

    name = "dialogue"
    actions = {
        "say": "speak to everyone at the table",
        "propose": "put an option on the table, with your argument",
        "accept": "support a proposal on the table (by its id)",
        "reject": "oppose a proposal on the table (by its id), with a reason",
        "vote": "cast or change your vote for one option",
        "wait": "listen this tick",
    }
    params = (
        ParamDef("topic", "string", None, "the question the group must settle", required=True),
        ParamDef(
            "options", "strings", None, "the options to choose from", required=True, min_items=2
        ),
        ParamDef("quorum", "number", 0.75, "share of voters needed to decide", 0, 1),
    )
    agent_params = (ParamDef("prefers", "string", None, "the option this agent privately wants"),)
    events = {
        "announcement": (ParamDef("text", "string", None, "what everyone hears", required=True),)
    }
    metrics = METRICS
    policies = {DEFAULT_POLICY: dialogue_heuristic}
    starter = STARTER
    cooperative_actions = frozenset({"accept"})
    static = True
    max_actions = 2

    @override
    def view(self, state: DialogueState, context: ViewContext | None = None) -> WorldView:
        return dialogue_view(state, context or ViewContext())

    @override
    def validate_world(self, world: WorldSetup) -> list[str]:
        errors = []
        for key in ("locations", "routes", "resources"):
            if getattr(world, key):
                errors.append(f"world.{key}: world kind 'dialogue' has no map")
        options = world.params.get("options")
        if isinstance(options, list) and len(set(options)) != len(options):
            errors.append("world.params.options: options must be different from each other")
        return errors

    @override
    def validate_agent(self, path: str, template: TemplateSetup, world: WorldSetup) -> list[str]:
        errors = super().validate_agent(path, template, world)
        prefers, options = template.params.get("prefers"), world.params.get("options")
        if isinstance(prefers, str) and isinstance(options, list) and prefers not in options:
            errors.append(f"{path}.params.prefers: '{prefers}' is not one of world.params.options")
        return errors

    @override
    def initial_state(self, spec: ScenarioSetup, agents: Sequence[AgentSetup]) -> DialogueState:
        params = resolve_params(spec.world.params, self.params)
        people = [a for a in agents if a.kind != "environment"]
        return DialogueState(
            topic=params["topic"],
            options=list(params["options"]),
            quorum=params["quorum"],
            voters=[a.name for a in people if "vote" in a.actions],
            preferences={a.name: a.params.get("prefers") for a in people},
        )

    @override
    def load_state(self, data: Mapping[str, Any]) -> DialogueState:
        return DialogueState(**data)

    @override
    def observe(self, state: DialogueState, agent: str) -> dict[str, Any]:
        return {
            "topic": state.topic,
            "options": list(state.options),
            "votes_needed": state.needed(),
            "proposals": [dict(p) for p in state.proposals],
            "votes": dict(state.votes),
            "tally": state.tally(),
            "your_vote": state.votes.get(agent),
            "your_preference": state.preferences.get(agent),
            "participants": list(state.preferences),
            "decided": state.decided(),
        }

    @override
    def action_params(
        self, state: DialogueState
    ) -> dict[str, tuple[dict[str, Any], tuple[str, ...]]]:
        return dialogue_action_params(state)

    @override
    def rules(self, state: DialogueState) -> str:
        options = "; ".join(f"'{o}'" for o in state.options)
        return "\n".join(
            [
                f"Question: {state.topic}",
                f"Options: {options}.",
                "- say speaks to everyone; the 'message' field can also reach one agent or a room.",
                "- propose puts an option on the table (you support it); ids are p1, p2, ...",
                "- accept / reject a proposal by id; reject with a reason.",
                f"- vote for an option (you may change it). {state.needed()} of"
                f" {len(state.voters)} votes on one option decide.",
                "- Your preference is private: others only know what you tell them.",
            ]
        )

    @override
    def apply_action(
        self, state: DialogueState, agent: str, action: Mapping[str, Any], ctx: WorldContext
    ) -> ActionOutcome:
        return apply_dialogue_action(state, agent, action, ctx)

    @override
    def apply_event(
        self, state: DialogueState, kind: str, params: Mapping[str, Any], ctx: WorldContext
    ) -> list[WorldNotice]:
        if kind != "announcement":
            raise ValueError(f"unknown dialogue event {kind!r}")
        text = str(params["text"])
        return [
            WorldNotice(kind="announcement", text=f"announcement: {text}", details={"text": text})
        ]

    @override
    def check_state(self, state: DialogueState) -> list[str]:
        errors = []
        if not 0 <= state.quorum <= 1:
            errors.append("quorum must be between 0 and 1")
        errors.extend(
            f"votes.{name}: '{option}' is not an option"
            for name, option in state.votes.items()
            if option not in state.options
        )
        return errors
