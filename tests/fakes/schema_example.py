"""A small valid instance for a JSON schema: the stand-in servers' default answer."""

from __future__ import annotations

import json
from typing import Any

PREFERRED = "wait"
FILLER = "stand-in answer"


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    while isinstance(ref, str) and ref.startswith("#/"):
        node: Any = root
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        schema = node
        ref = schema.get("$ref")
    return schema


def _pick_branch(branches: list[dict[str, Any]]) -> dict[str, Any]:
    for branch in branches:
        if branch.get("type") == "null":
            return branch
    for branch in branches:
        if f'"{PREFERRED}"' in json.dumps(branch):
            return branch
    return branches[0]


def _number(schema: dict[str, Any]) -> float:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    if low is not None and high is not None:
        return (low + high) / 2
    if low is not None:
        return low + (1 if "exclusiveMinimum" in schema else 0)
    if high is not None:
        return min(high - (1 if "exclusiveMaximum" in schema else 0), 0)
    return 0


def example_for_schema(schema: dict[str, Any], root: dict[str, Any] | None = None) -> Any:
    """The simplest instance that validates: `wait` where an enum or branch allows it."""
    root = root or schema
    schema = _resolve(schema, root)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return PREFERRED if PREFERRED in schema["enum"] else schema["enum"][0]
    for key in ("oneOf", "anyOf"):
        if key in schema:
            merged = {k: v for k, v in schema.items() if k != key}
            return example_for_schema({**merged, **_pick_branch(schema[key])}, root)
    if "allOf" in schema:
        merged = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            part = _resolve(part, root)
            merged["properties"] = {**merged.get("properties", {}), **part.get("properties", {})}
            merged["required"] = [*merged.get("required", []), *part.get("required", [])]
            merged.setdefault("type", part.get("type"))
        return example_for_schema(merged, root)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = "null" if "null" in kind else kind[0]
    if kind == "object" or (kind is None and "properties" in schema):
        props = schema.get("properties", {})
        return {
            name: example_for_schema(props.get(name, {}), root)
            for name in schema.get("required", [])
        }
    if kind == "array":
        items = schema.get("items", {})
        count = max(schema.get("minItems", 0), 1 if items else 0)
        count = min(count, schema.get("maxItems", count))
        return [example_for_schema(items, root) for _ in range(count)]
    if kind == "string":
        return FILLER.ljust(schema.get("minLength", 0), ".")[: schema.get("maxLength", 10_000)]
    if kind == "integer":
        return int(_number(schema))
    if kind == "number":
        return float(_number(schema))
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return None
