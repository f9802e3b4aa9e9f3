"""What the console renders for a world: a view model built from the kind's state.

Every kind gets `state_tree` for free (the state as nested label/value nodes); a kind may
override `WorldKind.view` with a richer model later (a map, a vote board).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Scalar = str | int | float | bool | None


@dataclass(frozen=True)
class ViewNode:
    """One labelled value, or a labelled group of nodes; `path` is its dotted state path."""

    label: str
    value: Scalar = None
    children: tuple[ViewNode, ...] = ()
    path: str = ""

    def to_json(self) -> dict[str, Any]:
        """A JSON-able form for templates and payloads."""
        return {
            "label": self.label,
            "value": self.value,
            "path": self.path,
            "children": [child.to_json() for child in self.children],
        }


def state_tree(data: Any, label: str = "world", path: str = "") -> ViewNode:
    """The generic view: a JSON-able state (`to_json()` output) as a tree of nodes."""
    if isinstance(data, Mapping):
        children = tuple(
            state_tree(value, str(key), f"{path}.{key}" if path else str(key))
            for key, value in data.items()
        )
        return ViewNode(label=label, children=children, path=path)
    if isinstance(data, list | tuple):
        children = tuple(state_tree(item, f"[{i}]", f"{path}[{i}]") for i, item in enumerate(data))
        return ViewNode(label=label, children=children, path=path)
    if data is None or isinstance(data, str | int | float | bool):
        return ViewNode(label=label, value=data, path=path)
    return ViewNode(label=label, value=str(data), path=path)
