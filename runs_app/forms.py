"""Forms of the run pages: start, duplicate or fork a run, start a batch, inject, filter."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from runs_app.models import Batch, CallOutcome, RunOutcome, RunStatus
from scenarios_app.models import Scenario, ScenarioVersion
from simengine.core.spec import SpecError, read_document
from simengine.core.spec.limits import OversizedNumber
from simengine.web.access import visible

_SM = {"class": "form-control form-control-sm"}
_SELECT = {"class": "form-select form-select-sm"}


def _mapping_field(label: str, placeholder: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        widget=forms.Textarea(
            {
                **_SM,
                "rows": 3,
                "placeholder": placeholder,
                "class": "form-control form-control-sm mono",
            }
        ),
    )


def _clean_mapping(text: str, what: str) -> dict[str, Any]:
    if not text.strip():
        return {}
    try:
        # The scenario loader's reader: bounded nesting and size, never a RecursionError.
        value = read_document(text, "yaml")
    except SpecError as exc:
        raise forms.ValidationError(f"{what} is not valid YAML: {'; '.join(exc.errors)}") from None
    if not isinstance(value, dict):
        raise forms.ValidationError(f"{what} must be a mapping such as `rain_intensity: 0.8`")
    return value


def limit_choices_to_user(form: forms.Form, user: Any) -> None:
    """Narrow the form's scenario, version and batch choices to what `user` may read."""
    for name, field in form.fields.items():
        if not isinstance(field, forms.ModelChoiceField):
            continue
        queryset = field.queryset
        if queryset is None:
            continue
        if queryset.model is ScenarioVersion:
            scenarios = visible(Scenario.objects.all(), user).values("pk")
            field.queryset = queryset.filter(scenario__in=scenarios)
        elif name in ("scenario", "batch"):
            field.queryset = visible(queryset, user)


class UserChoicesMixin:
    """A form whose model choices are narrowed to what the `user` keyword may read."""

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:
            limit_choices_to_user(cast(forms.Form, self), user)


class VersionChoiceField(forms.ModelChoiceField):
    """A scenario version choice labelled "<scenario> v<number>"."""

    def label_from_instance(self, obj: ScenarioVersion) -> str:
        return f"{obj.scenario.name} v{obj.number}"


class RunSettingsForm(forms.Form):
    """What a run may change about its scenario version: seed, length, models, parameters."""

    seed = forms.IntegerField(
        required=False, widget=forms.NumberInput({**_SM, "placeholder": "scenario default"})
    )
    max_ticks = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=100_000,
        widget=forms.NumberInput({**_SM, "placeholder": "scenario default"}),
    )
    model_override = forms.CharField(
        required=False,
        label="Run every agent on",
        widget=forms.TextInput(
            {**_SM, "placeholder": "each template's own model", "list": "model-options"}
        ),
    )
    params = _mapping_field("World parameters (YAML)", "rain_intensity: 0.8")

    def clean_params(self) -> dict[str, Any]:
        return _clean_mapping(self.cleaned_data["params"], "World parameters")

    def overrides(self) -> dict[str, Any]:
        data = self.cleaned_data
        overrides: dict[str, Any] = {}
        if data.get("params"):
            overrides["params"] = data["params"]
        if data.get("max_ticks"):
            overrides["max_ticks"] = data["max_ticks"]
        if data.get("model_override"):
            overrides["model_override"] = data["model_override"].strip()
        return overrides


class RunCreateForm(UserChoicesMixin, RunSettingsForm):
    """Start a run: a scenario version, the run settings, and whether to queue it now."""

    version = VersionChoiceField(
        queryset=ScenarioVersion.objects.select_related("scenario").order_by(
            "scenario__name", "-number"
        ),
        widget=forms.Select(_SELECT),
        label="Scenario version",
    )
    start = forms.BooleanField(required=False, initial=True, label="Start right away")

    field_order = ["version", "seed", "max_ticks", "model_override", "params", "start"]


class DuplicateForm(RunSettingsForm):
    """Duplicate a run with changed settings, queued now or left paused."""

    start = forms.BooleanField(required=False, initial=True, label="Start right away")


