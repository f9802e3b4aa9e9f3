"""Typed parameter tables: world params, per-agent params and scripted-event params.

A world kind declares its parameters as `ParamDef`s; `check_params` reports every bad or
unknown one with its path and `resolve_params` fills in the defaults.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from simengine.core.text import describe_value, format_number

_TYPE_NAMES = {
    "number": "a number",
    "integer": "an integer",
    "boolean": "true or false",
    "string": "a string",
    "strings": "a list of strings",
}


@dataclass(frozen=True)
class ParamDef:
    """One parameter: its JSON type, default, allowed range or choices, and what it means."""

    name: str
    type: str  # number | integer | boolean | string | strings
    default: Any = None
    doc: str = ""
    minimum: float | None = None
    maximum: float | None = None
    required: bool = False
    min_items: int = 0

    def check(self, value: Any) -> str | None:
        """The problem with `value`, or None when it is acceptable."""
        if not _has_type(value, self.type):
            return f"expected {_TYPE_NAMES[self.type]}, got {describe_value(value)}"
        if self.type in ("number", "integer"):
            if self.minimum is not None and value < self.minimum:
                return f"must be >= {format_number(self.minimum)}, got {format_number(value)}"
            if self.maximum is not None and value > self.maximum:
                return f"must be <= {format_number(self.maximum)}, got {format_number(value)}"
        if self.type == "strings" and len(value) < self.min_items:
            return f"must list at least {self.min_items} items"
        if self.type == "string" and self.required and not value.strip():
            return "must not be empty"
        return None


def check_params(
    params: Mapping[str, Any], defs: Sequence[ParamDef], path: str, owner: str
) -> list[str]:
    """Error lines for unknown, missing and ill-typed parameters."""
    known = {d.name: d for d in defs}
    errors = []
    for name, value in params.items():
        definition = known.get(name)
        if definition is None:
            names = ", ".join(sorted(known)) or "none"
            errors.append(f"{path}.{name}: unknown parameter for {owner} (known: {names})")
            continue
        problem = definition.check(value)
        if problem:
            errors.append(f"{path}.{name}: {problem}")
    for definition in defs:
        if definition.required and definition.name not in params:
            errors.append(f"{path}.{definition.name}: required for {owner}")
    return errors


def resolve_params(params: Mapping[str, Any], defs: Sequence[ParamDef]) -> dict[str, Any]:
    """The given parameters with defaults filled in, in table order."""
    resolved = {d.name: params.get(d.name, d.default) for d in defs}
    for d in defs:
        if d.type == "number" and resolved[d.name] is not None:
            resolved[d.name] = float(resolved[d.name])
        if d.type == "strings" and resolved[d.name] is not None:
            resolved[d.name] = list(resolved[d.name])
    return resolved


def describe_params(defs: Sequence[ParamDef]) -> str:
    """One line per parameter, for rules text and documentation."""
    return "\n".join(f"- {d.name} (default {d.default!r}): {d.doc}" for d in defs)


def _has_type(value: Any, type_name: str) -> bool:
    if type_name == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if type_name == "number":
        return isinstance(value, int | float) and math.isfinite(value)
    if type_name == "integer":
        return isinstance(value, int)
    if type_name == "string":
        return isinstance(value, str)
    if type_name == "strings":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    raise ValueError(f"unknown parameter type {type_name!r}")
