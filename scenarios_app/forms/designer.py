"""The scenario designer: every section's form bound to one flat data set.

The document (the raw scenario dict) and the flat form data convert both ways, so the form
and the YAML tab round-trip. Row operations (add, remove, move) work on the flat data, and
validation errors (`path: message` lines from the engine) are placed at their fields.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.datastructures import MultiValueDict

from scenarios_app.forms import values as v
from scenarios_app.forms.sections import (
    ConditionForm,
    EventForm,
    LocationForm,
    ResourceForm,
    RoomForm,
    RouteForm,
    RowForm,
    ScenarioForm,
    TemplateForm,
    WorldParamsForm,
)
from simengine.core.metrics import metric_names
from simengine.core.worlds import WORLD_KINDS

ROWS: dict[str, type[RowForm]] = {
    "loc": LocationForm,
    "route": RouteForm,
    "res": ResourceForm,
    "tpl": TemplateForm,
    "room": RoomForm,
    "ev": EventForm,
    "success": ConditionForm,
    "failure": ConditionForm,
}
NEW_ROW = {"tpl": {"kind": ["human"], "count": ["1"], "model": ["offline/heuristic"]}}
_PATH_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_MAIN_FIELDS = ("name", "description", "mode", "seed")


def split_path(path: str) -> list[str | int] | None:
    """`agent_templates[0].emotion.fear` -> ["agent_templates", 0, "emotion", "fear"]."""
    tokens: list[str | int] = []
    position = 0
    for match in _PATH_TOKEN.finditer(path):
        if match.start() != position and path[position] != ".":
            return None
        tokens.append(int(match.group(2)) if match.group(2) is not None else match.group(1))
        position = match.end()
    return tokens if tokens and position == len(path) and " " not in path else None


class ScenarioDesigner:
    """All designer forms for one request; `document()` builds the raw scenario."""

    def __init__(self, data: MultiValueDict | dict[str, Any], *, tab: str = "form") -> None:
        self.data = _multi(data)
        self.tab = self.data.get("tab", tab) if self.data.get("tab") in ("form", "yaml") else tab
        self.yaml_text = self.data.get("yaml", "")
        kind_name = self.data.get("s-world_kind") or "flood"
        self.world_kind = WORLD_KINDS.get(kind_name)
        defs = tuple(self.world_kind.params) if self.world_kind else ()
        actions = tuple(self.world_kind.actions) if self.world_kind else ()
        self.main = ScenarioForm(self.data, prefix="s", world_kinds=tuple(sorted(WORLD_KINDS)))
        self.params = WorldParamsForm(self.data, prefix="wp", defs=defs)
        self.rows: dict[str, Any] = {}
        for prefix, form_class in ROWS.items():
            factory = forms.formset_factory(form_class, extra=0)
            kwargs = {"world_actions": actions} if prefix == "tpl" else {}
            self.rows[prefix] = factory(self.data, prefix=prefix, form_kwargs=kwargs)
        self.section_errors: dict[str, list[str]] = {}
        self.unplaced: list[str] = []
        self.error_count = 0
        self.valid_summary = ""
        self._cleaned = False

    @classmethod
    def from_document(cls, document: dict[str, Any], *, tab: str = "form") -> ScenarioDesigner:
        data = document_to_data(document)
        data["tab"] = [tab]
        if tab == "yaml":
            data["yaml"] = [v.to_yaml(document)]
        return cls(data)

    # -- building the document --
    def _clean(self) -> None:
        if not self._cleaned:
            self.main.is_valid()
            self.params.is_valid()
            for formset in self.rows.values():
                formset.is_valid()
            self._cleaned = True

    def _items(self, prefix: str) -> list[Any]:
        return [form.to_item() for form in self.rows[prefix].forms]

    def document(self) -> dict[str, Any]:
        self._clean()
        c = self.main.cleaned_data
        doc: dict[str, Any] = {}
        v.put(doc, "name", v.text(c["name"]))
        v.put(doc, "description", v.text(c["description"]))
        v.put(doc, "mode", v.text(c["mode"]))
        v.put(doc, "seed", v.number(c["seed"]))
        world: dict[str, Any] = {"kind": v.text(c["world_kind"])}
        if world["kind"] is v.MISSING:
            del world["kind"]
        params = self.params.to_params()
        if params != {}:
            world["params"] = params
        for key, prefix in (("locations", "loc"), ("routes", "route")):
            items = self._items(prefix)
            if items:
                world[key] = items
        resources = self._items("res")
        if resources:
            world["resources"] = {
                ("" if name is v.MISSING else name): amount for name, amount in resources
            }
        doc["world"] = world
        doc["agent_templates"] = self._items("tpl")
        for key, prefix in (("rooms", "room"), ("events", "ev")):
            items = self._items(prefix)
            if items:
                doc[key] = items
        termination: dict[str, Any] = {}
        v.put(termination, "max_ticks", v.number(c["max_ticks"]))
        for outcome in ("success", "failure"):
            v.put(termination, outcome, self._condition(outcome))
        if termination:
            doc["termination"] = termination
        if c["evaluation_enabled"]:
            evaluation: dict[str, Any] = {}
            v.put(evaluation, "model", v.text(c["evaluation_model"]))
            v.put(evaluation, "dimensions", v.csv(c["evaluation_dimensions"]))
            doc["evaluation"] = evaluation
        budget: dict[str, Any] = {}
        for key in ("tokens_per_run", "tokens_per_agent"):
            v.put(budget, key, v.number(c[f"budget_{key}"]))
        if budget:
            doc["budget"] = budget
        v.put(doc, "memory", v.mapping(c["memory"]))
        return doc

    def _condition(self, outcome: str) -> Any:
        match = self.main.cleaned_data[f"{outcome}_match"] or "none"
        if match == "yaml":
            return v.mapping(self.main.cleaned_data[f"{outcome}_yaml"])
        rows = [item for item in self._items(outcome) if item]
        if match not in ("all", "any") or not rows:
            return v.MISSING
        if match == "all" and len(rows) == 1:
            return rows[0]
        return {match: rows}

    # -- errors --
    def place_errors(self, lines: list[str]) -> None:
        """Attach each `path: message` line to its field; the rest are listed on top."""
        self._clean()
        self.error_count = len(lines)
        if self.tab == "yaml":  # the YAML tab lists every error with its path
            self.unplaced.extend(lines)
            return
        for line in lines:
            path, sep, message = line.partition(": ")
            tokens = split_path(path) if sep else None
            target = self._target(tokens) if tokens else None
            if target is None:
                self.unplaced.append(line)
            elif isinstance(target, str):
                self.section_errors.setdefault(target, []).append(line)
            else:
                form, field = target
                if field == "memory" and "memory." in path:  # a YAML area: name the key
                    message = f"{path.split('memory.', 1)[1]}: {message}"
                form.add_error(field, message)
                if field is not None:
                    form.mark_invalid(field)

    def _target(self, t: list[str | int]) -> Any:
        head, rest = t[0], t[1:]
        if head in _MAIN_FIELDS and not rest:
            return self.main, head
        if head == "world":
            return self._world_target(rest)
        sections: dict[str | int, str] = {"agent_templates": "tpl", "rooms": "room", "events": "ev"}
        if head in sections:
            return self._row_target(sections[head], rest)
        if head == "termination":
            return self._termination_target(rest)
        if head == "evaluation":
            if rest and rest[0] in ("model", "dimensions"):
                return self.main, f"evaluation_{rest[0]}"
            return self.main, "evaluation_enabled"
        if head == "budget" and rest and rest[0] in ("tokens_per_run", "tokens_per_agent"):
            return self.main, f"budget_{rest[0]}"
        if head == "memory":
            return self.main, "memory"
        return None

    def _world_target(self, rest: list[str | int]) -> Any:
        if not rest:
            return self.main, None
        key, rest = rest[0], rest[1:]
        if key == "kind":
            return self.main, "world_kind"
        if key == "params":
            if rest and f"p_{rest[0]}" in self.params.fields:
                return self.params, f"p_{rest[0]}"
            return (self.params, "extra") if rest else (self.params, None)
        if key == "locations":
            return self._row_target("loc", rest)
        if key == "routes":
            if len(rest) >= 2 and isinstance(rest[1], int) and rest[1] < 3:
                return self._row_target("route", [rest[0], RouteForm.POSITIONS[rest[1]]])
            return self._row_target("route", rest[:1])
        if key == "resources":
            for form in self.rows["res"].forms:
                if rest and form.cleaned_data.get("name", "").strip() == rest[0]:
                    return form, None
            return "res"
        return self.main, None

    def _row_target(self, prefix: str, rest: list[str | int]) -> Any:
        if not rest or not isinstance(rest[0], int):
            return prefix
        forms_ = self.rows[prefix].forms
        if rest[0] >= len(forms_):
            return prefix
        form = forms_[rest[0]]
        if len(rest) == 1:
            return form, None
        field = rest[1]
        if prefix == "tpl" and field == "emotion":
            field = f"emotion_{rest[2]}" if len(rest) > 2 else "emotion_fear"
        return (form, field) if field in form.fields else (form, None)

    def _termination_target(self, rest: list[str | int]) -> Any:
        if not rest:
            return self.main, None
        if rest[0] == "max_ticks":
            return self.main, "max_ticks"
        if rest[0] not in ("success", "failure"):
            return self.main, None
        outcome, rest = str(rest[0]), rest[1:]
        match = self.main.cleaned_data.get(f"{outcome}_match")
        if match == "yaml" or not self.rows[outcome].forms:
            return self.main, f"{outcome}_yaml" if match == "yaml" else f"{outcome}_match"
        if rest and rest[0] in ("all", "any"):
            return self._row_target(outcome, rest[1:])
        return self._row_target(outcome, [0, *rest]) if rest else (self.main, f"{outcome}_match")

    # -- what the template needs --
    @property
    def has_errors(self) -> bool:
        return self.error_count > 0

    def metric_names(self) -> list[str]:
        return metric_names(self.world_kind.name) if self.world_kind else []

    def event_types(self) -> list[str]:
        return sorted(self.world_kind.events) if self.world_kind else []

    def has_map(self) -> bool:
        return bool(self.world_kind and self.world_kind.has_map) or bool(self.rows["loc"].forms)

    def location_ids(self) -> list[str]:
        return [f["id"].value() for f in self.rows["loc"].forms if f["id"].value()]

    def member_names(self) -> list[str]:
        names = []
        for form in self.rows["tpl"].forms:
            if form["id"].value():
                names.append(f"template:{form['id'].value()}")
            pattern = form["name"].value() or ""
            if pattern and "{n}" not in pattern:
                names.append(pattern)
        return names


def document_to_data(doc: dict[str, Any]) -> MultiValueDict:
    """Flat form data (as a browser would post it) for a raw scenario document."""
    doc = doc if isinstance(doc, dict) else {}
    world = v.mapping_or_empty(doc.get("world"))
    kind_name = world.get("kind")
    kind = WORLD_KINDS.get(kind_name) if isinstance(kind_name, str) else None
    termination = v.mapping_or_empty(doc.get("termination"))
    evaluation = doc.get("evaluation")
    budget = v.mapping_or_empty(doc.get("budget"))
    main: dict[str, Any] = {name: v.show(doc.get(name)) for name in _MAIN_FIELDS}
    main["world_kind"] = v.show(world.get("kind"))
    main["max_ticks"] = v.show(termination.get("max_ticks"))
    rows: dict[str, list[Any]] = {
        "loc": _list(world.get("locations")),
        "route": _list(world.get("routes")),
        "res": list(world["resources"].items()) if isinstance(world.get("resources"), dict) else [],
        "tpl": _list(doc.get("agent_templates")),
        "room": _list(doc.get("rooms")),
        "ev": _list(doc.get("events")),
    }
    for outcome in ("success", "failure"):
        match, items, text = _condition_rows(termination.get(outcome))
        main[f"{outcome}_match"], main[f"{outcome}_yaml"] = match, text
        rows[outcome] = items
    main["evaluation_enabled"] = "on" if isinstance(evaluation, dict) else ""
    evaluation = evaluation if isinstance(evaluation, dict) else {}
    main["evaluation_model"] = v.show(evaluation.get("model"))
    main["evaluation_dimensions"] = v.show_csv(evaluation.get("dimensions"))
    for key in ("tokens_per_run", "tokens_per_agent"):
        main[f"budget_{key}"] = v.show(budget.get(key))
    main["memory"] = v.show_mapping(doc.get("memory"))
    data: MultiValueDict[str, Any] = MultiValueDict()
    _write(data, "s", main)
    params = v.mapping_or_empty(world.get("params"))
    _write(data, "wp", WorldParamsForm.from_params(params, tuple(kind.params) if kind else ()))
    for prefix, items in rows.items():
        form_class = ROWS[prefix]
        write_rows(
            data,
            prefix,
            [
                form_class.from_item(item if isinstance(item, dict | list | tuple) else {})
                for item in items
            ],
        )
    return data


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _condition_rows(condition: Any) -> tuple[str, list[dict[str, Any]], str]:
    if condition is None:
        return "none", [], ""
    if isinstance(condition, dict) and set(condition) <= {"metric", "op", "value"}:
        return "all", [condition], ""
    if isinstance(condition, dict) and len(condition) == 1:
        key, items = next(iter(condition.items()))
        plain = isinstance(items, list) and all(
            isinstance(i, dict) and set(i) <= {"metric", "op", "value"} for i in items
        )
        if key in ("all", "any") and plain and items:
            return key, items, ""
    return "yaml", [], v.show_mapping(condition)


def _write(data: MultiValueDict, prefix: str, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        data.setlist(f"{prefix}-{name}", value if isinstance(value, list) else [value])


def read_rows(data: MultiValueDict, prefix: str) -> list[dict[str, list[str]]]:
    """The posted rows of one repeated section (`<prefix>-<i>-<field>`), as lists of values."""
    total = _total(data, prefix)
    rows: list[dict[str, list[str]]] = [{} for _ in range(total)]
    for key in list(data.keys()):
        parts = key.split("-", 2)
        if len(parts) == 3 and parts[0] == prefix and parts[1].isdigit():
            index = int(parts[1])
            if index < total:
                rows[index][parts[2]] = data.getlist(key)
    return rows


def write_rows(data: MultiValueDict, prefix: str, rows: list[dict[str, Any]]) -> None:
    """Replace one section's rows in the flat data, with the formset's management counts."""
    for key in list(data.keys()):
        parts = key.split("-", 2)
        if len(parts) == 3 and parts[0] == prefix and parts[1].isdigit():
            del data[key]
    for index, row in enumerate(rows):
        for name, value in row.items():
            data.setlist(f"{prefix}-{index}-{name}", value if isinstance(value, list) else [value])
    data.setlist(f"{prefix}-TOTAL_FORMS", [str(len(rows))])
    data.setlist(f"{prefix}-INITIAL_FORMS", ["0"])


def _total(data: MultiValueDict, prefix: str) -> int:
    try:
        return max(0, min(int(data.get(f"{prefix}-TOTAL_FORMS", "0")), 1000))
    except ValueError:
        return 0


def apply_row_op(data: MultiValueDict, op: str) -> MultiValueDict:
    """`add:tpl`, `remove:tpl:2`, `up:tpl:2`, `down:tpl:2` on a copy of the posted data."""
    data = _multi(data)
    verb, _, rest = op.partition(":")
    prefix, _, index_text = rest.partition(":")
    if prefix not in ROWS:
        return data
    rows = read_rows(data, prefix)
    index = int(index_text) if index_text.isdigit() else -1
    if verb == "add":
        new_row = dict(NEW_ROW.get(prefix, {}))
        if prefix == "tpl":
            new_row["id"] = [f"template_{len(rows) + 1}"]
        rows.append(new_row)
    elif verb == "remove" and 0 <= index < len(rows):
        rows.pop(index)
    elif verb == "up" and 0 < index < len(rows):
        rows[index - 1], rows[index] = rows[index], rows[index - 1]
    elif verb == "down" and 0 <= index < len(rows) - 1:
        rows[index + 1], rows[index] = rows[index], rows[index + 1]
    write_rows(data, prefix, rows)
    if prefix in ("success", "failure") and verb == "add":
        key = f"s-{prefix}_match"
        if data.get(key) in (None, "", "none", "yaml"):
            data.setlist(key, ["all"])
    return data


def _multi(data: Any) -> MultiValueDict:
    if isinstance(data, MultiValueDict):
        return data.copy()
    result: MultiValueDict[str, Any] = MultiValueDict()
    for key, value in dict(data).items():
        result.setlist(key, value if isinstance(value, list) else [value])
    return result
