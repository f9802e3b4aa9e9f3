"""/api/batches/: many seeded runs over a parameter grid; progress and aggregates."""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from runs_app.api.fields import MAX_ID, OverridesSerializer, VersionChoiceSerializer, seed_field
from runs_app.api.serializers import (
    BatchAggregatesSerializer,
    BatchDetailSerializer,
    BatchSerializer,
)
from runs_app.models import Batch, BatchStatus
from runs_app.selectors import batch_list
from runs_app.services.batches import MAX_BATCH_RUNS, batch_aggregates, batch_create, batch_progress
from scenarios_app.api.serializers import (
    SHARES_DESCRIPTION,
    SHARES_SUMMARY,
    SharesWriteSerializer,
    set_shares,
)
from simengine.api.base import ApiListView, ApiView, request_user, validated_body
from simengine.api.pagination import LimitOffsetPagination
from simengine.web.access import Level, fetch, visible

TAGS = ["batches"]
MAX_CELL_KEY = 300  # Run.cell_key holds a grid cell as JSON


class BatchCreateSerializer(VersionChoiceSerializer):
    """A new batch: a scenario version, a parameter grid, seeds per cell and overrides."""

    name = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    grid = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField(), min_length=1, max_length=1000),
        required=False,
        default=dict,
        help_text="Parameter name or dotted path -> the values to try; every combination "
        'is a cell (`{"rain_intensity": [0.3, 0.6]}`).',
    )
    seeds_per_cell = serializers.IntegerField(
        min_value=1, max_value=MAX_BATCH_RUNS, default=1, help_text="Runs per grid cell."
    )
    base_seed = seed_field(
        required=False, help_text="Seed of each cell's first run; the next get +1, +2, ..."
    )
    concurrency = serializers.IntegerField(
        min_value=1, max_value=1000, default=10, help_text="Runs of this batch executing at once."
    )
    overrides = OverridesSerializer(required=False)

    def validate_grid(self, grid: dict[str, list[Any]]) -> dict[str, list[Any]]:
        widest = 2 + sum(
            len(json.dumps(key))
            + 2
            + max(len(json.dumps(v, separators=(",", ":"))) for v in values)
            for key, values in grid.items()
        )
        if widest > MAX_CELL_KEY:
            raise serializers.ValidationError(
                f"a grid cell written as JSON may take at most {MAX_CELL_KEY} characters"
            )
        return grid


class BatchFilterSerializer(serializers.Serializer):
    """Batch list filters: scenario and status."""

    scenario = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    status = serializers.ChoiceField(choices=BatchStatus.choices, required=False)


def _get_batch(batch_id: int, user: Any, level: str = Level.READ) -> Batch:
    return fetch(batch_list().prefetch_related("shares__group"), user, level, pk=batch_id)


def _detail(batch: Batch) -> dict[str, Any]:
    return BatchDetailSerializer(batch, context={"progress": batch_progress(batch)}).data


class BatchListApi(ApiListView):
    """List batches (filtered, paginated) and create one with all its runs."""

    serializer_class = BatchSerializer
    filter_serializer_class = BatchFilterSerializer
    pagination_class = LimitOffsetPagination

    def get_queryset(self):
        batches = visible(batch_list(**self.get_filters()), self.request.user)
        return batches.prefetch_related("shares__group")

    @extend_schema(tags=TAGS, summary="List batches, newest first")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        summary="Create a batch: seeds_per_cell runs for every cell of the grid",
        description=f"All runs are validated and queued at once, or nothing is saved (at most "
        f"{MAX_BATCH_RUNS} runs).",
        request=BatchCreateSerializer,
        responses={201: BatchDetailSerializer},
    )
    def post(self, request: Request) -> Response:
        data = validated_body(request, BatchCreateSerializer, context={"request": request})
        batch = batch_create(
            version=data["scenario_version"],
            grid=data["grid"],
            seeds_per_cell=data["seeds_per_cell"],
            base_seed=data.get("base_seed"),
            concurrency=data["concurrency"],
            overrides=dict(data.get("overrides") or {}),
            name=data["name"],
            user=request_user(request),
        )
        return Response(_detail(_get_batch(batch.pk, request.user)), status=status.HTTP_201_CREATED)


class BatchDetailApi(ApiView):
    """One batch with its progress counts."""

    @extend_schema(tags=TAGS, summary="A batch with its progress", responses=BatchDetailSerializer)
    def get(self, request: Request, batch_id: int) -> Response:
        return Response(_detail(_get_batch(batch_id, request.user)))

    @extend_schema(
        tags=TAGS,
        summary=SHARES_SUMMARY,
        description=SHARES_DESCRIPTION,
        request=SharesWriteSerializer,
        responses=BatchDetailSerializer,
    )
    def patch(self, request: Request, batch_id: int) -> Response:
        obj = _get_batch(batch_id, request.user)
        set_shares(obj, request.user, request.data)
        return Response(_detail(_get_batch(batch_id, request.user)))


class BatchAggregatesApi(ApiView):
    """Per-cell metric statistics: stored once a batch completes, computed live before."""

    @extend_schema(
        tags=TAGS,
        summary="Per grid cell: each metric's mean, std and 95% CI over completed runs",
        responses=BatchAggregatesSerializer,
    )
    def get(self, request: Request, batch_id: int) -> Response:
        batch = _get_batch(batch_id, request.user)
        cells = (
            batch.aggregates if batch.status == BatchStatus.COMPLETED else batch_aggregates(batch)
        )
        return Response({"batch": batch.pk, "status": batch.status, "cells": cells})
