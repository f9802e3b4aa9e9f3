"""Input fields shared by run and batch payloads, bounded to what the database stores."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter, ValidationError
from rest_framework import serializers

from scenarios_app.models import Scenario, ScenarioVersion
from simengine.core.spec.fields import ModelId
from simengine.web.access import visible

MAX_ID = 10**18
MAX_SEED = 2**31 - 1
MAX_TICKS = 1_000_000

_MODEL_ID = TypeAdapter(ModelId)


def id_field(help_text: str, **kwargs: Any) -> serializers.IntegerField:
    """A database id input (1 to `MAX_ID`) with its help text."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=help_text, **kwargs)


def seed_field(**kwargs: Any) -> serializers.IntegerField:
    """A seed input bounded to what `Run.seed` stores (a 32-bit signed integer)."""
    return serializers.IntegerField(min_value=0, max_value=MAX_SEED, **kwargs)


class OverridesSerializer(serializers.Serializer):
    """Changes to the scenario for one run (or every run of a batch)."""

    params = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="Parameter values by name (`rain_intensity`, a world param) or dotted path "
        "(`world.params.levee_height`).",
    )
    model_override = serializers.CharField(
        required=False,
        max_length=200,
        help_text="Run every agent on this model, e.g. `ollama/llama3.2` or `offline/heuristic`.",
    )
    max_ticks = serializers.IntegerField(required=False, min_value=1, max_value=MAX_TICKS)
    templates = serializers.DictField(
        child=serializers.DictField(child=serializers.JSONField()),
        required=False,
        help_text='Per agent template id, fields to replace (`{"rescuer": {"count": 2}}`).',
    )

    def validate_model_override(self, value: str) -> str:
        try:
            return _MODEL_ID.validate_python(value)
        except ValidationError as exc:
            message = exc.errors()[0]["msg"].removeprefix("Value error, ")
            raise serializers.ValidationError(message) from None


class VersionChoiceSerializer(serializers.Serializer):
    """A scenario (its latest version) or one exact version, by id."""

    scenario = id_field("Scenario id: use its latest version.", required=False)
    version = id_field("Scenario version id.", required=False)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        data = super().validate(data)
        request = self.context.get("request")
        scenarios = Scenario.objects.all()
        if request is not None:  # only scenarios the caller may read can be run
            scenarios = visible(scenarios, request.user)
        if ("scenario" in data) == ("version" in data):
            raise serializers.ValidationError(
                {"scenario": ["give either a scenario id or a version id"]}
            )
        if "version" in data:
            versions = ScenarioVersion.objects.filter(scenario__in=scenarios.values("pk"))
            version = versions.filter(pk=data["version"]).first()
            if version is None:
                raise serializers.ValidationError(
                    {"version": [f"no scenario version with id {data['version']}"]}
                )
        else:
            scenario = scenarios.filter(pk=data["scenario"]).first()
            if scenario is None:
                raise serializers.ValidationError(
                    {"scenario": [f"no scenario with id {data['scenario']}"]}
                )
            version = scenario.latest_version
            if version is None:
                raise serializers.ValidationError(
                    {"scenario": [f"scenario {scenario.name!r} has no version"]}
                )
        data["scenario_version"] = version
        return data
