"""One form per part of a scenario; each maps a document item to field texts and back.

Every field is text (or a checkbox): the engine validates the document the forms build,
so there is one set of rules and one wording of errors for the form, YAML and the API.
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

from django import forms
from django.utils.datastructures import MultiValueDict

from scenarios_app.forms import values as v

EMOTIONS = ("fear", "stress", "hope", "empathy")
AGENT_KINDS = ("human", "environment", "designer", "evaluator")
OPERATORS = (">=", ">", "<=", "<", "==", "!=")
MATCH_CHOICES = (
    ("none", "none"),
    ("all", "all of"),
    ("any", "any of"),
    ("yaml", "custom (YAML)"),
)


def _text(**attrs: Any) -> forms.CharField:
    return forms.CharField(required=False, widget=forms.TextInput(attrs=attrs))


def _number(**attrs: Any) -> forms.CharField:
    return forms.CharField(
        required=False, widget=forms.TextInput({"inputmode": "decimal", **attrs})
    )


def _area(rows: int = 2, **attrs: Any) -> forms.CharField:
    return forms.CharField(required=False, widget=forms.Textarea({"rows": rows, **attrs}))


def _select(choices: tuple[tuple[str, str], ...]) -> forms.CharField:
    return forms.CharField(required=False, widget=forms.Select(choices=choices))


class LenientMultipleChoiceField(forms.MultipleChoiceField):
    """Checkboxes whose unknown values are kept for the engine to report."""

    def valid_value(self, value: str) -> bool:
        return True


class SectionForm(forms.Form):
    """A form that reads and writes one item of the scenario document."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select form-select-sm"
            else:
                css = "form-control form-control-sm"
            widget.attrs["class"] = f"{css} {widget.attrs.get('class', '')}".strip()

    def mark_invalid(self, name: str) -> None:
        widget = self.fields[name].widget
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class RowForm(SectionForm):
    """A form for one row of a repeated section: a location, a template, a condition..."""

    @classmethod
    def from_item(cls, item: Any) -> dict[str, Any]:
        """The field values that show one item of the section's list."""
        raise NotImplementedError

    def to_item(self) -> Any:
        """The document item that the cleaned fields describe."""
        raise NotImplementedError


class LocationForm(RowForm):
    """A map location: id, elevation, shelter, capacity and what is there."""

    id = _text(placeholder="id")
    elevation = _number(placeholder="0")
    shelter = forms.BooleanField(required=False)
    capacity = _number(placeholder="unlimited")
    civilians = _number(placeholder="0")
    injured = _number(placeholder="0")
    boats = _number(placeholder="0")
    food = _number(placeholder="0")
    medkits = _number(placeholder="0")

    NUMBERS: ClassVar = (
        "elevation",
        "capacity",
        "civilians",
        "injured",
        "boats",
        "food",
        "medkits",
    )

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> dict[str, Any]:
        data = {name: v.show(item.get(name)) for name in ("id", *cls.NUMBERS)}
        data["shelter"] = "on" if item.get("shelter") is True else ""
        return data

    def to_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {}
        v.put(item, "id", v.text(self.cleaned_data["id"]))
        for name in self.NUMBERS[:1]:
            v.put(item, name, v.number(self.cleaned_data[name]))
        if self.cleaned_data["shelter"]:
            item["shelter"] = True
        for name in self.NUMBERS[1:]:
            v.put(item, name, v.number(self.cleaned_data[name]))
        return item


class RouteForm(RowForm):
    """A route between two locations and its length in ticks (`[a, b, ticks]` in the document)."""

    a = _text(placeholder="from")
    b = _text(placeholder="to")
    ticks = _number(placeholder="ticks")

    POSITIONS: ClassVar = ("a", "b", "ticks")

    @classmethod
    def from_item(cls, item: Any) -> dict[str, Any]:
        parts = list(item) if isinstance(item, list | tuple) else []
        parts += [None] * (3 - len(parts))
        return {"a": v.show(parts[0]), "b": v.show(parts[1]), "ticks": v.show(parts[2])}

    def to_item(self) -> list[Any]:
        a, b = v.text(self.cleaned_data["a"]), v.text(self.cleaned_data["b"])
        ticks = v.number(self.cleaned_data["ticks"])
        return [None if x is v.MISSING else x for x in (a, b, ticks)]


