"""Setting one value of a world state by dotted path ("god mode" for operators)."""

from __future__ import annotations

import copy
from typing import Any

from simengine.core.worlds.base import WorldKind
from simengine.core.worlds.values import coerce, locate


def set_state_value(kind: WorldKind, state: Any, path: str, value: Any) -> tuple[Any, Any]:
    """A new state with `path` set to `value`, and the old value; ValueError if not allowed.

    Only existing single values can be set, with a value of the same JSON type (an integer
    may replace a number); the world kind then checks the state stays consistent.
    """
    data = copy.deepcopy(state.to_json())
    node, leaf = locate(data, path)
    old = node[leaf]
    node[leaf] = coerce(old, value, path)
    new_state = kind.load_state(data)
    problems = kind.check_state(new_state)
    if problems:
        raise ValueError("; ".join(problems))
    return new_state, old
