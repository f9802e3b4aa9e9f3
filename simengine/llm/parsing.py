"""Turning model text into a schema-valid decision object, with errors a model can act on."""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from typing import Any

import jsonschema_rs
from jsonschema import exceptions as schema_errors
from jsonschema.validators import validator_for

FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)
THINKING = re.compile(r"<think>.*?</think>", re.DOTALL)
MAX_ERRORS = 3
MAX_STARTS = 50  # '{' positions tried per candidate text
COMPILED_KEPT = 64  # schemas kept compiled (one per action set of recent runs)


class InvalidOutput(ValueError):
    """The model's answer is not a usable decision; the message is shown to it for repair."""


def _candidates(text: str) -> list[str]:
    stripped = THINKING.sub("", text).strip()
    return [stripped, *(block.strip() for block in FENCE.findall(stripped))]


def _first_value(candidate: str) -> object:
    """The whole text as JSON, else the first JSON object that starts at some '{'."""
    try:
        return json.loads(candidate)
    except ValueError:
        pass
    decoder = json.JSONDecoder()
    start = candidate.find("{")
    for _ in range(MAX_STARTS):
        if start < 0:
            break
        try:
            return decoder.raw_decode(candidate, start)[0]
        except ValueError:
            start = candidate.find("{", start + 1)
    return None


def extract_json_object(text: str) -> dict[str, Any]:
    """The JSON object in `text`: bare, inside a code fence, or after some leading prose."""
    for candidate in _candidates(text):
        value = _first_value(candidate)
        if isinstance(value, dict):
            return value
        if value is not None:
            raise InvalidOutput(f"expected one JSON object, got a JSON {type(value).__name__}")
    shown = text.strip()[:120] or "(empty)"
    raise InvalidOutput(f"the answer is not JSON: expected one JSON object, got {shown!r}")


def _path(error: schema_errors.ValidationError) -> str:
    path = ""
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"


def _short(message: str, limit: int = 240) -> str:
    return message if len(message) <= limit else message[: limit - 1] + "…"


class _Compiled:
    """Compiled validators, found by schema object first and by schema content second.

    A schema is not changed once it is used. Each run (and each restored slice of it)
    makes its own schema objects: the object map finds one in a dict lookup, the content
    map shares one compiled validator (about 65 KB) between equal schemas. Each
    object-map entry keeps its schema alive, so an `id` is not reused while it is cached.
    """

    def __init__(self, kept: int) -> None:
        self.kept = kept
        self._by_object: OrderedDict[int, tuple[dict[str, Any], Any]] = OrderedDict()
        self._by_content: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, schema: dict[str, Any]) -> Any:
        key = id(schema)
        with self._lock:
            entry = self._by_object.get(key)
            if entry is not None and entry[0] is schema:
                self._by_object.move_to_end(key)
                return entry[1]
        content = json.dumps(schema, sort_keys=True)
        with self._lock:
            compiled = self._by_content.get(content)
        if compiled is None:
            try:
                compiled = jsonschema_rs.validator_for(schema, validate_formats=False)
            except Exception:  # a schema it cannot compile: jsonschema alone decides
                compiled = False
        with self._lock:
            self._by_content[content] = compiled
            self._by_content.move_to_end(content)
            self._by_object[key] = (schema, compiled)
            for kept in (self._by_content, self._by_object):
                while len(kept) > self.kept:
                    kept.popitem(last=False)
        return compiled


_compiled = _Compiled(COMPILED_KEPT)


def validate_decision(data: dict[str, Any], schema: dict[str, Any]) -> None:
    """Raise `InvalidOutput` listing (up to three) schema violations with their paths.

    A compiled validator (cached per schema) accepts a valid object in microseconds; an
    object it rejects is checked again by `jsonschema`, whose messages the model is shown.
    """
    compiled = _compiled.get(schema)
    if compiled and compiled.is_valid(data):
        return
    validator = validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        specific = [schema_errors.best_match([e]) or e for e in errors[:MAX_ERRORS]]
        shown = "; ".join(f"{_path(e)}: {_short(e.message)}" for e in specific)
        more = f" (and {len(errors) - MAX_ERRORS} more)" if len(errors) > MAX_ERRORS else ""
        raise InvalidOutput(f"the JSON does not match the schema: {shown}{more}")


def parse_decision(text: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The validated decision object in `text`, or `InvalidOutput` saying what is wrong."""
    data = extract_json_object(text)
    validate_decision(data, schema)
    return data
