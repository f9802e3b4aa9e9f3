"""A run's world as god mode sees it: the kind, its current state and what can be changed.

The state is the last committed step's (or the initial state before the first tick), so a
god-mode control is validated against what the next tick will start from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runs_app.models import Run
from runs_app.services.config import run_spec
from runs_app.services.snapshots import snapshot_latest
from simengine.core.simulation import Simulation
from simengine.core.worlds import WorldKind, get_world_kind
from simengine.core.worlds.params import ParamDef


@dataclass(frozen=True)
class RunWorld:
    """One run's world kind and its state's JSON as of the last committed tick."""

    kind: WorldKind
    state: dict[str, Any]

    def values(self) -> dict[str, Any]:
        """Settable values by dotted path (for the console's god-mode panel)."""
        return self.kind.world_values(self.state)

    def event_types(self) -> dict[str, tuple[ParamDef, ...]]:
        """The scripted event types the kind declares, with their parameters."""
        return dict(self.kind.events)


def run_world(run: Run) -> RunWorld:
    """The run's world kind and current state."""
    last = snapshot_latest(run.pk)
    if last is not None and isinstance(last[1].get("world"), dict):
        kind = get_world_kind(str(last[1].get("world_kind") or _kind_name(run)))
        return RunWorld(kind=kind, state=last[1]["world"])
    spec = run_spec(run)
    simulation = Simulation.create(spec, seed=run.seed, run_id=str(run.pk))
    snapshot = simulation.snapshot()
    return RunWorld(kind=get_world_kind(spec.world.kind), state=snapshot["world"])


def _kind_name(run: Run) -> str:
    return str(run.scenario_version.spec.get("world", {}).get("kind", ""))


def typed_input(text: str, kind: str) -> Any:
    """Text typed in the console as a JSON value of `kind` (number, integer, boolean, ...).

    Text that does not parse is returned as typed, so the check that follows names it
    ("expects a number, got 'lots'").
    """
    text = text.strip()
    try:
        if kind == "number":
            return float(text)
        if kind == "integer":
            number = float(text)
            return int(number) if number.is_integer() else number
    except ValueError:
        return text
    if kind == "boolean":
        return {"true": True, "false": False, "yes": True, "no": False}.get(text.lower(), text)
    if kind == "strings":
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


def value_kind(value: Any) -> str:
    """The `typed_input` kind matching a current JSON value."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string"


def world_input(world: RunWorld, path: str, text: str) -> Any:
    """A value typed for `path` as the type that path holds now."""
    current = world.values().get(path)
    if current is None:
        return typed_input(text, "number") if _looks_numeric(text) else text.strip()
    return typed_input(text, value_kind(current))


def event_input(world: RunWorld, event_type: str, fields: dict[str, str]) -> dict[str, Any]:
    """An event's parameters from form fields (blank ones left out: defaults apply)."""
    definitions = {p.name: p for p in world.event_types().get(event_type, ())}
    params: dict[str, Any] = {}
    for name, text in fields.items():
        if not text.strip():
            continue
        definition = definitions.get(name)
        params[name] = typed_input(text, definition.type if definition else "string")
    return params


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
