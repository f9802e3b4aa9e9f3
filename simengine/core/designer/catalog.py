"""What a designing model must know: the world kinds with their actions, parameters,
scripted events and metrics, written from the registries, plus one example scenario.
"""

from __future__ import annotations

import json
from typing import Any

from simengine.core.conditions import OPERATORS
from simengine.core.metrics import metric_names
from simengine.core.spec.models import AGENT_KINDS
from simengine.core.text import format_number
from simengine.core.worlds import WORLD_KINDS, WorldKind
from simengine.core.worlds.base import EMOTION_KEYS
from simengine.core.worlds.params import ParamDef

EXAMPLE: dict[str, Any] = {
    "name": "Riverside flood (example)",
    "description": "Rescue crews bring people from the low town to the hilltop shelter.",
    "mode": "discrete",
    "seed": 42,
    "world": {
        "kind": "flood",
        "params": {"rain_intensity": 0.6, "water_rise_per_tick": 0.25, "levee_height": 3.0},
        "locations": [
            {"id": "hilltop", "elevation": 30, "shelter": True, "capacity": 200},
            {"id": "school", "elevation": 4, "civilians": 25},
            {"id": "hospital", "elevation": 6, "civilians": 40, "injured": 10},
            {"id": "docks", "elevation": 1, "boats": 2},
        ],
        "routes": [["docks", "school", 1], ["school", "hospital", 2], ["hospital", "hilltop", 2]],
        "resources": {"food": 200, "medkits": 30},
    },
    "agent_templates": [
        {"id": "storm", "kind": "environment", "name": "River", "role": "The river"},
        {
            "id": "rescuer",
            "kind": "human",
            "count": 4,
            "name": "Rescuer {n}",
            "role": "Rescue boat crew",
            "persona": "Calm former fisher who knows the river.",
            "emotion": {"fear": 0.2, "empathy": 0.8, "stress": 0.3, "hope": 0.6},
            "actions": ["move", "rescue", "unload", "share", "say", "wait"],
            "start": "docks",
            "goals": ["Bring as many people as possible to the hilltop."],
        },
    ],
    "rooms": [{"id": "command", "members": ["template:rescuer"]}],
    "events": [{"at_tick": 8, "type": "levee_breach", "params": {"surge": 1.5}}],
    "termination": {
        "max_ticks": 40,
        "success": {"metric": "rescued_fraction", "op": ">=", "value": 0.9},
        "failure": {"metric": "casualties", "op": ">=", "value": 20},
    },
    "evaluation": {
        "model": "offline/heuristic",
        "dimensions": ["cooperation", "ethics", "strategy", "emotional_coherence"],
    },
}


def _param(p: ParamDef) -> str:
    bounds = []
    if p.minimum is not None:
        bounds.append(f">= {format_number(p.minimum)}")
    if p.maximum is not None:
        bounds.append(f"<= {format_number(p.maximum)}")
    default = "required" if p.required else f"default {json.dumps(p.default)}"
    extra = f", {' and '.join(bounds)}" if bounds else ""
    return f"{p.name} ({p.type}, {default}{extra}): {p.doc}"


def describe_kind(kind: WorldKind) -> str:
    """One world kind as the designer's prompt shows it."""
    doc = (type(kind).__doc__ or "").strip().splitlines()[0] if type(kind).__doc__ else ""
    lines = [f"world kind '{kind.name}': {doc}"]
    lines.append(
        "  map: locations, routes and resources; every non-environment agent needs `start`"
        if kind.has_map
        else "  no map: leave out locations, routes, resources and `start`"
    )
    lines.append("  actions: " + "; ".join(f"{a} = {d}" for a, d in kind.actions.items()))
    if kind.params:
        lines.append("  world.params: " + "; ".join(_param(p) for p in kind.params))
    if kind.agent_params:
        lines.append("  agent params: " + "; ".join(_param(p) for p in kind.agent_params))
    for event, params in kind.events.items():
        listed = "; ".join(_param(p) for p in params) or "no params"
        lines.append(f"  event '{event}': {listed}")
    lines.append("  metrics for termination conditions: " + ", ".join(metric_names(kind.name)))
    return "\n".join(lines)


def catalog_text() -> str:
    """Every registered world kind, plus the fixed vocabulary of the format."""
    kinds = "\n".join(describe_kind(kind) for _, kind in sorted(WORLD_KINDS.items()))
    return (
        f"{kinds}\n"
        f"agent kinds: {', '.join(AGENT_KINDS)} (an 'environment' agent stands for the world "
        "itself and never decides)\n"
        f"emotion keys (each 0..1): {', '.join(EMOTION_KEYS)}\n"
        f"condition operators: {', '.join(OPERATORS)}; combine with {{all: [...]}} or "
        "{any: [...]}"
    )


def example_text() -> str:
    return json.dumps(EXAMPLE, ensure_ascii=False, separators=(",", ":"))
