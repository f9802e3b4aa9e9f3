"""Bench scenarios: the sample Riverside flood, resized to N deciding agents.

Termination is max_ticks only, so every run lasts exactly as many ticks as asked and
every figure divides by a known number of decisions.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import yaml

from bench.environment import ROOT

SAMPLE = ROOT / "scenarios" / "riverside_flood.yaml"
# shares of the deciding agents per template; the mayor is always exactly one
SHARES = {"rescuer": 0.6, "medic": 0.15, "volunteer": 0.25}


@cache
def _sample() -> dict[str, Any]:
    return yaml.safe_load(SAMPLE.read_text())


def flood_data(*, agents: int, ticks: int, model: str) -> dict[str, Any]:
    """The flood with `agents` deciding agents (plus the river), all on `model`."""
    if agents < 4:
        raise ValueError("the bench flood needs at least 4 agents (one per template)")
    data = copy.deepcopy(_sample())
    counts = _counts(agents - 1)
    for template in data["agent_templates"]:
        if template["kind"] == "environment":
            continue
        template["model"] = model
        if template["id"] in counts:
            template["count"] = counts[template["id"]]
    data["name"] = f"Bench flood {agents} agents {ticks} ticks {model}"
    data["termination"] = {"max_ticks": ticks}
    data["events"] = [e for e in data.get("events", []) if e["at_tick"] <= ticks]
    return data


def _counts(total: int) -> dict[str, int]:
    counts = {name: max(1, int(total * share)) for name, share in SHARES.items()}
    counts["rescuer"] += total - sum(counts.values())
    return counts


def flood_spec(*, agents: int, ticks: int, model: str = "offline/heuristic"):
    """The engine's parsed spec (for headless runs)."""
    from simengine.core.spec import parse_spec

    return parse_spec(flood_data(agents=agents, ticks=ticks, model=model))


def flood_version(*, agents: int, ticks: int, model: str = "offline/heuristic"):
    """A stored ScenarioVersion (for runs through the run service and workers)."""
    from scenarios_app.services import scenario_import

    text = yaml.safe_dump(flood_data(agents=agents, ticks=ticks, model=model), sort_keys=False)
    return scenario_import(text=text, fmt="yaml", note="bench").version


def deciding_agents(spec) -> int:
    """How many agents of a spec take turns (every agent but the environment)."""
    return sum(1 for a in spec.agents(()) if a.kind != "environment")
