"""/api/evaluations/: evaluators' scores and narratives of runs."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from runs_app.api.fields import MAX_ID
from runs_app.api.serializers import EvaluationSerializer
from runs_app.selectors import evaluation_list
from simengine.api.base import ApiListView, ApiView
from simengine.api.pagination import LimitOffsetPagination

TAGS = ["evaluations"]


class EvaluationFilterSerializer(serializers.Serializer):
    run = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


class EvaluationListApi(ApiListView):
    serializer_class = EvaluationSerializer
    filter_serializer_class = EvaluationFilterSerializer
    pagination_class = LimitOffsetPagination

    def get_queryset(self):
        return evaluation_list(**self.get_filters())

    @extend_schema(tags=TAGS, summary="List evaluations, newest first")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class EvaluationDetailApi(ApiView):
    @extend_schema(tags=TAGS, summary="One evaluation", responses=EvaluationSerializer)
    def get(self, request: Request, evaluation_id: int) -> Response:
        return Response(
            EvaluationSerializer(get_object_or_404(evaluation_list(), pk=evaluation_id)).data
        )
