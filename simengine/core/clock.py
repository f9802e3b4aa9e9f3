"""The run's clock: seeds derived per tick and agent, the seeded order of turns, and who is due.

All randomness in a run comes from (run seed, tick, label), never from a long-lived
generator, so a run restored from a snapshot continues exactly as it would have.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable


def derive_seed(seed: int, tick: int, label: str) -> int:
    """A stable 31-bit seed for one (run seed, tick, label), e.g. an agent's decision."""
    digest = hashlib.sha256(f"{seed}:{tick}:{label}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def seeded_order(names: Iterable[str], seed: int, tick: int) -> list[str]:
    """The order in which this tick's decisions are applied: a seeded shuffle."""
    order = list(names)
    random.Random(f"{seed}:{tick}:order").shuffle(order)
    return order


def due_agents(candidates: Iterable[str], *, mode: str, tick: int, woken: set[str]) -> list[str]:
    """Who decides this tick: everyone in discrete mode; in event mode, those something reached.

    At the first tick every agent is due in both modes (the scenario itself reaches them).
    """
    names = list(candidates)
    if mode == "discrete" or tick == 1:
        return names
    return [n for n in names if n in woken]
