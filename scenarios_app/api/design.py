"""/api/scenarios/design/: a scenario designed from a natural-language brief, saved as a draft."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from scenarios_app.api.serializers import ScenarioSerializer, VersionDetailSerializer
from scenarios_app.services import DesignFailed, design_from_brief
from simengine.api.base import ApiView, request_user, validated_body
from simengine.api.errors import Conflict, ErrorSerializer
from simengine.api.fields import model_id_value

TAGS = ["scenarios"]


class DesignRequestSerializer(serializers.Serializer):
    """A brief to design a scenario from, the designer model and the agents' model."""

    brief = serializers.CharField(max_length=4000, help_text="What the scenario should be.")
    model = serializers.CharField(
        max_length=200,
        default="offline/heuristic",
        help_text="Designer model; `offline/heuristic` builds from the brief's keywords.",
    )
    agent_model = serializers.CharField(
        max_length=200,
        required=False,
        help_text="Model of the designed agents (default: the designer's Ollama model, "
        "else offline/heuristic).",
    )

    def validate_model(self, value: str) -> str:
        return model_id_value(value)

    def validate_agent_model(self, value: str) -> str:
        return model_id_value(value)


class DesignResultSerializer(serializers.Serializer):
    """The designed draft: scenario, version, designer model, attempts and dry run."""

    scenario = ScenarioSerializer()
    version = VersionDetailSerializer()
    model = serializers.CharField()
    attempts = serializers.ListField(child=serializers.CharField())
    dry_run = serializers.DictField(help_text="Ticks run on the offline policy, metrics, counts.")


class ScenarioDesignApi(ApiView):
    """POST a brief: the designed spec is dry-run, then saved as a draft scenario."""

    may_conflict = True

    @extend_schema(
        tags=TAGS,
        summary="Design a scenario from a brief and save it as a new draft scenario",
        description="The model answers the scenario as JSON; it is validated and dry-run for "
        "3 ticks on the offline policy, and problems go back to the model once. Nothing "
        "invalid is saved: a second failure answers 422 with each attempt in `errors`; a "
        "model that cannot be served answers 409. The request waits for the model.",
        request=DesignRequestSerializer,
        responses={
            201: DesignResultSerializer,
            422: OpenApiResponse(ErrorSerializer, description="No valid scenario after a repair."),
        },
    )
    def post(self, request: Request) -> Response:
        data = validated_body(request, DesignRequestSerializer)
        try:
            outcome = design_from_brief(
                brief=data["brief"],
                model=data["model"],
                agent_model=data.get("agent_model"),
                user=request_user(request),
            )
        except DesignFailed as exc:
            if not exc.attempts:
                raise Conflict(exc.message) from None
            errors = [{"path": f"attempt {i}", "message": a} for i, a in enumerate(exc.attempts, 1)]
            body: dict[str, Any] = {"detail": exc.message, "errors": errors}
            return Response(body, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        version = outcome.result.version
        body = {
            "scenario": version.scenario,
            "version": version,
            "model": outcome.model,
            "attempts": outcome.attempts,
            "dry_run": outcome.dry_run,
        }
        return Response(DesignResultSerializer(body).data, status=status.HTTP_201_CREATED)
