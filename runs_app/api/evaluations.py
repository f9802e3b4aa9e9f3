"""/api/evaluations/: evaluators' scores and narratives of runs."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from runs_app.api.fields import MAX_ID
from runs_app.api.serializers import EvaluationSerializer
from runs_app.models import Run
from runs_app.selectors import evaluation_list
from runs_app.services.evaluation import (
    EvaluationFailed,
    EvaluatorUnavailable,
    evaluation_create,
)
from simengine.api.base import ApiListView, ApiView, request_user, validated_body
from simengine.api.errors import Conflict, ErrorSerializer
from simengine.api.fields import model_id_value
from simengine.api.pagination import LimitOffsetPagination
from simengine.web.access import Level, require, visible

TAGS = ["evaluations"]


class EvaluationFilterSerializer(serializers.Serializer):
    """Evaluation list filter: the evaluated run."""

    run = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


class EvaluationCreateSerializer(serializers.Serializer):
    """A run to evaluate now (it must have ticks) and the evaluator model."""

    run = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The run to evaluate.")
    model = serializers.CharField(
        max_length=200,
        required=False,
        help_text="Evaluator model, e.g. `ollama/llama3.2`, `anthropic/claude-haiku-4-5`; "
        "`offline/heuristic` scores by rules. Default: the scenario's evaluation model.",
    )

    def validate_model(self, value: str) -> str:
        return model_id_value(value)

    def validate_run(self, value: int) -> Run:
        runs = visible(Run.objects.select_related("scenario_version"), self.context["user"])
        run = runs.filter(pk=value).first()
        if run is None:
            raise serializers.ValidationError(f"no run with id {value}")
        require(run, self.context["user"], Level.EDIT)  # a read-only share: 403
        if run.current_step == 0:
            raise serializers.ValidationError(f"run {value} has no ticks yet: nothing to evaluate")
        return run


def scenario_evaluation_model(run: Run) -> str:
    """The evaluator model the run's scenario names (offline rules when it names none)."""
    evaluation = run.scenario_version.spec.get("evaluation") or {}
    return evaluation.get("model") or "offline/heuristic"


class EvaluationListApi(ApiListView):
    """List evaluations and evaluate a run synchronously (409 unavailable, 422 unusable)."""

    serializer_class = EvaluationSerializer
    filter_serializer_class = EvaluationFilterSerializer
    pagination_class = LimitOffsetPagination
    may_conflict = True

    def get_queryset(self):
        runs = visible(Run.objects.all(), self.request.user).values("pk")
        return evaluation_list(**self.get_filters()).filter(run__in=runs)

    @extend_schema(tags=TAGS, summary="List evaluations, newest first")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        summary="Evaluate a run now with a model (or by rules with offline/...)",
        description="The evaluator reads a compact summary of the run and answers, per "
        "dimension, a reasoning line and an integer score, plus a narrative. An invalid "
        "answer is repaired once; a second one answers 422, records the calls and an "
        "`evaluation_failed` event, and saves no evaluation. A model that cannot be served "
        "now answers 409. The request waits for the model.",
        request=EvaluationCreateSerializer,
        responses={
            201: EvaluationSerializer,
            422: OpenApiResponse(
                ErrorSerializer, description="The model's answers were unusable twice."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = validated_body(request, EvaluationCreateSerializer, context={"user": request.user})
        run = data["run"]
        try:
            evaluation = evaluation_create(
                run=run,
                model=data.get("model") or scenario_evaluation_model(run),
                user=request_user(request),
            )
        except EvaluatorUnavailable as exc:
            raise Conflict(exc.message) from None
        except EvaluationFailed as exc:
            errors = [{"path": f"attempt {i}", "message": a} for i, a in enumerate(exc.attempts, 1)]
            body = {"detail": exc.message, "errors": errors}
            return Response(body, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        return Response(EvaluationSerializer(evaluation).data, status=status.HTTP_201_CREATED)


class EvaluationDetailApi(ApiView):
    """One evaluation by id."""

    @extend_schema(tags=TAGS, summary="One evaluation", responses=EvaluationSerializer)
    def get(self, request: Request, evaluation_id: int) -> Response:
        return Response(
            EvaluationSerializer(
                get_object_or_404(
                    evaluation_list().filter(
                        run__in=visible(Run.objects.all(), request.user).values("pk")
                    ),
                    pk=evaluation_id,
                )
            ).data
        )