class ForkForm(RunSettingsForm):
    """Fork a run at a stored tick: the run settings, world values and an operator message."""

    step = forms.IntegerField(
        min_value=1,
        max_value=1_000_000,
        label="Fork at tick",
        widget=forms.NumberInput(_SM),
        help_text="The new run continues from the state stored at this tick.",
    )
    models = _mapping_field("Agent models (YAML: template id → model)", "rescuer: ollama/llama3.2")
    world = _mapping_field("Set world values (YAML: path → value)", "water_level: 2.5")
    emotions = _mapping_field(
        "Set feelings (YAML: agent name → feeling → value)", "Mayor: {fear: 0.9}"
    )
    events = _mapping_field(
        "Fire events at the fork's first tick (YAML list)",
        "- {type: rain_change, intensity: 3.0}",
    )
    message_to = forms.ChoiceField(label="Operator message to", widget=forms.Select(_SELECT))
    message = forms.CharField(
        required=False,
        max_length=2000,
        label="Operator message (delivered at the fork's first tick)",
        widget=forms.TextInput({**_SM, "placeholder": "e.g. The levee is about to break."}),
    )
    start = forms.BooleanField(required=False, initial=True, label="Start right away")

    field_order = [
        "step",
        "seed",
        "max_ticks",
        "model_override",
        "models",
        "params",
        "world",
        "emotions",
        "events",
        "message_to",
        "message",
        "start",
    ]

    def __init__(self, *args: Any, targets: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["message_to"]).choices = targets
        self.fields["seed"].widget.attrs["placeholder"] = "the parent's seed"

    def clean_world(self) -> dict[str, Any]:
        return _clean_mapping(self.cleaned_data["world"], "World values")

    def clean_emotions(self) -> dict[str, Any]:
        emotions = _clean_mapping(self.cleaned_data["emotions"], "Feelings")
        bad = [str(k) for k, v in emotions.items() if not isinstance(v, dict)]
        if bad:
            raise forms.ValidationError(
                f"give each agent a mapping of feelings such as {{fear: 0.9}}: {', '.join(bad)}"
            )
        return emotions

    def clean_events(self) -> list[dict[str, Any]]:
        text = self.cleaned_data["events"]
        if not text.strip():
            return []
        try:
            events = read_document(text, "yaml")
        except SpecError as exc:
            raise forms.ValidationError(
                f"Events are not valid YAML: {'; '.join(exc.errors)}"
            ) from None
        if isinstance(events, dict):
            events = [events]
        if not isinstance(events, list):
            raise forms.ValidationError("Events must be a list such as `- {type: levee_breach}`")
        for number, event in enumerate(events, start=1):
            if not isinstance(event, dict) or not isinstance(event.get("type"), str):
                raise forms.ValidationError(
                    f'event {number} needs a "type", e.g. {{type: levee_breach}}'
                )
        return events

    def clean_models(self) -> dict[str, Any]:
        models = _clean_mapping(self.cleaned_data["models"], "Agent models")
        bad = [str(k) for k, v in models.items() if not isinstance(v, str) or not v.strip()]
        if bad:
            raise forms.ValidationError(
                f"give a model id such as ollama/llama3.2 for: {', '.join(bad)}"
            )
        return models

    def overrides(self) -> dict[str, Any]:
        overrides = super().overrides()
        data = self.cleaned_data
        if data.get("models"):
            overrides["templates"] = {
                str(template): {"model": model.strip()}
                for template, model in data["models"].items()
            }
        if data.get("world"):
            overrides["world"] = data["world"]
        if data.get("emotions"):
            overrides["emotions"] = data["emotions"]
        if data.get("events"):
            overrides["events"] = data["events"]
        if data.get("message", "").strip():
            overrides["messages"] = [{"to": data["message_to"], "text": data["message"].strip()}]
        return overrides


