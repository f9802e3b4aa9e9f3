"""What the console renders for a world: a view model built from the kind's state.

A kind's `WorldKind.view(state, context)` returns a `WorldView`: the name of a renderer
the console knows (`"tree"`, `"map"`, `"table"`) and a JSON-able model in that renderer's
shape. Every kind gets the `"tree"` view for free (the state as nested label/value nodes,
`state_tree`); the flood kind draws a `"map"` (`simengine/core/worlds/flood/view.py`),
the dialogue kind a `"table"` (`simengine/core/worlds/dialogue/view.py`). A new kind may
reuse either model shape or stay with the tree. The core builds geometry and numbers only;
the web layer turns them into SVG.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from simengine.core.worlds.setup import WorldSetup

Scalar = str | int | float | bool | None

VIEW_TEMPLATES = ("tree", "map", "table")  # the renderers the console knows
BUBBLE_CHARS = 60  # an utterance is cut to this many characters in a bubble


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


@dataclass(frozen=True)
class Participant:
    """One agent as a view shows it: who, what kind, its status and its feelings now."""

    name: str
    kind: str = "human"
    role: str = ""
    status: str = "active"
    emotion: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Utterance:
    """Something said during the tick shown: by whom, on which channel, to whom."""

    speaker: str
    text: str
    channel: str = "all"
    to: str = ""

    def short(self) -> str:
        """The text cut to a bubble's length (with an ellipsis when cut)."""
        text = " ".join(self.text.split())
        return text if len(text) <= BUBBLE_CHARS else text[: BUBBLE_CHARS - 1].rstrip() + "…"


@dataclass(frozen=True)
class Happening:
    """A world notice of the tick shown (a levee breach, a supply drop ...)."""

    kind: str
    text: str
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ViewContext:
    """What a view needs beyond the world's state: the tick, the agents, what was said/done.

    `world` is the scenario's world section, for what the state does not keep (a map's
    `x`/`y` positions); None when the caller has no scenario at hand.
    """

    tick: int = 0
    participants: tuple[Participant, ...] = ()
    utterances: tuple[Utterance, ...] = ()
    happenings: tuple[Happening, ...] = ()
    world: WorldSetup | None = None

    def participant(self, name: str) -> Participant:
        """The named participant (a bare one when the context does not list it)."""
        for participant in self.participants:
            if participant.name == name:
                return participant
        return Participant(name=name)


@dataclass(frozen=True)
class WorldView:
    """A view model: which renderer draws it and the JSON-able data it draws."""

    template: str
    data: Mapping[str, Any]
    title: str = ""

    def __post_init__(self) -> None:
        """Refuse a renderer the console does not know (a kind author's typo fails early)."""
        if self.template not in VIEW_TEMPLATES:
            known = ", ".join(VIEW_TEMPLATES)
            raise ValueError(f"unknown view template '{self.template}' (known: {known})")

    def to_json(self) -> dict[str, Any]:
        """`{"template", "title", "data"}` for templates, payloads and the API."""
        return {"template": self.template, "title": self.title, "data": dict(self.data)}


def bubble_width(text: str) -> int:
    """About how wide (in drawing units) a speech bubble holding `text` is drawn."""
    return int(len(text) * 5.6 + 14)


def bubble_left(x: float, width: int, box_width: int) -> float:
    """Where a bubble over a speaker at `x` starts, kept inside a drawing `box_width` wide."""
    return round(max(4.0, min(x - 10, box_width - width - 4.0)), 1)


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


def tree_view(state_json: Mapping[str, Any], label: str) -> WorldView:
    """The generic `"tree"` view of a state's JSON (data: `ViewNode.to_json()` output)."""
    return WorldView(
        template="tree", data=state_tree(state_json, label=label).to_json(), title=label
    )
