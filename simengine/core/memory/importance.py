"""The generic importance rules: how much a kind of memory matters, in [0, 1].

A world kind may refine them (`WorldKind.memory_importance`), e.g. the flood rates deaths
and rescues above routine moves. These rules are what the offline policy's agents use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

BY_KIND = {
    "command": 0.9,  # the researcher said so
    "reflection": 0.8,
    "refusal": 0.4,
    "world": 0.5,
    "action": 0.3,
    "said": 0.3,
    "observation": 0.2,
}
BY_CHANNEL = {"direct": 0.7, "all": 0.4}  # messages heard; rooms and local speech: ROOM
ROOM = 0.5
UNKNOWN = 0.3


def default_importance(kind: str, tags: Mapping[str, Any]) -> float:
    """The importance of a memory of `kind`; messages by channel (direct ones high)."""
    if kind == "message":
        channel = str(tags.get("channel", ""))
        return BY_CHANNEL.get(channel, ROOM)
    return BY_KIND.get(kind, UNKNOWN)