class BatchCreateForm(UserChoicesMixin, RunSettingsForm):
    """Start a batch: a version, a parameter grid (YAML), seeds per cell and concurrency."""

    version = VersionChoiceField(
        queryset=ScenarioVersion.objects.select_related("scenario").order_by(
            "scenario__name", "-number"
        ),
        widget=forms.Select(_SELECT),
        label="Scenario version",
    )
    name = forms.CharField(
        required=False,
        max_length=200,
        widget=forms.TextInput({**_SM, "placeholder": "e.g. rain sweep"}),
    )
    grid = _mapping_field(
        "Parameter grid (YAML: parameter → list of values)",
        "rain_intensity: [0.4, 0.8]\nboat_capacity: [4, 8]",
    )
    seeds_per_cell = forms.IntegerField(
        min_value=1, max_value=10_000, initial=5, widget=forms.NumberInput(_SM)
    )
    concurrency = forms.IntegerField(
        min_value=1, max_value=1000, initial=4, widget=forms.NumberInput(_SM)
    )

    field_order = [
        "version",
        "name",
        "grid",
        "seeds_per_cell",
        "seed",
        "concurrency",
        "max_ticks",
        "model_override",
        "params",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["seed"].label = "Base seed"

    def clean_grid(self) -> dict[str, list[Any]]:
        grid = _clean_mapping(self.cleaned_data["grid"], "The grid")
        bad = [key for key, values in grid.items() if not isinstance(values, list) or not values]
        if bad:
            raise forms.ValidationError(
                f"give a non-empty list of values for: {', '.join(map(str, bad))}"
            )
        return grid


class InjectForm(forms.Form):
    """A message to an agent, a room or everyone, or a command to one agent."""

    KIND_CHOICES = (("message", "Message"), ("command", "Command (agent only)"))

    kind = forms.ChoiceField(choices=KIND_CHOICES, widget=forms.Select(_SELECT))
    to = forms.ChoiceField(widget=forms.Select(_SELECT), label="To")
    text = forms.CharField(
        max_length=2000, widget=forms.TextInput({**_SM, "placeholder": "What to say"})
    )

    def __init__(self, *args: Any, targets: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["to"]).choices = targets

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("kind") == "command" and not str(data.get("to", "")).startswith("agent:"):
            self.add_error("to", "a command goes to one agent; pick an agent or send a message")
        return data


class RunFilterForm(UserChoicesMixin, forms.Form):
    """The run explorer's filters: scenario, status, batch, `name=value`, seed and parent run."""

    scenario = forms.ModelChoiceField(
        queryset=Scenario.objects.order_by("name"),
        required=False,
        empty_label="Any scenario",
        widget=forms.Select(_SELECT),
    )
    status = forms.ChoiceField(
        choices=[("", "Any status"), *RunStatus.choices],
        required=False,
        widget=forms.Select(_SELECT),
    )
    outcome = forms.ChoiceField(
        choices=[("", "Any outcome"), *[c for c in RunOutcome.choices if c[0]]],
        required=False,
        widget=forms.Select(_SELECT),
    )
    batch = forms.ModelChoiceField(
        queryset=Batch.objects.order_by("-created_at"),
        required=False,
        empty_label="Any batch",
        widget=forms.Select(_SELECT),
    )
    param = forms.CharField(
        required=False, widget=forms.TextInput({**_SM, "placeholder": "param=value"})
    )
    seed = forms.IntegerField(
        required=False, widget=forms.NumberInput({**_SM, "placeholder": "seed"})
    )
    parent = forms.IntegerField(
        required=False,
        min_value=1,
        label="forks of run",
        widget=forms.NumberInput({**_SM, "placeholder": "forks of run"}),
    )

    def clean_param(self) -> tuple[str, Any] | None:
        text = self.cleaned_data["param"].strip()
        if not text:
            return None
        name, sep, value = text.partition("=")
        if not sep or not name.strip():
            raise forms.ValidationError("write it as name=value, e.g. rain_intensity=0.8")
        try:
            parsed = read_document(value.strip(), "yaml")
        except SpecError:
            parsed = value.strip()
        if isinstance(parsed, OversizedNumber):
            parsed = value.strip()
        return name.strip(), parsed


CALL_SORTS = [
    ("-id", "newest first"),
    ("id", "oldest first"),
    ("-latency", "slowest first"),
    ("latency", "fastest first"),
    ("-tokens", "most tokens first"),
    ("tokens", "fewest tokens first"),
]


class CallFilterForm(forms.Form):
    """The call explorer's filters (the same names as `GET /api/llm-calls/`)."""

    run = forms.IntegerField(
        required=False, min_value=1, widget=forms.NumberInput({**_SM, "placeholder": "any"})
    )
    agent = forms.CharField(
        required=False, max_length=200, widget=forms.TextInput({**_SM, "placeholder": "any"})
    )
    model = forms.ChoiceField(required=False, widget=forms.Select(_SELECT))
    purpose = forms.ChoiceField(required=False, widget=forms.Select(_SELECT))
    outcome = forms.ChoiceField(
        required=False,
        choices=[("", "any"), *CallOutcome.choices],
        widget=forms.Select(_SELECT),
    )
    from_step = forms.IntegerField(
        required=False, min_value=0, label="from tick", widget=forms.NumberInput(_SM)
    )
    to_step = forms.IntegerField(
        required=False, min_value=0, label="to tick", widget=forms.NumberInput(_SM)
    )
    sort = forms.ChoiceField(required=False, choices=CALL_SORTS, widget=forms.Select(_SELECT))

    def __init__(self, *args: Any, models: list[str], purposes: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", "any"), *((m, m) for m in models)]  # type: ignore[attr-defined]
        self.fields["purpose"].choices = [("", "any"), *((p, p) for p in purposes)]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        low, high = data.get("from_step"), data.get("to_step")
        if low is not None and high is not None and low > high:
            self.add_error("to_step", "must be >= from tick")
        return data

    def filters(self) -> dict[str, Any]:
        """The non-empty filters, as `llm_call_search` takes them."""
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        data.pop("sort", None)
        return data


class PromptDiffForm(forms.Form):
    """One agent of one run, and the two ticks whose prompts to compare."""

    run = forms.IntegerField(min_value=1, widget=forms.NumberInput(_SM))
    agent = forms.CharField(max_length=200, widget=forms.TextInput(_SM))
    a = forms.IntegerField(min_value=0, label="tick A", widget=forms.NumberInput(_SM))
    b = forms.IntegerField(min_value=0, label="tick B", widget=forms.NumberInput(_SM))
