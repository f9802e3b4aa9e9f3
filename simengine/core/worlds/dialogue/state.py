"""The dialogue world's state: the question, the proposals on the table and the votes."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any


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
        """The state as JSON (a snapshot)."""
        return asdict(self)

    def tally(self) -> dict[str, int]:
        """Votes per option, every option listed."""
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
        """Votes one option needs to decide the question."""
        return max(1, math.ceil(self.quorum * len(self.voters) - 1e-9))

    def decided(self) -> str | None:
        """The option that has enough votes, if any."""
        leader = self.leader()
        return leader if leader is not None and self.tally()[leader] >= self.needed() else None
