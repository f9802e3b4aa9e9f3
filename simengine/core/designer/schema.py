"""The JSON schema a designing model answers with: the scenario format, without $ref.

Constrained decoding (Ollama `format`, Claude's forced tool) keeps the answer's shape; the
meaning (known locations, metric names per world kind...) is checked by `parse_spec`.
"""

from __future__ import annotations

from typing import Any

from simengine.core.conditions import OPERATORS
from simengine.core.metrics import metric_names
from simengine.core.spec.models import AGENT_KINDS
from simengine.core.worlds import WORLD_KINDS
from simengine.core.worlds.base import EMOTION_KEYS

STRING: dict[str, Any] = {"type": "string"}
STRINGS: dict[str, Any] = {"type": "array", "items": STRING}
OBJECT: dict[str, Any] = {"type": "object"}


def _obj(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _condition() -> dict[str, Any]:
    metrics = sorted({m for kind in WORLD_KINDS for m in metric_names(kind)})
    leaf = _obj(
        {
            "metric": {"type": "string", "enum": metrics},
            "op": {"type": "string", "enum": list(OPERATORS)},
            "value": {"type": "number"},
        },
        ["metric", "op", "value"],
    )
    group = {"type": "array", "items": leaf, "minItems": 1}
    return {"anyOf": [leaf, _obj({"all": group}, ["all"]), _obj({"any": group}, ["any"])]}


def _location() -> dict[str, Any]:
    integer = {"type": "integer", "minimum": 0}
    return _obj(
        {
            "id": STRING,
            "elevation": {"type": "number"},
            "shelter": {"type": "boolean"},
            "capacity": integer,
            "civilians": integer,
            "injured": integer,
            "boats": integer,
            "food": {"type": "number", "minimum": 0},
            "medkits": integer,
            "x": {"type": "number"},
            "y": {"type": "number"},
        },
        ["id"],
    )


def _template() -> dict[str, Any]:
    actions = sorted({a for kind in WORLD_KINDS.values() for a in kind.actions})
    unit = {"type": "number", "minimum": 0, "maximum": 1}
    return _obj(
        {
            "id": STRING,
            "kind": {"type": "string", "enum": list(AGENT_KINDS)},
            "count": {"type": "integer", "minimum": 1, "maximum": 50},
            "name": STRING,
            "role": STRING,
            "persona": STRING,
            "emotion": _obj({k: unit for k in EMOTION_KEYS}, list(EMOTION_KEYS)),
            "model": STRING,
            "temperature": {"type": "number", "minimum": 0, "maximum": 2},
            "actions": {"type": "array", "items": {"type": "string", "enum": actions}},
            "start": STRING,
            "knowledge": STRINGS,
            "goals": STRINGS,
            "params": OBJECT,
        },
        ["id", "kind", "role"],
    )


def _world() -> dict[str, Any]:
    route = {
        "type": "array",
        "items": {"anyOf": [STRING, {"type": "integer", "minimum": 1}]},
        "minItems": 3,
        "maxItems": 3,
    }
    return _obj(
        {
            "kind": {"type": "string", "enum": sorted(WORLD_KINDS)},
            "params": OBJECT,
            "locations": {"type": "array", "items": _location()},
            "routes": {"type": "array", "items": route},
            "resources": OBJECT,
        },
        ["kind", "params"],
    )


def _termination() -> dict[str, Any]:
    return _obj(
        {
            "max_ticks": {"type": "integer", "minimum": 1, "maximum": 500},
            "success": _condition(),
            "failure": _condition(),
        },
        ["max_ticks"],
    )


def design_schema() -> dict[str, Any]:
    """The whole scenario as one JSON object."""
    room = _obj({"id": STRING, "members": STRINGS}, ["id", "members"])
    event = _obj(
        {"at_tick": {"type": "integer", "minimum": 1}, "type": STRING, "params": OBJECT},
        ["at_tick", "type"],
    )
    return _obj(
        {
            "name": STRING,
            "description": STRING,
            "mode": {"type": "string", "enum": ["discrete", "event"]},
            "seed": {"type": "integer"},
            "world": _world(),
            "agent_templates": {"type": "array", "items": _template(), "minItems": 1},
            "rooms": {"type": "array", "items": room},
            "events": {"type": "array", "items": event},
            "termination": _termination(),
            "evaluation": _obj({"model": STRING, "dimensions": STRINGS}, ["model"]),
        },
        ["name", "description", "world", "agent_templates", "termination"],
    )
