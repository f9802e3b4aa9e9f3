"""Strict readers for settings taken from the environment.

A bad value stops start-up with one line naming the variable and what it expects.
"""

from __future__ import annotations

import os
from collections.abc import Mapping


class EnvError(Exception):
    """A configuration variable is missing or malformed."""


def env_str(name: str, default: str | None = None, environ: Mapping[str, str] = os.environ) -> str:
    """The variable's trimmed value, or `default`; required (EnvError) when there is no default."""
    value = environ.get(name, "").strip()
    if value:
        return value
    if default is None:
        raise EnvError(f"{name} is required: set it in the environment")
    return default


def env_bool(name: str, default: bool, environ: Mapping[str, str] = os.environ) -> bool:
    """A flag written 1/0, true/false, yes/no or on/off (any case); unset gives `default`."""
    raw = environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise EnvError(f"{name}={raw!r} is not a boolean: use 1/0, true/false, yes/no or on/off")


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    environ: Mapping[str, str] = os.environ,
) -> int:
    """A whole number, at least `minimum` when given; unset gives `default`."""
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise EnvError(f"{name}={raw!r} is not an integer: expected a whole number") from None
    if minimum is not None and value < minimum:
        raise EnvError(f"{name}={value} is too small: expected an integer >= {minimum}")
    return value


def env_list(name: str, default: list[str], environ: Mapping[str, str] = os.environ) -> list[str]:
    """Comma-separated items, trimmed, empty ones dropped; unset gives `default`."""
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]
