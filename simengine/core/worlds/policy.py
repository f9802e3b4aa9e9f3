"""Helpers for writing an offline policy: the decision shape, emotions, short replies.

A policy (`base.Policy`) is a deterministic function of a `DecisionRequest` returning the
decision JSON an LLM would give; all its randomness comes from `request.seed`.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from simengine.core.decision import DecisionRequest
from simengine.core.worlds.base import EMOTION_KEYS

REPLY_CHANCE = 0.5


def decision(
    thought: str,
    actions: list[dict[str, Any]],
    message: dict[str, str] | None,
    emotion: dict[str, float],
) -> dict[str, Any]:
    """A decision object in exactly the shape an LLM must answer."""
    return {"thought": thought, "actions": actions, "message": message, "emotion": emotion}


def emotion_report(current: Mapping[str, float], **deltas: float) -> dict[str, float]:
    """What the agent says it feels: its current emotion moved by the situation."""
    report = {}
    for key in EMOTION_KEYS:
        value = float(current.get(key, 0.5)) + deltas.get(key, 0.0)
        report[key] = round(min(1.0, max(0.0, value)), 2)
    return report


def room_or_all(observation: Mapping[str, Any]) -> str:
    """Where to speak: the agent's first room, else everyone."""
    rooms = observation.get("rooms") or []
    return f"room:{rooms[0]}" if rooms else "all"


def greeting_reply(request: DecisionRequest, rng: random.Random) -> dict[str, str] | None:
    """Sometimes answer the latest direct message from another agent, briefly."""
    direct = [m for m in request.inbox if m.channel == "direct" and m.sender != "operator"]
    if not direct or rng.random() >= REPLY_CHANCE:
        return None
    sender = direct[-1].sender
    return {"to": f"agent:{sender}", "text": f"Copy that, {sender}. {_sign_off(request)}"}


def _sign_off(request: DecisionRequest) -> str:
    fear = request.emotion.get("fear", 0.0)
    hope = request.emotion.get("hope", 0.0)
    if fear > 0.6:
        return "We have to move fast."
    if hope > 0.6:
        return "We can do this."
    return "On it."
