"""Dialogue actions: their parameter schema, and their effect on proposals and votes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simengine.core.worlds.base import ActionOutcome, Impulse, Speech, WorldContext, WorldNotice
from simengine.core.worlds.dialogue.state import DialogueState

MAX_TEXT = 500


def dialogue_action_params(
    state: DialogueState,
) -> dict[str, tuple[dict[str, Any], tuple[str, ...]]]:
    """Per action type: (JSON schema properties of its params, required param names)."""
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


def apply_dialogue_action(
    state: DialogueState, agent: str, action: Mapping[str, Any], ctx: WorldContext
) -> ActionOutcome:
    """Apply one action; every failure is a rejection with a reason, never an exception."""
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
