"""The dialogue's view: participants around a table, proposals, votes and this tick's words.

Each participant shows its vote and feelings, each proposal its support.

The model is the `"table"` renderer's shape (see `dialogue_view`).
"""

from __future__ import annotations

import math
from typing import Any

from simengine.core.worlds.dialogue.state import DialogueState
from simengine.core.worlds.view import ViewContext, WorldView, bubble_left, bubble_width

WIDTH = 640
HEIGHT = 400
TABLE_RX = 150.0  # the table's half width and half height
TABLE_RY = 90.0
SEAT_RX = 230.0  # where the seats stand around it
SEAT_RY = 150.0


def dialogue_view(state: DialogueState, context: ViewContext) -> WorldView:
    """The `"table"` view model of a dialogue at `context.tick`.

    Data keys: `width`, `height`, `tick`, `topic`, `table` ({cx, cy, rx, ry}), `seats`
    (one per voter: name, x, y, vote, prefers, status, emotion, mood, said), `proposals`
    (id, by, option, text, support, opposed, accepted_by, rejected_by, share), `tally`
    (option, votes, share, leading), `needed`, `decided`, `bubbles`.
    """
    said = {u.speaker: u.short() for u in context.utterances}
    voters = list(state.voters)
    seats: list[dict[str, Any]] = []
    for i, name in enumerate(voters):
        angle = -math.pi / 2 + 2 * math.pi * i / max(len(voters), 1)
        participant = context.participant(name)
        feelings = {k: v for k, v in participant.emotion.items() if isinstance(v, int | float)}
        x = WIDTH / 2 + SEAT_RX * math.cos(angle)
        y = HEIGHT / 2 + SEAT_RY * math.sin(angle)
        seats.append(
            {
                "name": name,
                "label": "".join(word[0] for word in name.split())[:3].upper(),
                "x": round(x, 1),
                "y": round(y, 1),
                "vote": state.votes.get(name),
                "prefers": state.preferences.get(name),
                "status": participant.status,
                "role": participant.role,
                "emotion": feelings,
                "bars": [
                    {"feeling": k, "value": v, "x": -14 + 8 * j}
                    for j, (k, v) in enumerate(sorted(feelings.items()))
                ],
                "mood": max(feelings, key=lambda k: feelings[k]) if feelings else "",
                "said": said.get(name, ""),
            }
        )
    tally = state.tally()
    leader = state.leader()
    count = max(len(voters), 1)
    return WorldView(
        template="table",
        title="dialogue",
        data={
            "width": WIDTH,
            "height": HEIGHT,
            "tick": context.tick,
            "topic": state.topic,
            "table": {"cx": WIDTH / 2, "cy": HEIGHT / 2, "rx": TABLE_RX, "ry": TABLE_RY},
            "seats": seats,
            "proposals": [_proposal(p, count) for p in state.proposals],
            "tally": [
                {
                    "option": option,
                    "votes": votes,
                    "share": round(votes / count, 3),
                    "leading": option == leader,
                }
                for option, votes in tally.items()
            ],
            "needed": state.needed(),
            "decided": state.decided(),
            "bubbles": [
                {
                    "speaker": s["name"],
                    "text": s["said"],
                    "x": s["x"],
                    "y": s["y"],
                    "width": bubble_width(s["said"]),
                    "left": bubble_left(s["x"], bubble_width(s["said"]), WIDTH),
                }
                for s in seats
                if s["said"]
            ],
        },
    )


def _proposal(proposal: dict[str, Any], voters: int) -> dict[str, Any]:
    accepted = list(proposal.get("accepted_by", []))
    rejected = list(proposal.get("rejected_by", []))
    return {
        "id": proposal.get("id"),
        "by": proposal.get("by"),
        "option": proposal.get("option"),
        "text": proposal.get("text", ""),
        "tick": proposal.get("tick"),
        "support": len(accepted),
        "opposed": len(rejected),
        "accepted_by": accepted,
        "rejected_by": rejected,
        "share": round(len(accepted) / voters, 3),
    }
