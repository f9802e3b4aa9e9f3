"""A world state's JSON as values an operator can set: dotted paths to single values.

Pure helpers over `WorldState.to_json()` output, shared by `WorldKind.check_world_value`
(validation before a god-mode control is queued) and `paths.set_state_value` (applying it
at the tick boundary), so both say the same thing about the same path.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from typing import Any

from simengine.core.text import describe_value

_TYPE_NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}
Scalar = bool | int | float | str | None


def settable_values(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Scalar]]:
    """Every single value reachable through objects only, as (dotted path, current value)."""
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            yield from settable_values(value, path)
        elif value is None or isinstance(value, bool | int | float | str):
            yield path, value


def locate(data: dict[str, Any], path: str) -> tuple[dict[str, Any], str]:
    """The object holding `path`'s last part and that part; ValueError naming the bad path."""
    parts = path.split(".") if isinstance(path, str) else []
    if not path or not all(parts):
        raise ValueError(f"'{path}' is not a path: use names joined by dots, e.g. water_level")
    node: Any = data
    for i, part in enumerate(parts):
        if not isinstance(node, dict) or part not in node:
            raise ValueError(_unknown(data, node, i == len(parts) - 1, part, path))
        if i < len(parts) - 1:
            node = node[part]
    if isinstance(node[parts[-1]], dict | list):
        raise ValueError(f"'{path}' is a group of values, not a single value")
    return node, parts[-1]


def coerce(old: Any, value: Any, path: str) -> Any:
    """`value` as the type `old` has (an integer may replace a number); ValueError if not."""
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
    raise ValueError(f"'{path}' expects {expected}, got {describe_value(value)}")


def _unknown(data: Mapping[str, Any], node: Any, last: bool, part: str, path: str) -> str:
    if not last and isinstance(node, dict):
        return f"'{path}' is not a value of this world ('{part}' is not one of: {', '.join(node)})"
    known = [name for name, _ in settable_values(data)]
    close = difflib.get_close_matches(path, known, n=3, cutoff=0.75)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    return f"'{path}' is not a value of this world{hint}"
