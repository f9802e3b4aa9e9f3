"""The order PostgreSQL's jsonb gives an object's keys: shorter first, then bytewise.

Data rebuilt from a compact form is put in this order, so readers see exactly what they saw
when it was stored as jsonb.
"""

from __future__ import annotations

from typing import Any


def jsonb_key(key: str) -> tuple[int, bytes]:
    """Sort key of an object key as jsonb orders them."""
    raw = key.encode()
    return len(raw), raw


def jsonb_ordered(value: Any) -> Any:
    """`value` with the keys of every object in it in jsonb's order."""
    if isinstance(value, dict):
        return {k: jsonb_ordered(value[k]) for k in sorted(value, key=jsonb_key)}
    if isinstance(value, list):
        return [jsonb_ordered(v) for v in value]
    return value
