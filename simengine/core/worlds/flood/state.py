"""The flood world's state: water, levee, places, agents on the map, and running totals."""

from __future__ import annotations

import copy
import heapq
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def round_stock(value: float) -> float:
    """Keep levels and stocks short and stable (no 0.30000000000000004 in traces)."""
    return math.floor(value * 1000 + 0.5) / 1000


@dataclass
class Location:
    """A place: its height, the people waiting there and what is stored there."""

    id: str
    elevation: float
    shelter: bool = False
    capacity: int | None = None  # shelters: how many people fit (None: unlimited)
    civilians: int = 0  # people here who are not agents (injured included)
    injured: int = 0  # of the civilians, those needing treatment
    boats: int = 0  # boats moored here, free to take
    food: float = 0.0
    medkits: int = 0
    flooded_since: int | None = None
    hungry_since: int | None = None
    casualties: int = 0

    def flooded(self) -> bool:
        """Whether the water stands above this place (only boats may enter it then)."""
        return self.flooded_since is not None


@dataclass
class Transit:
    """An agent on its way: it arrives when `ticks_left` reaches zero."""

    origin: str
    destination: str
    ticks_left: int
    total: int


@dataclass
class FloodAgent:
    """An agent's body in the flood: where it is, its boat, who and what it carries."""

    name: str
    location: str | None
    can_rescue: bool
    transit: Transit | None = None
    boat: bool = False
    carrying: int = 0
    carrying_injured: int = 0
    food: float = 0.0
    medkits: int = 0


LOCATION_ORDER = "location_order"
AGENT_ORDER = "agent_order"


def _in_order(items: Mapping[str, Any], order: list[str] | None) -> dict[str, Any]:
    """`items` in the order a live run had them (places as in the spec, agents as rostered).

    Snapshots stored before the orders were kept have none: their stored order is used.
    """
    if not order or set(order) != set(items):
        return dict(items)
    return {key: items[key] for key in order}


def _agent_json(agent: FloodAgent) -> dict[str, Any]:
    data = dict(agent.__dict__)
    if agent.transit is not None:
        data["transit"] = dict(agent.transit.__dict__)
    return data


@dataclass
class FloodState:
    """Everything that changes in a flood run; `to_json` / `from_json` round-trip exactly."""

    params: dict[str, Any]
    water_level: float
    rain_intensity: float
    levee_breached: bool
    locations: dict[str, Location]
    routes: list[list[Any]]  # [a, b, ticks], two-way
    agents: dict[str, FloodAgent]
    breach_tick: int | None = None
    at_risk_total: int = 0
    rescued: int = 0
    casualties: int = 0
    first_casualty_tick: int | None = None
    food_shared: float = 0.0
    medkits_shared: int = 0
    medkits_used: int = 0
    treated: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A deep copy as plain data (hand-written: `asdict` is the slowest part of a tick)."""
        data = dict(self.__dict__)
        data["params"] = dict(self.params)
        data["locations"] = {k: dict(v.__dict__) for k, v in self.locations.items()}
        data["routes"] = [list(r) for r in self.routes]
        data["agents"] = {k: _agent_json(v) for k, v in self.agents.items()}
        data["extra"] = copy.deepcopy(self.extra)
        # a jsonb column re-orders object keys: the orders travel as lists (see from_json)
        data[LOCATION_ORDER] = list(self.locations)
        data[AGENT_ORDER] = list(self.agents)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FloodState:
        """Rebuild the state from `to_json()` output, nested places and agents included."""
        data = dict(data)
        places = _in_order(data["locations"], data.pop(LOCATION_ORDER, None))
        data["locations"] = {k: Location(**v) for k, v in places.items()}
        agents = {}
        for name, raw in _in_order(data["agents"], data.pop(AGENT_ORDER, None)).items():
            raw = dict(raw)
            if raw.get("transit") is not None:
                raw["transit"] = Transit(**raw["transit"])
            agents[name] = FloodAgent(**raw)
        data["agents"] = agents
        data["routes"] = [list(r) for r in data["routes"]]
        return cls(**data)

    # -- derived facts --
    def free_boats(self, location: str) -> int:
        """Boats moored at `location` that an agent there can take."""
        return self.locations[location].boats

    def people_at(self, location: str) -> list[str]:
        """Agents standing at `location` (not in transit), in roster order."""
        return [a.name for a in self.agents.values() if a.location == location]

    def lacks_food(self, location: Location) -> bool:
        """True when the food here lasts less than three ticks for the people here."""
        if location.civilians <= 0:
            return False
        need = location.civilians * self.params["food_per_person"] * 3
        return location.food < need

    def travel_times(self, origin: str, *, by_boat: bool) -> dict[str, int]:
        """Shortest travel time from `origin` to each reachable place.

        Without a boat, flooded places can be neither passed through nor entered.
        """
        neighbours: dict[str, list[tuple[str, int]]] = {}
        for a, b, ticks in self.routes:
            neighbours.setdefault(a, []).append((b, ticks))
            neighbours.setdefault(b, []).append((a, ticks))
        best = {origin: 0}
        queue = [(0, origin)]
        while queue:
            cost, here = heapq.heappop(queue)
            if cost > best.get(here, cost):
                continue
            for there, ticks in neighbours.get(here, []):
                if not by_boat and self.locations[there].flooded():
                    continue
                if cost + ticks < best.get(there, cost + ticks + 1):
                    best[there] = cost + ticks
                    heapq.heappush(queue, (cost + ticks, there))
        return best

    def capacity_of(self, agent: FloodAgent) -> int:
        """How many people the agent can carry: a boatload, or the few carried on foot."""
        return self.params["boat_capacity"] if agent.boat else self.params["foot_capacity"]

    def room_at(self, location: Location) -> int | None:
        """How many more people a shelter can take (None: no limit)."""
        if location.capacity is None:
            return None
        return max(0, location.capacity - location.civilians)