class ResourceForm(RowForm):
    """A shared resource and its starting amount (one `name: amount` entry)."""

    name = _text(placeholder="resource", list="resource-names")
    amount = _number(placeholder="amount")

    @classmethod
    def from_item(cls, item: tuple[str, Any]) -> dict[str, Any]:
        return {"name": item[0], "amount": v.show(item[1])}

    def to_item(self) -> tuple[Any, Any]:
        amount = v.number(self.cleaned_data["amount"])
        return v.text(self.cleaned_data["name"]), None if amount is v.MISSING else amount


class TemplateForm(RowForm):
    """An agent template: identity, persona, emotions, model, actions, start, knowledge."""

    id = _text(placeholder="rescuer")
    kind = _select(tuple((k, k) for k in AGENT_KINDS))
    count = _number(placeholder="1")
    name = _text(placeholder="Rescuer {n}")
    role = _text(placeholder="Rescue boat crew")
    persona = _area(2, placeholder="Calm former fisher who knows the river.")
    emotion_fear = _number(placeholder="0.2")
    emotion_stress = _number(placeholder="0.2")
    emotion_hope = _number(placeholder="0.5")
    emotion_empathy = _number(placeholder="0.5")
    model = _text(placeholder="offline/heuristic", list="model-options")
    temperature = _number(placeholder="0.7")
    actions = LenientMultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    start = _text(placeholder="location id", list="location-ids")
    knowledge = _area(2, placeholder="One fact per line")
    goals = _area(2, placeholder="One goal per line")
    params = _area(2, placeholder="food: 6")
    memory = _area(2, placeholder="retrieve_k: 8")

    def __init__(self, *args: Any, world_actions: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        data = self.data
        chosen: list[str] = []
        if self.is_bound and isinstance(data, MultiValueDict):
            chosen = list(data.getlist(self.add_prefix("actions")))
        names = list(world_actions) + [a for a in chosen if a not in world_actions]
        cast(forms.ChoiceField, self.fields["actions"]).choices = [(a, a) for a in names]

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> dict[str, Any]:
        emotion = v.mapping_or_empty(item.get("emotion"))
        data: dict[str, Any] = {
            name: v.show(item.get(name))
            for name in ("id", "kind", "count", "name", "role", "persona", "model", "start")
        }
        data["temperature"] = v.show(item.get("temperature"))
        data.update({f"emotion_{key}": v.show(emotion.get(key)) for key in EMOTIONS})
        actions = item.get("actions")
        data["actions"] = [str(a) for a in actions] if isinstance(actions, list | tuple) else []
        data["knowledge"] = v.show_lines(item.get("knowledge"))
        data["goals"] = v.show_lines(item.get("goals"))
        data["params"] = v.show_mapping(item.get("params"))
        data["memory"] = v.show_mapping(item.get("memory"))
        return data

    def to_item(self) -> dict[str, Any]:
        c = self.cleaned_data
        item: dict[str, Any] = {}
        v.put(item, "id", v.text(c["id"]))
        v.put(item, "kind", v.text(c["kind"]))
        v.put(item, "count", v.number(c["count"]))
        for name in ("name", "role", "persona"):
            v.put(item, name, v.text(c[name]))
        emotion: dict[str, Any] = {}
        for key in EMOTIONS:
            v.put(emotion, key, v.number(c[f"emotion_{key}"]))
        if emotion:
            item["emotion"] = emotion
        v.put(item, "model", v.text(c["model"]))
        v.put(item, "temperature", v.number(c["temperature"]))
        if c["actions"]:
            item["actions"] = list(c["actions"])
        v.put(item, "start", v.text(c["start"]))
        v.put(item, "knowledge", v.lines(c["knowledge"]))
        v.put(item, "goals", v.lines(c["goals"]))
        v.put(item, "params", v.mapping(c["params"]))
        v.put(item, "memory", v.mapping(c["memory"]))
        return item


class RoomForm(RowForm):
    """A chat room and its members (agent names or `template:<id>`)."""

    id = _text(placeholder="command")
    members = _text(placeholder="template:rescuer, Mayor", list="member-names")

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> dict[str, Any]:
        return {"id": v.show(item.get("id")), "members": v.show_csv(item.get("members"))}

    def to_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {}
        v.put(item, "id", v.text(self.cleaned_data["id"]))
        members = v.csv(self.cleaned_data["members"])
        item["members"] = [] if members is v.MISSING else members
        return item


class EventForm(RowForm):
    """A scheduled world event: its tick, type and parameters."""

    at_tick = _number(placeholder="10")
    type = _text(placeholder="levee_breach", list="event-types")
    params = _text(placeholder="{surge: 1.5}")

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> dict[str, Any]:
        params = item.get("params")
        return {
            "at_tick": v.show(item.get("at_tick")),
            "type": v.show(item.get("type")),
            "params": "" if params in (None, {}) else v.show(params),
        }

    def to_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {}
        v.put(item, "at_tick", v.number(self.cleaned_data["at_tick"]))
        v.put(item, "type", v.text(self.cleaned_data["type"]))
        v.put(item, "params", v.mapping(self.cleaned_data["params"]))
        return item


class ConditionForm(RowForm):
    """One metric condition of a success or failure rule (`metric op value`)."""

    metric = _text(placeholder="metric", list="metric-names")
    op = _select(tuple((op, op) for op in OPERATORS))
    value = _number(placeholder="value")

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> dict[str, Any]:
        return {name: v.show(item.get(name)) for name in ("metric", "op", "value")}

    def to_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {}
        v.put(item, "metric", v.text(self.cleaned_data["metric"]))
        v.put(item, "op", v.text(self.cleaned_data["op"]))
        v.put(item, "value", v.number(self.cleaned_data["value"]))
        return item


class ScenarioForm(SectionForm):
    """The scenario's scalar parts: header, world kind, termination, evaluation, budget."""

    name = _text(placeholder="Riverside flood")
    description = _area(3)
    mode = _select((("discrete", "discrete: every agent each tick"), ("event", "event-driven")))
    seed = _number(placeholder="0")
    world_kind = _select(())
    max_ticks = _number(placeholder="60")
    success_match = _select(MATCH_CHOICES)
    success_yaml = _area(3)
    failure_match = _select(MATCH_CHOICES)
    failure_yaml = _area(3)
    evaluation_enabled = forms.BooleanField(required=False)
    evaluation_model = _text(placeholder="offline/heuristic", list="model-options")
    evaluation_dimensions = _text(placeholder="cooperation, ethics, strategy, emotional_coherence")
    budget_tokens_per_run = _number(placeholder="no limit")
    budget_tokens_per_agent = _number(placeholder="no limit")
    memory = _area(3, placeholder="retrieve_k: 5\ntoken_budget: 300\nembedding_model: local")
    note = forms.CharField(
        required=False, max_length=300, widget=forms.TextInput({"placeholder": "what changed"})
    )

    def __init__(self, *args: Any, world_kinds: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.data.get(self.add_prefix("world_kind"), "") if self.is_bound else ""
        kinds = list(world_kinds) + ([current] if current and current not in world_kinds else [])
        self.fields["world_kind"].widget.choices = [(k, k) for k in kinds]


class WorldParamsForm(SectionForm):
    """One field per parameter the world kind declares, plus YAML for any other keys."""

    extra = _area(2, placeholder="other_param: 1")

    def __init__(self, *args: Any, defs: tuple[Any, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.defs = {d.name: d for d in defs}
        for d in defs:
            default = "" if d.default is None else v.show(d.default)
            field = _number(placeholder=default) if d.type in ("number", "integer") else _text()
            field.label = d.name
            field.help_text = d.doc
            field.widget.attrs["class"] = "form-control form-control-sm"
            if d.type not in ("number", "integer"):
                field.widget.attrs["placeholder"] = default
            self.fields[f"p_{d.name}"] = field

    @staticmethod
    def from_params(params: dict[str, Any], defs: tuple[Any, ...]) -> dict[str, Any]:
        known = {d.name for d in defs}
        data = {f"p_{key}": v.show(value) for key, value in params.items() if key in known}
        extra = {key: value for key, value in params.items() if key not in known}
        data["extra"] = v.show_mapping(extra)
        return data

    def to_params(self) -> Any:
        params: dict[str, Any] = {}
        for name in self.defs:
            v.put(params, name, v.scalar(self.cleaned_data.get(f"p_{name}")))
        extra = v.mapping(self.cleaned_data.get("extra"))
        if isinstance(extra, dict):
            params.update(extra)
        elif extra is not v.MISSING:
            return extra  # not a mapping: let validation say so
        return params

    def param_fields(self) -> list[forms.BoundField]:
        return [self[f"p_{name}"] for name in self.defs]
