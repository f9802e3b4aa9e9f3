"""Setting one value of a world state by dotted path ("god mode" for operators)."""

from __future__ import annotations

import copy
from typing import Any

from simengine.core.text import describe_value
from simengine.core.worlds.base import WorldKind

_TYPE_NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}


def set_state_value(kind: WorldKind, state: Any, path: str, value: Any) -> tuple[Any, Any]:
    """A new state with `path` set to `value`, and the old value; ValueError if not allowed.

    Only existing leaves can be set, with a value of the same JSON type (an int may
    replace a float); the world kind then checks the state stays consistent.
    """
    data = copy.deepcopy(state.to_json())
    parts = [p for p in path.split(".") if p]
    if not parts:
        raise ValueError("empty path")
    node = data
    for i, part in enumerate(parts[:-1]):
        if not isinstance(node, dict) or part not in node:
            raise ValueError(f"no such value: {'.'.join(parts[: i + 1])}")
        node = node[part]
    leaf = parts[-1]
    if not isinstance(node, dict) or leaf not in node:
        raise ValueError(f"no such value: {path}")
    old = node[leaf]
    node[leaf] = _coerce(old, value, path)
    new_state = kind.load_state(data)
    problems = kind.check_state(new_state)
    if problems:
        raise ValueError("; ".join(problems))
    return new_state, old


def _coerce(old: Any, value: Any, path: str) -> Any:
    if isinstance(old, dict | list):
        raise ValueError(f"{path} is not a single value")
    if isinstance(old, bool) or isinstance(value, bool):
        if isinstance(old, bool) and isinstance(value, bool):
            return value
    elif isinstance(old, float) and isinstance(value, int | float):
        return float(value)
    elif (
        (isinstance(old, int) and isinstance(value, int))
        or (isinstance(old, str) and isinstance(value, str))
        or (old is None and isinstance(value, int | float | str))
    ):
        return value
    expected = _TYPE_NAMES.get(type(old), "a value")
    raise ValueError(f"{path} expects {expected}, got {describe_value(value)}")
