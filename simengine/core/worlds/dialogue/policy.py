"""The offline dialogue brain: a stance from the persona, argued, proposed and voted for.

The stance is the agent's private preference if it has one, else the option whose words
best match its persona and goals. Agents answer proposals by their stance and, when the
group leans the other way, empathetic agents may concede (a seeded chance).
"""

from __future__ import annotations

import random
import re
from typing import Any

from simengine.core.decision import DecisionRequest
from simengine.core.worlds.policy import decision, emotion_report, greeting_reply, room_or_all

CHATTINESS = 0.4
_WORD = re.compile(r"[a-z]{4,}")


def dialogue_heuristic(request: DecisionRequest) -> dict[str, Any]:
    """The decision JSON an LLM would give: argue for a stance, propose, answer, vote."""
    obs = request.observation
    rng = random.Random(request.seed)
    allowed = set(obs.get("your_actions", ()))
    options = obs.get("options") or []
    if not options:
        return decision(
            "There is nothing to decide.", [{"type": "wait"}], None, dict(request.emotion)
        )
    stance = _stance(request, obs, options)
    stance, conceded = _maybe_concede(request, obs, stance, rng)
    actions, thought = _plan(request, obs, allowed, stance, conceded)
    message = greeting_reply(request, rng)
    if message is None and rng.random() < CHATTINESS:
        message = {"to": room_or_all(obs), "text": _argument(request, stance, conceded)}
    tally = obs.get("tally") or {}
    leading = max(tally.values(), default=0)
    winning = leading > 0 and tally.get(stance, 0) == leading
    feeling = emotion_report(
        request.emotion, hope=0.08 if winning else -0.04, stress=-0.03 if winning else 0.05
    )
    return decision(thought, actions, message, feeling)


def _stance(request: DecisionRequest, obs: dict[str, Any], options: list[str]) -> str:
    """Current vote, else private preference, else the option closest to the persona."""
    if obs.get("your_vote") in options:
        return obs["your_vote"]
    if obs.get("your_preference") in options:
        return obs["your_preference"]
    profile = request.agent
    words = set(_WORD.findall(" ".join([profile.persona, profile.role, *profile.goals]).lower()))
    scores = [(len(words & set(_WORD.findall(option.lower()))), option) for option in options]
    best = max(score for score, _ in scores)
    tied = sorted(option for score, option in scores if score == best)
    return random.Random(f"stance:{profile.name}").choice(tied)  # stable for the whole run


def _maybe_concede(
    request: DecisionRequest, obs: dict[str, Any], stance: str, rng: random.Random
) -> tuple[str, bool]:
    """Join the group's leading option, with a chance that grows with empathy and trust."""
    votes: dict[str, str] = obs.get("votes") or {}
    me = request.agent.name
    others = {name: option for name, option in votes.items() if name != me}
    if me not in votes or not others:
        return stance, False
    counts: dict[str, int] = {}
    for option in others.values():
        counts[option] = counts.get(option, 0) + 1
    leader, support = max(sorted(counts.items()), key=lambda kv: kv[1])
    if leader == stance or support * 2 <= len(others):
        return stance, False
    trust = obs.get("trust") or {}
    backers = [trust.get(name, 0.5) for name, option in others.items() if option == leader]
    chance = 0.1 + 0.4 * request.emotion.get("empathy", 0.5) * (sum(backers) / len(backers))
    if rng.random() < chance:
        return leader, True
    return stance, False


def _plan(
    request: DecisionRequest, obs: dict[str, Any], allowed: set[str], stance: str, conceded: bool
) -> tuple[list[dict[str, Any]], str]:
    me = request.agent.name
    proposals = obs.get("proposals") or []
    actions: list[dict[str, Any]] = []
    on_table = any(p["option"] == stance for p in proposals)
    if "propose" in allowed and not conceded and not on_table:
        reason = (request.agent.goals or (request.agent.persona,))[0]
        actions.append({"type": "propose", "option": stance, "text": reason})
    pending = [
        p for p in proposals if p["by"] != me and me not in p["accepted_by"] + p["rejected_by"]
    ]
    if pending and not actions:
        proposal = pending[0]
        if proposal["option"] == stance and "accept" in allowed:
            actions.append({"type": "accept", "proposal": proposal["id"]})
        elif proposal["option"] != stance and "reject" in allowed:
            reason = f"I believe '{stance}' is the better choice."
            actions.append({"type": "reject", "proposal": proposal["id"], "reason": reason})
    if "vote" in allowed and obs.get("your_vote") != stance:
        actions.append({"type": "vote", "option": stance})
    if not actions:
        actions.append(
            {"type": "wait"}
            if "wait" in allowed
            else {"type": "say", "text": f"I stand by '{stance}'."}
        )
    verb = "I will go along with" if conceded else "I argue for"
    return actions[:2], f"{verb} '{stance}'."


def _argument(request: DecisionRequest, stance: str, conceded: bool) -> str:
    profile = request.agent
    if conceded:
        return f"For the sake of the group I will support '{stance}'."
    goal = profile.goals[0] if profile.goals else profile.persona
    role = profile.role or "someone here"
    return f"As {role.lower()}, I back '{stance}'. {goal}".strip()
