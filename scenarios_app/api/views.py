"""/api/scenarios/: CRUD, clone, versions, import and export, each a call to one service."""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from scenarios_app.api import serializers as s
from scenarios_app.api.serializers import (
    SHARES_DESCRIPTION,
    SHARES_SUMMARY,
    SharesWriteSerializer,
    set_shares,
)
from scenarios_app.models import Scenario
from scenarios_app.selectors import scenario_list, scenario_version_get, scenario_version_list
from scenarios_app.services import (
    SpecError,
    scenario_clone,
    scenario_create,
    scenario_delete,
    scenario_export,
    scenario_import,
    scenario_update,
)
from simengine.api.base import ApiListView, ApiView, request_user, validated_body, validated_query
from simengine.api.errors import InvalidInput
from simengine.api.pagination import LimitOffsetPagination
from simengine.api.parsers import SCENARIO_FILE_PARSERS, ScenarioText
from simengine.api.renderers import TextJSONRenderer, YamlRenderer
from simengine.core.spec import parse_spec
from simengine.web.access import Level, fetch, visible

TAGS = ["scenarios"]


def _get_scenario(scenario_id: int, user: Any, level: str = Level.READ) -> Scenario:
    """The scenario if `user` may see it (404) and has `level` on it (403)."""
    return fetch(scenario_list().prefetch_related("shares__group"), user, level, pk=scenario_id)


def _parse(spec: dict, prefix: str = "spec"):
    try:
        return parse_spec(spec)
    except SpecError as exc:
        raise InvalidInput(exc.errors, prefix=prefix) from None


class ScenarioListApi(ApiListView):
    """List scenarios (filtered, paginated) and create one from a spec."""

    serializer_class = s.ScenarioSerializer
    filter_serializer_class = s.ScenarioFilterSerializer
    pagination_class = LimitOffsetPagination

    def get_queryset(self):
        filters = self.get_filters()
        scenarios = visible(scenario_list(), self.request.user).prefetch_related("shares__group")
        if "name" in filters:
            scenarios = scenarios.filter(name__icontains=filters["name"])
        if "is_draft" in filters:
            scenarios = scenarios.filter(is_draft=filters["is_draft"])
        return scenarios

    @extend_schema(tags=TAGS, summary="List scenarios")
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        summary="Create a scenario from a spec",
        request=s.ScenarioCreateSerializer,
        responses={201: s.ScenarioDetailSerializer},
    )
    def post(self, request: Request) -> Response:
        data = validated_body(request, s.ScenarioCreateSerializer)
        spec = _parse(data["spec"])
        try:
            result = scenario_create(
                spec=spec, user=request_user(request), note=data["note"], is_draft=data["is_draft"]
            )
        except SpecError as exc:
            raise InvalidInput(exc.errors, prefix="spec") from None
        scenario = _get_scenario(result.version.scenario_id, request.user)
        return Response(s.ScenarioDetailSerializer(scenario).data, status=status.HTTP_201_CREATED)


class ScenarioDetailApi(ApiView):
    """Read a scenario, save its next version, or delete it while no run uses it."""

    may_conflict = True

    @extend_schema(
        tags=TAGS, summary="A scenario with its latest spec", responses=s.ScenarioDetailSerializer
    )
    def get(self, request: Request, scenario_id: int) -> Response:
        return Response(s.ScenarioDetailSerializer(_get_scenario(scenario_id, request.user)).data)

    @extend_schema(
        tags=TAGS,
        summary="Save a new version (renaming the scenario if the spec's name changed)",
        request=s.ScenarioWriteSerializer,
        responses=s.ScenarioDetailSerializer,
    )
    def put(self, request: Request, scenario_id: int) -> Response:
        scenario = _get_scenario(scenario_id, request.user, Level.EDIT)
        data = validated_body(request, s.ScenarioWriteSerializer)
        spec = _parse(data["spec"])
        try:
            scenario_update(
                scenario=scenario, spec=spec, user=request_user(request), note=data["note"]
            )
        except SpecError as exc:
            raise InvalidInput(exc.errors, prefix="spec") from None
        return Response(s.ScenarioDetailSerializer(_get_scenario(scenario_id, request.user)).data)

    @extend_schema(
        tags=TAGS,
        summary=SHARES_SUMMARY,
        description=SHARES_DESCRIPTION,
        request=SharesWriteSerializer,
        responses=s.ScenarioDetailSerializer,
    )
    def patch(self, request: Request, scenario_id: int) -> Response:
        obj = _get_scenario(scenario_id, request.user)
        set_shares(obj, request.user, request.data)
        return Response(s.ScenarioDetailSerializer(_get_scenario(scenario_id, request.user)).data)

    @extend_schema(
        tags=TAGS,
        summary="Delete a scenario and its versions (refused while runs use it)",
        responses={204: None},
    )
    def delete(self, request: Request, scenario_id: int) -> Response:
        scenario_delete(scenario=_get_scenario(scenario_id, request.user, Level.EDIT))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ScenarioCloneApi(ApiView):
    """Copy a scenario's latest version into a new scenario."""

    may_conflict = True

    @extend_schema(
        tags=TAGS,
        summary="Copy a scenario's latest version into a new scenario",
        request=s.ScenarioCloneSerializer,
        responses={201: s.ScenarioDetailSerializer},
    )
    def post(self, request: Request, scenario_id: int) -> Response:
        scenario = _get_scenario(scenario_id, request.user)
        data = validated_body(request, s.ScenarioCloneSerializer)
        result = scenario_clone(scenario=scenario, name=data["name"], user=request_user(request))
        clone = _get_scenario(result.version.scenario_id, request.user)
        return Response(s.ScenarioDetailSerializer(clone).data, status=status.HTTP_201_CREATED)


