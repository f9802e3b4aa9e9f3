"""/api/system/: workers, queue, runs against the limit, LLM slots, providers, services."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response

from runs_app.services.system import system_status
from simengine.api.base import ApiView
from simengine.api.pagination import query_int


class CheckSerializer(serializers.Serializer):
    """One service's state."""

    ok = serializers.BooleanField(allow_null=True)
    message = serializers.CharField()


class SystemSerializer(serializers.Serializer):
    """The fleet's state."""

    checked_at = serializers.DateTimeField()
    check_ms = serializers.FloatField(help_text="How long the checks took.")
    executor = serializers.ChoiceField(choices=["celery", "thread"])
    database = CheckSerializer()
    redis = CheckSerializer()
    workers = serializers.JSONField(help_text="`{mode, ok, alive: [names], message}`.")
    queue = serializers.JSONField(
        allow_null=True, help_text="`{name, length, message}`; null without a broker."
    )
    runs = serializers.JSONField(
        allow_null=True, help_text="`{running, queued, paused, max_concurrent}`."
    )
    llm_slots = serializers.JSONField(
        help_text="`{shared, message, servers: [{name, slots, in_use, waiting}]}`."
    )
    providers = serializers.JSONField(
        help_text="`[{name, ok, message, models, servers}]`, one per registered provider."
    )
    providers_error = serializers.CharField(allow_null=True)


class SystemApi(ApiView):
    """Workers, queue, runs, LLM slots, providers and services."""

    permission_classes = [IsAdminUser]
    staff_only = True

    @extend_schema(
        tags=["system"],
        summary="The fleet: workers alive, queue, runs vs the limit, LLM slots, providers",
        description="Staff only. Each check has a short timeout; a dead worker or an "
        "unreachable Redis is reported, never an error. Cached for a few seconds.",
        parameters=[
            OpenApiParameter(
                "fresh",
                int,
                enum=[0, 1],
                description="1: run the checks now instead of answering from the short cache.",
            )
        ],
        responses=SystemSerializer,
    )
    def get(self, request: Request) -> Response:
        fresh = query_int(request, "fresh", default=0, minimum=0, maximum=1)
        return Response(system_status(fresh=bool(fresh)))
