"""Text <-> value conversions for designer fields.

Form fields hold text; the document they build keeps anything that does not parse as
typed (e.g. `abc` for a number) so the engine's validation reports it with its path.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import yaml

MISSING = object()  # a blank field: the key is left out and the spec's default applies

_INT = re.compile(r"^[+-]?\d+$")


def text(raw: Any) -> Any:
    """Stripped text, or MISSING when blank."""
    value = str(raw or "").strip()
    return value if value else MISSING


def number(raw: Any) -> Any:
    """An int or float from the text; unparsable text stays text for validation to report."""
    value = str(raw or "").strip()
    if not value:
        return MISSING
    if _INT.match(value):
        return int(value)
    try:
        return float(value)
    except ValueError:
        return value


def scalar(raw: Any) -> Any:
    """A YAML scalar or flow value (`0.6`, `true`, `[a, b]`); unparsable text stays text."""
    value = str(raw or "").strip()
    if not value:
        return MISSING
    try:
        return yaml.safe_load(value)
    except yaml.YAMLError:
        return value


def mapping(raw: Any) -> Any:
    """A YAML mapping written in a text area; anything else is kept for validation to report."""
    value = str(raw or "").strip()
    if not value:
        return MISSING
    try:
        loaded = yaml.safe_load(value)
    except yaml.YAMLError:
        return value
    return MISSING if loaded is None else loaded


def lines(raw: Any) -> Any:
    """Non-blank lines as a list, or MISSING."""
    items = [line.strip() for line in str(raw or "").splitlines() if line.strip()]
    return items or MISSING


def csv(raw: Any) -> Any:
    """Comma-separated items as a list, or MISSING."""
    items = [item.strip() for item in str(raw or "").split(",") if item.strip()]
    return items or MISSING


def show(value: Any) -> str:
    """The text a field shows for a document value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000).strip()


def show_mapping(value: Any) -> str:
    """A mapping as block YAML for a text area ("" when empty)."""
    if value in (None, {}):
        return ""
    if not isinstance(value, dict):
        return show(value)
    return yaml.safe_dump(value, sort_keys=False, allow_unicode=True, width=100).strip()


def show_lines(value: Any) -> str:
    """A list as one item per line."""
    if isinstance(value, list | tuple):
        return "\n".join(str(v) for v in value)
    return show(value)


def show_csv(value: Any) -> str:
    """A list as comma-separated text."""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return show(value)


def put(target: dict[str, Any], key: str, value: Any) -> None:
    """Set `key` unless the value is MISSING."""
    if value is not MISSING:
        target[key] = value


class _ReadableDumper(yaml.SafeDumper):
    """Short lists and small flat mappings on one line, as people write scenario files."""


def mapping_or_empty(value: Any) -> dict[str, Any]:
    """`value` where the document holds a mapping, else an empty one (for optional sections)."""
    return value if isinstance(value, dict) else {}


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float | str)


def _represent_list(dumper: yaml.SafeDumper, data: Sequence[Any]) -> yaml.Node:
    flow = all(_is_scalar(item) for item in data) and len(str(data)) < 90
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


def _represent_dict(dumper: yaml.SafeDumper, data: dict[Any, Any]) -> yaml.Node:
    flow = all(_is_scalar(item) for item in data.values()) and len(str(data)) < 90
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)


_ReadableDumper.add_representer(list, _represent_list)
_ReadableDumper.add_representer(tuple, _represent_list)
_ReadableDumper.add_representer(dict, _represent_dict)


def to_yaml(document: dict[str, Any]) -> str:
    """A scenario document as YAML in the layout of the sample files."""
    return yaml.dump(
        document, Dumper=_ReadableDumper, sort_keys=False, allow_unicode=True, width=100
    )
