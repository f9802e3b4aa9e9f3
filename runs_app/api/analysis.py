"""Batch analysis endpoints: cross-run statistics, and the next sweep a batch suggests.

/api/batches/{id}/analysis/ and /api/batches/{id}/sweep-proposal/; a proposal is started
by POSTing its grid to /api/batches/.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from runs_app.models import Batch
from runs_app.services.analysis import (
    InvalidCondition,
    SweepUnavailable,
    batch_analysis,
    batch_sweep_proposal,
)
from simengine.api.base import ApiView, validated_body, validated_query
from simengine.api.errors import Conflict, InvalidInput
from simengine.api.fields import model_id_value
from simengine.web.access import fetch

TAGS = ["batches"]
CONDITION_HELP = (
    "`cell:<cell key>` (a grid cell of this batch, its key as in /aggregates/), "
    "`batch:<id>` (all completed runs of a batch) or `model:<provider/model>` (completed "
    "runs of this scenario version with that model override)."
)


class AnalysisParamsSerializer(serializers.Serializer):
    """The two conditions to compare (query parameters): both or neither."""

    a = serializers.CharField(
        required=False, max_length=400, help_text="Condition A: " + CONDITION_HELP
    )
    b = serializers.CharField(required=False, max_length=400, help_text="Condition B.")

    def validate(self, data: dict) -> dict:
        if ("a" in data) != ("b" in data):
            raise serializers.ValidationError({"b": ["give both conditions a and b, or neither"]})
        return data


class SweepRequestSerializer(serializers.Serializer):
    """Who proposes the next sweep: the offline rules or a model."""

    model = serializers.CharField(
        max_length=200,
        default="offline/heuristic",
        help_text="Who proposes: `offline/heuristic` by rules, or a model id.",
    )

    def validate_model(self, value: str) -> str:
        return model_id_value(value)


def _batch(request: Request, batch_id: int) -> Batch:
    return fetch(Batch.objects.select_related("scenario_version"), request.user, pk=batch_id)


class BatchAnalysisApi(ApiView):
    """GET a batch's cross-run statistics; bad condition keys answer 400."""

    @extend_schema(
        tags=TAGS,
        summary="Cross-run analysis: compare two conditions, parameter effects, scores, behaviours",
        description="Per metric, condition A against B: Welch's t-test and Mann-Whitney U "
        "(two-sided), Cohen's d, Hedges' g with a 95% CI and the rank-biserial correlation. "
        "Without a and b the first and last grid cells are compared. `effects`: for every "
        "grid parameter and metric, lowest against highest level (Hedges' g, Mann-Whitney p) "
        "and Spearman's rho across levels with 95% CIs. `scores`: evaluator scores per cell; "
        "`agreement`: between evaluators; `behaviours`: sharing, refusals, panic messages "
        "and fear spikes per run, per cell.",
        parameters=[AnalysisParamsSerializer],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="The analysis.")},
    )
    def get(self, request: Request, batch_id: int) -> Response:
        params = validated_query(request, AnalysisParamsSerializer)
        batch = _batch(request, batch_id)
        try:
            analysis = batch_analysis(
                batch=batch, a=params.get("a"), b=params.get("b"), user=request.user
            )
            return Response(analysis)
        except InvalidCondition as exc:
            raise InvalidInput([str(exc)]) from None


class BatchSweepProposalApi(ApiView):
    """POST for the next parameter sweep a batch suggests; it starts nothing."""

    may_conflict = True

    @extend_schema(
        tags=TAGS,
        summary="Propose the next parameter sweep from a batch's results (starts nothing)",
        description="Which parameters and values to try next, and why. To start it, POST its "
        "`grid` and `seeds_per_cell` to /api/batches/ with this batch's scenario version. "
        "409 when the proposing model cannot be served or answered unusably twice.",
        request=SweepRequestSerializer,
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="The proposal.")},
    )
    def post(self, request: Request, batch_id: int) -> Response:
        data = validated_body(request, SweepRequestSerializer)
        batch = _batch(request, batch_id)
        try:
            proposal = batch_sweep_proposal(batch=batch, model=data["model"])
        except SweepUnavailable as exc:
            raise Conflict(str(exc)) from None
        return Response({**proposal.to_json(), "scenario_version": batch.scenario_version_id})
