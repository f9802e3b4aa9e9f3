"""Validation errors: one line per problem, `path: message`, in the spec's own wording."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from simengine.core.text import describe_value


class SpecError(ValueError):
    """A scenario that cannot be used; `errors` holds every problem, one `path: message` each."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = list(errors)


_ROUTE_POSITIONS = {"a": 0, "b": 1, "ticks": 2}  # routes are written [from, to, ticks]
_ROUTE_ITEM = re.compile(r"(^|\.)routes\[\d+\]$")


def format_validation_error(exc: ValidationError, prefix: str) -> list[str]:
    """Pydantic errors as `path: message` lines in our wording."""
    lines = []
    for error in exc.errors():
        path = prefix
        for part in error["loc"]:
            if isinstance(part, int):
                path += f"[{part}]"
            elif part in _ROUTE_POSITIONS and _ROUTE_ITEM.search(path):
                path += f"[{_ROUTE_POSITIONS[part]}]"
            else:
                path += f".{part}" if path else str(part)
        lines.append(f"{path or '(root)'}: {_message(error)}")
    return lines


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "missing":
        return "required"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind in ("value_error", "assertion_error"):
        return str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping, got {describe_value(error.get('input'))}"
    if kind in ("tuple_type", "list_type"):
        return f"expected a list, got {describe_value(error.get('input'))}"
    if kind == "string_type":
        return f"expected a string, got {describe_value(error.get('input'))}"
    msg = str(error["msg"])
    return msg[:1].lower() + msg[1:]
