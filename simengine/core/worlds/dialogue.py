"""The `dialogue` world: no map, agents with private goals argue, propose, accept or reject,
and vote on a question (negotiation, persuasion, a moral-dilemma vote).

It proves the engine is not flood-specific: the same clock, bus, emotions and metrics
machinery drive a world made only of words and votes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from simengine.core.metrics import MetricContext, register_metric
from simengine.core.worlds.base import (
    ActionOutcome,
    Impulse,
    Speech,
    WorldContext,
    WorldKind,
    WorldNotice,
)
from simengine.core.worlds.params import ParamDef, resolve_params
from simengine.core.worlds.registry import register_world

if TYPE_CHECKING:
    from simengine.core.spec.models import AgentSpec, AgentTemplateSpec, ScenarioSpec, WorldSpec

MAX_TEXT = 500


@dataclass
class DialogueState:
    """The question, the proposals on the table and the current votes."""

    topic: str
    options: list[str]
    quorum: float
    voters: list[str]
    preferences: dict[str, str | None]
    proposals: list[dict[str, Any]] = field(default_factory=list)
    votes: dict[str, str] = field(default_factory=dict)
    vote_changes: int = 0
    acceptances: int = 0
    rejections: int = 0
    decided_tick: int | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def tally(self) -> dict[str, int]:
        counts = {option: 0 for option in self.options}
        for option in self.votes.values():
            counts[option] = counts.get(option, 0) + 1
        return counts

    def leader(self) -> str | None:
        """The option with the most votes, or None if there are no votes or a tie."""
        counts = sorted(self.tally().items(), key=lambda kv: -kv[1])
        if not counts or counts[0][1] == 0 or (len(counts) > 1 and counts[0][1] == counts[1][1]):
            return None
        return counts[0][0]

    def needed(self) -> int:
        return max(1, math.ceil(self.quorum * len(self.voters) - 1e-9))

    def decided(self) -> str | None:
        leader = self.leader()
        return leader if leader is not None and self.tally()[leader] >= self.needed() else None


@register_world
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
    cooperative_actions = frozenset({"accept"})
    static = True
    max_actions = 2

    def validate_world(self, world: WorldSpec) -> list[str]:
        errors = []
        for key in ("locations", "routes", "resources"):
            if getattr(world, key):
                errors.append(f"world.{key}: world kind 'dialogue' has no map")
        options = world.params.get("options")
        if isinstance(options, list) and len(set(options)) != len(options):
            errors.append("world.params.options: options must be different from each other")
        return errors

    def validate_agent(self, path: str, template: AgentTemplateSpec, world: WorldSpec) -> list[str]:
        errors = super().validate_agent(path, template, world)
        prefers, options = template.params.get("prefers"), world.params.get("options")
        if isinstance(prefers, str) and isinstance(options, list) and prefers not in options:
            errors.append(f"{path}.params.prefers: '{prefers}' is not one of world.params.options")
        return errors

    def initial_state(self, spec: ScenarioSpec, agents: Sequence[AgentSpec]) -> DialogueState:
        params = resolve_params(spec.world.params, self.params)
        people = [a for a in agents if a.kind != "environment"]
        return DialogueState(
            topic=params["topic"],
            options=list(params["options"]),
            quorum=params["quorum"],
            voters=[a.name for a in people if "vote" in a.actions],
            preferences={a.name: a.params.get("prefers") for a in people},
        )

    def load_state(self, data: Mapping[str, Any]) -> DialogueState:
        return DialogueState(**data)

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

    def action_params(
        self, state: DialogueState
    ) -> dict[str, tuple[dict[str, Any], tuple[str, ...]]]:
        option = {"type": "string", "enum": list(state.options)}
        proposal = {"type": "string"}
        text = {"type": "string"}
        return {
            "say": ({"text": text}, ("text",)),
            "propose": ({"option": option, "text": text}, ("option", "text")),
            "accept": ({"proposal": proposal}, ("proposal",)),
            "reject": ({"proposal": proposal, "reason": text}, ("proposal",)),
            "vote": ({"option": option}, ("option",)),
            "wait": ({}, ()),
        }

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

    def apply_action(
        self, state: DialogueState, agent: str, action: Mapping[str, Any], ctx: WorldContext
    ) -> ActionOutcome:
        kind = action.get("type")
        if kind == "say":
            text = _text(action.get("text"))
            if text is None:
                return ActionOutcome.rejected("say needs a non-empty text")
            return ActionOutcome.done(f"said: {text}", speech=Speech(channel="all", text=text))
        if kind == "propose":
            return _propose(state, agent, action, ctx)
        if kind in ("accept", "reject"):
            return _respond(state, agent, action, accept=kind == "accept")
        if kind == "vote":
            return _vote(state, agent, action, ctx)
        if kind == "wait":
            return ActionOutcome.done("listened")
        return ActionOutcome.rejected(f"unknown action {kind!r}")

    def apply_event(
        self, state: DialogueState, kind: str, params: Mapping[str, Any], ctx: WorldContext
    ) -> list[WorldNotice]:
        if kind != "announcement":
            raise ValueError(f"unknown dialogue event {kind!r}")
        text = str(params["text"])
        return [
            WorldNotice(kind="announcement", text=f"announcement: {text}", details={"text": text})
        ]

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


def _propose(
    state: DialogueState, agent: str, action: Mapping[str, Any], ctx: WorldContext
) -> ActionOutcome:
    option, text = action.get("option"), _text(action.get("text")) or ""
    if option not in state.options:
        return ActionOutcome.rejected(f"{option!r} is not an option ({', '.join(state.options)})")
    for proposal in state.proposals:
        if proposal["by"] == agent and proposal["option"] == option:
            return ActionOutcome.rejected(f"you already proposed '{option}' ({proposal['id']})")
    proposal_id = f"p{len(state.proposals) + 1}"
    state.proposals.append(
        {
            "id": proposal_id,
            "tick": ctx.tick,
            "by": agent,
            "option": option,
            "text": text,
            "accepted_by": [agent],
            "rejected_by": [],
        }
    )
    others = tuple(n for n in state.preferences if n != agent)
    notice = WorldNotice(
        kind="proposal",
        text=f"{agent} proposed {proposal_id}: '{option}'" + (f" ({text})" if text else ""),
        details={"proposal": proposal_id, "option": option},
        witnesses=others,
    )
    return ActionOutcome.done(
        f"proposed {proposal_id}: '{option}'", details={"proposal": proposal_id}, notices=(notice,)
    )


def _respond(
    state: DialogueState, agent: str, action: Mapping[str, Any], *, accept: bool
) -> ActionOutcome:
    verb = "accept" if accept else "reject"
    proposal = next((p for p in state.proposals if p["id"] == action.get("proposal")), None)
    if proposal is None:
        known = ", ".join(p["id"] for p in state.proposals) or "none yet"
        return ActionOutcome.rejected(
            f"no proposal {action.get('proposal')!r} (on the table: {known})"
        )
    if proposal["by"] == agent:
        return ActionOutcome.rejected(f"{proposal['id']} is your own proposal")
    mine, other = ("accepted_by", "rejected_by") if accept else ("rejected_by", "accepted_by")
    if agent in proposal[mine]:
        return ActionOutcome.rejected(f"you already {verb}ed {proposal['id']}")
    proposal[mine].append(agent)
    if agent in proposal[other]:
        proposal[other].remove(agent)
    reason = _text(action.get("reason"))
    if accept:
        state.acceptances += 1
        feeling = Impulse(proposal["by"], emotion={"hope": 0.05}, trust={agent: 0.1})
    else:
        state.rejections += 1
        feeling = Impulse(proposal["by"], emotion={"stress": 0.05}, trust={agent: -0.1})
    because = f": {reason}" if reason else ""
    notice = WorldNotice(
        kind=verb,
        text=f"{agent} {verb}ed your proposal {proposal['id']}{because}",
        details={"proposal": proposal["id"]},
        witnesses=(proposal["by"],),
        impulses=(feeling,),
    )
    return ActionOutcome.done(
        f"{verb}ed {proposal['id']} ('{proposal['option']}'){because}",
        details={"proposal": proposal["id"]},
        notices=(notice,),
    )


def _vote(
    state: DialogueState, agent: str, action: Mapping[str, Any], ctx: WorldContext
) -> ActionOutcome:
    option = action.get("option")
    if option not in state.options:
        return ActionOutcome.rejected(f"{option!r} is not an option ({', '.join(state.options)})")
    if agent not in state.voters:
        return ActionOutcome.rejected("you have no vote")
    previous = state.votes.get(agent)
    if previous == option:
        return ActionOutcome.rejected(f"you already voted for '{option}'")
    state.votes[agent] = option
    if previous is not None:
        state.vote_changes += 1
    if state.decided() and state.decided_tick is None:
        state.decided_tick = ctx.tick
    changed = f" (was '{previous}')" if previous else ""
    agree = tuple(
        Impulse(n, trust={agent: 0.05})
        for n, o in state.votes.items()
        if o == option and n != agent
    )
    notice = WorldNotice(
        kind="vote",
        text=f"{agent} voted for '{option}'{changed}",
        details={"option": option, "tally": state.tally()},
        witnesses=tuple(n for n in state.preferences if n != agent),
        impulses=agree,
    )
    return ActionOutcome.done(
        f"voted for '{option}'{changed}", details={"option": option}, notices=(notice,)
    )


def _text(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()[:MAX_TEXT]


@register_metric("votes_cast", kind="dialogue")
def votes_cast(ctx: MetricContext) -> int:
    return len(ctx.state.votes)


@register_metric("agreement", kind="dialogue")
def agreement(ctx: MetricContext) -> float:
    """Share of voters behind the most popular option (0 before any vote)."""
    voters = len(ctx.state.voters)
    tally = ctx.state.tally()
    return round(max(tally.values(), default=0) / voters, 4) if voters else 0.0


@register_metric("decided", kind="dialogue")
def decided(ctx: MetricContext) -> int:
    """1 once enough votes settle on one option."""
    return int(ctx.state.decided() is not None)


@register_metric("consensus", kind="dialogue")
def consensus(ctx: MetricContext) -> int:
    """1 when every voter has voted for the same option."""
    state = ctx.state
    return int(len(state.votes) == len(state.voters) > 0 and len(set(state.votes.values())) == 1)


@register_metric("goal_completion", kind="dialogue")
def goal_completion(ctx: MetricContext) -> float:
    """Share of agents with a private preference whose option currently leads."""
    state = ctx.state
    wanting = [p for p in state.preferences.values() if p is not None]
    leader = state.leader()
    if not wanting or leader is None:
        return 0.0
    return round(sum(1 for p in wanting if p == leader) / len(wanting), 4)


@register_metric("proposals", kind="dialogue")
def proposals(ctx: MetricContext) -> int:
    return len(ctx.state.proposals)


@register_metric("acceptances", kind="dialogue")
def acceptances(ctx: MetricContext) -> int:
    return ctx.state.acceptances


@register_metric("rejections", kind="dialogue")
def rejections(ctx: MetricContext) -> int:
    return ctx.state.rejections


@register_metric("vote_changes", kind="dialogue")
def vote_changes(ctx: MetricContext) -> int:
    return ctx.state.vote_changes


@register_metric("decided_tick", kind="dialogue")
def decided_tick(ctx: MetricContext) -> int | None:
    return ctx.state.decided_tick
