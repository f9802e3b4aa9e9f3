"""/api/runs/: create, list, detail and the control endpoint."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from runs_app.api.fields import MAX_ID, OverridesSerializer, VersionChoiceSerializer, seed_field
from runs_app.api.serializers import RunDetailSerializer, RunSerializer
from runs_app.models import Run, RunStatus
from runs_app.selectors import run_list
from runs_app.services.runs import (
    run_create,
    run_duplicate,
    run_pause,
    run_reset,
    run_resume,
    run_start,
    run_step,
    run_stop,
)
from simengine.api.base import ApiListView, ApiView, request_user, validated_body
from simengine.api.pagination import LimitOffsetPagination

TAGS = ["runs"]


def get_run(run_id: int) -> Run:
    """The run with this id (scenario, batch and creator loaded), or a 404."""
    return get_object_or_404(run_list(), pk=run_id)


class RunCreateSerializer(VersionChoiceSerializer):
    """A new run: a scenario version, a seed, overrides, and whether to queue it now."""

    seed = seed_field(required=False, help_text="Default: the scenario's seed.")
    overrides = OverridesSerializer(required=False)
    start = serializers.BooleanField(
        default=True, help_text="Queue the run now; false creates it paused."
    )


class RunFilterSerializer(serializers.Serializer):
    """Run list filters: scenario, version, status, batch and creation time."""

    scenario = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    version = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    status = serializers.ChoiceField(choices=RunStatus.choices, required=False)
    batch = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    created_after = serializers.DateTimeField(
        required=False, help_text="Created at or after this time (ISO 8601)."
    )
    created_before = serializers.DateTimeField(
        required=False, help_text="Created before this time (ISO 8601)."
    )


class RunListApi(ApiListView):
    """List runs (filtered, paginated) and create one."""

    serializer_class = RunSerializer
    filter_serializer_class = RunFilterSerializer
    pagination_class = LimitOffsetPagination

    def get_queryset(self):
        return run_list(**self.get_filters())

    @extend_schema(tags=TAGS, summary="List runs, newest first")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        summary="Create a run of a scenario (version) with a seed and overrides",
        request=RunCreateSerializer,
        responses={201: RunDetailSerializer},
    )
    def post(self, request: Request) -> Response:
        data = validated_body(request, RunCreateSerializer)
        run = run_create(
            version=data["scenario_version"],
            seed=data.get("seed"),
            overrides=dict(data.get("overrides") or {}),
            user=request_user(request),
            start=data["start"],
        )
        return Response(RunDetailSerializer(get_run(run.pk)).data, status=status.HTTP_201_CREATED)


class RunDetailApi(ApiView):
    """One run with its metrics and end reason."""

    @extend_schema(
        tags=TAGS, summary="A run with its metrics and end reason", responses=RunDetailSerializer
    )
    def get(self, request: Request, run_id: int) -> Response:
        return Response(RunDetailSerializer(get_run(run_id)).data)


CONTROL_ACTIONS = ["start", "pause", "resume", "step", "stop", "duplicate", "reset"]
_SIMPLE_CONTROLS = {
    "start": run_start,
    "pause": run_pause,
    "resume": run_resume,
    "step": run_step,
    "stop": run_stop,
}


class RunControlSerializer(serializers.Serializer):
    """A control action; `seed`, `overrides` and `start` only go with `duplicate`."""

    action = serializers.ChoiceField(
        choices=CONTROL_ACTIONS,
        help_text="`duplicate` and `reset` create a new run (201); the others change this one.",
    )
    seed = seed_field(required=False, help_text="duplicate only: the new run's seed.")
    overrides = OverridesSerializer(
        required=False, help_text="duplicate only: merged over this run's overrides."
    )
    start = serializers.BooleanField(
        required=False, help_text="duplicate only: queue the new run at once (default true)."
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data["action"] != "duplicate":
            extra = sorted(key for key in ("seed", "overrides", "start") if key in data)
            if extra:
                raise serializers.ValidationError(
                    {key: ["only allowed with action 'duplicate'"] for key in extra}
                )
        return data


class RunControlApi(ApiView):
    """POST a control to a run; refused transitions answer 409 with the reason."""

    may_conflict = True

    @extend_schema(
        tags=TAGS,
        summary="Start, pause, resume, step, stop, duplicate or reset a run",
        description="An action the run's state does not allow answers 409 with the reason.",
        request=RunControlSerializer,
        responses={200: RunDetailSerializer, 201: RunDetailSerializer},
    )
    def post(self, request: Request, run_id: int) -> Response:
        run = get_run(run_id)
        data = validated_body(request, RunControlSerializer)
        action = data["action"]
        if action == "duplicate":
            new = run_duplicate(
                run=run,
                user=request_user(request),
                seed=data.get("seed"),
                overrides=dict(data.get("overrides") or {}),
                start=data.get("start", True),
            )
        elif action == "reset":
            new = run_reset(run=run, user=request_user(request))
        else:
            _SIMPLE_CONTROLS[action](run=run, user=request_user(request))
            return Response(RunDetailSerializer(get_run(run_id)).data)
        return Response(RunDetailSerializer(get_run(new.pk)).data, status=status.HTTP_201_CREATED)