class ScenarioVersionListApi(ApiListView):
    """A scenario's versions, newest first, without their specs."""

    serializer_class = s.VersionSummarySerializer
    pagination_class = LimitOffsetPagination

    def get_queryset(self):
        scenario = _get_scenario(self.kwargs["scenario_id"], self.request.user)
        return scenario_version_list(scenario=scenario)

    @extend_schema(tags=TAGS, summary="A scenario's versions, newest first")
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class ScenarioVersionDetailApi(ApiView):
    """One version of a scenario, by number, with its spec."""

    @extend_schema(
        tags=TAGS, summary="One version with its spec", responses=s.VersionDetailSerializer
    )
    def get(self, request: Request, scenario_id: int, number: int) -> Response:
        version = scenario_version_get(
            scenario=_get_scenario(scenario_id, request.user), number=number
        )
        return Response(s.VersionDetailSerializer(version).data)


class ScenarioImportApi(ApiView):
    """Import a scenario file sent as the body (YAML text or a JSON object)."""

    parser_classes = SCENARIO_FILE_PARSERS

    @extend_schema(
        tags=TAGS,
        summary="Import a scenario file (YAML or JSON) as a new scenario or a new version",
        description=(
            "Send the file as the body: YAML with `Content-Type: application/yaml` (or "
            "`text/yaml`), or a JSON object. A scenario of the same name gets a new version; "
            "an unchanged spec saves nothing (200, `created: false`). A bad file saves "
            "nothing and answers 400 with every error and its path."
        ),
        parameters=[s.ImportParamsSerializer],
        request={
            "application/yaml": OpenApiTypes.STR,
            "text/yaml": OpenApiTypes.STR,
            "application/x-yaml": OpenApiTypes.STR,
            "application/json": OpenApiTypes.OBJECT,
        },
        responses={201: s.ImportResultSerializer, 200: s.ImportResultSerializer},
    )
    def post(self, request: Request) -> Response:
        params = validated_query(request, s.ImportParamsSerializer)
        body = request.data
        if not isinstance(body, ScenarioText):
            raise InvalidInput(["(root): expected a scenario mapping (YAML or a JSON object)"])
        # The same loader as the console and `loadscenario`: the same limits and messages.
        result = scenario_import(
            text=body, fmt=body.scenario_format, user=request_user(request), **params
        )
        data = {
            "created": result.created,
            "scenario": _get_scenario(result.version.scenario_id, request.user),
            "version": result.version,
        }
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(s.ImportResultSerializer(data).data, status=code)


class ScenarioExportApi(ApiView):
    """Download a version's spec as YAML or JSON, chosen by `Accept` or `?format=`."""

    renderer_classes = [YamlRenderer, TextJSONRenderer]

    @extend_schema(
        tags=TAGS,
        summary="Download a version's spec as YAML (default) or JSON",
        description="Pick the format with `Accept` or `?format=yaml|json`.",
        parameters=[s.ExportParamsSerializer],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The scenario file."),
        },
    )
    def get(self, request: Request, scenario_id: int) -> Response:
        params = validated_query(request, s.ExportParamsSerializer)
        scenario = _get_scenario(scenario_id, request.user)
        version = scenario_version_get(scenario=scenario, number=params.get("version"))
        fmt = request.accepted_renderer.format
        text = scenario_export(version=version, fmt=fmt)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", scenario.name).strip("-.") or "scenario"
        filename = f"{stem}-v{version.number}.{fmt}"
        return Response(text, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
