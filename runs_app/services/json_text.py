"""JSON text for `jsonb` columns, written by orjson when that stores the very same value.

A tick's rows carry thousands of small JSON values (event data, LLM call messages, memory
sources); `json.dumps` spent about 4 % of a worker's CPU per offline decision on them.
orjson writes them several times faster. PostgreSQL parses the text into `jsonb`, so
spacing, escaping and number spelling do not matter, only the value; where orjson's value
could differ from `json.dumps`'s, `json.dumps` writes it as before:

- NaN and infinities, which orjson writes as null (`json.dumps` writes NaN, which
  PostgreSQL refuses, as it did before);
- what orjson refuses: non-string keys, integers beyond 64 bits, lone surrogates, and
  subclasses, dataclasses and datetimes (passed through, so they are `json.dumps`'s).
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson

_OPTIONS = (
    orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
)


def json_text(value: Any) -> str:
    """`value` as JSON text that parses to what `json.dumps(value)` parses to."""
    try:
        text = orjson.dumps(value, option=_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(value)
    if b"null" in text and not _finite(value):
        return json.dumps(value)
    return text.decode()


def _finite(value: Any) -> bool:
    """Whether no float inside `value` is NaN or infinite."""
    kind = type(value)
    if kind is float:
        return math.isfinite(value)
    if kind is dict:
        return all(map(_finite, value.values()))
    if kind is list or kind is tuple:
        return all(map(_finite, value))
    return True
