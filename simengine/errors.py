"""Base exceptions that services raise and the API maps to statuses, so the API imports no app.

`ConflictError`: the current state forbids the request (409). `InvalidInputError`: input
with `path: message` lines in `errors` (400).
"""

from __future__ import annotations


class ConflictError(Exception):
    """The resource's current state does not allow the request; its text says why."""


class InvalidInputError(Exception):
    """Input that cannot be used; carries every problem as a `path: message` line."""

    errors: list[str]
