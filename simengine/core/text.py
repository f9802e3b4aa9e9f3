"""Small text helpers shared by validation messages and rules text."""

from __future__ import annotations

from typing import Any


def describe_value(value: Any) -> str:
    """A short description of a wrong value for an error message (`got ...`)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)


def format_number(value: float) -> str:
    """`3` for 3.0, `0.25` for 0.25: numbers as a person would write them."""
    return str(int(value)) if float(value).is_integer() else str(value)
