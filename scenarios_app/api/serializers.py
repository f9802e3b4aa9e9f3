"""Scenario API serializers: outputs, and the inputs that carry a spec to the services."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, User
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from scenarios_app.models import Scenario, ScenarioVersion
from simengine.web.access import Level, replace_shares, shares_of


class ShareSerializer(serializers.Serializer):
    """One group's access: the group's name and `read` or `edit`."""

    group = serializers.CharField(max_length=150, help_text="A group's name.")
    level = serializers.ChoiceField(
        choices=Level.choices, help_text="`read`: see it; `edit`: also control, change, delete."
    )

    def validate_group(self, value: str) -> Group:
        group = Group.objects.filter(name=value).first()
        if group is None:
            raise serializers.ValidationError(f"no group named {value!r}")
        return group


class SharesWriteSerializer(serializers.Serializer):
    """The complete list of shares to set (replaces the current ones; [] shares with none)."""

    shares = ShareSerializer(many=True)

    def validate_shares(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        names = [share["group"].name for share in value]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise serializers.ValidationError(f"group named more than once: {', '.join(twice)}")
        return value


class OwnedFieldsMixin(serializers.Serializer):
    """`owner` (read-only) and `shares` of an owned object (`simengine.web.access`)."""

    owner: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Who owns it (null: staff only).",
    )
    shares = serializers.SerializerMethodField(
        help_text="The groups it is shared with and at which level; owner and staff change "
        'them with PATCH `{"shares": [...]}`.'
    )

    @extend_schema_field(ShareSerializer(many=True))
    def get_shares(self, obj: Any) -> list[dict[str, Any]]:
        return shares_of(obj)


SHARES_SUMMARY = "Share it with groups: replace its shares (owner and staff only)"
SHARES_DESCRIPTION = (
    '`{"shares": [{"group": <name>, "level": "read"|"edit"}]}` replaces '
    "every share (`[]`: shared with nobody). `read` lets the group's members see it, "
    "`edit` also control, change and delete it. 403 for anyone but the owner and staff."
)


def set_shares(obj: Any, user: Any, data: Any) -> None:
    """Replace `obj`'s shares from a request body `{"shares": [...]}` (400/403/404 as due)."""
    checked = SharesWriteSerializer(data=data)
    checked.is_valid(raise_exception=True)
    pairs = [(share["group"], share["level"]) for share in checked.validated_data["shares"]]
    replace_shares(obj, user, pairs)


class VersionSummarySerializer(serializers.ModelSerializer):
    """A scenario version without its spec: number, note, source format, author."""

    created_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = ScenarioVersion
        fields = ["id", "number", "note", "source_format", "created_by", "created_at"]


class VersionDetailSerializer(VersionSummarySerializer):
    """A scenario version with its validated spec."""

    scenario: serializers.PrimaryKeyRelatedField[Scenario] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )
    spec = serializers.JSONField(help_text="The validated scenario spec (format in DESIGN.md).")

    class Meta(VersionSummarySerializer.Meta):
        fields = [*VersionSummarySerializer.Meta.fields, "scenario", "spec"]


class ScenarioSerializer(OwnedFieldsMixin, serializers.ModelSerializer):
    """A scenario as listed: name, draft flag, version count and latest version."""

    version_count = serializers.SerializerMethodField()
    latest_version = serializers.SerializerMethodField()

    class Meta:
        model = Scenario
        fields = [
            "id",
            "name",
            "description",
            "is_draft",
            "owner",
            "shares",
            "version_count",
            "latest_version",
            "created_at",
            "updated_at",
        ]

    def get_version_count(self, scenario: Scenario) -> int:
        count = getattr(scenario, "version_count", None)
        return count if count is not None else scenario.versions.count()

    @extend_schema_field(VersionSummarySerializer(allow_null=True))
    def get_latest_version(self, scenario: Scenario) -> dict[str, Any] | None:
        version = scenario.latest_version
        return VersionSummarySerializer(version).data if version else None


class ScenarioDetailSerializer(ScenarioSerializer):
    """A scenario with its latest version's full spec."""

    @extend_schema_field(VersionDetailSerializer(allow_null=True))
    def get_latest_version(self, scenario: Scenario) -> dict[str, Any] | None:
        version = scenario.latest_version
        return VersionDetailSerializer(version).data if version else None


class ImportResultSerializer(serializers.Serializer):
    """What an import saved: the scenario, its version, and whether it is new."""

    created = serializers.BooleanField(
        help_text="False when the spec equals the latest version's and nothing was saved."
    )
    scenario = ScenarioSerializer()
    version = VersionDetailSerializer()


class ScenarioFilterSerializer(serializers.Serializer):
    """Scenario list filters: part of the name, and draft or not."""

    name = serializers.CharField(
        required=False, max_length=200, help_text="Only scenarios whose name contains this."
    )
    is_draft = serializers.BooleanField(required=False)


class ScenarioWriteSerializer(serializers.Serializer):
    """Create a scenario, or save its next version, from a spec given as a JSON object."""

    spec = serializers.DictField(help_text="The scenario spec (format in DESIGN.md).")
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class ScenarioCreateSerializer(ScenarioWriteSerializer):
    """A new scenario from a spec, optionally as a draft."""

    is_draft = serializers.BooleanField(required=False, default=False)


class ScenarioCloneSerializer(serializers.Serializer):
    """The name of a scenario's copy."""

    name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        default="",
        help_text="Name of the copy (default: '<name> (copy)').",
    )


class ImportParamsSerializer(serializers.Serializer):
    """Import options (query parameters): the version note and the draft flag."""

    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
    is_draft = serializers.BooleanField(required=False, default=False)


class ExportParamsSerializer(serializers.Serializer):
    """Export options (query parameters): the format and the version number."""

    format = serializers.ChoiceField(
        choices=["yaml", "json"], required=False, help_text="Instead of an Accept header."
    )
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="Version number (default: the latest).",
    )
