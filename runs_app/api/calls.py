"""/api/llm-calls/: the call explorer across runs: filtered keyset pages, figures, prompt diffs."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from runs_app.api.fields import MAX_ID
from runs_app.api.history import StepRangeSerializer
from runs_app.api.serializers import LLMCallSerializer
from runs_app.models import CallOutcome, LLMCall
from runs_app.selectors import llm_call_get, llm_call_prompt_at, llm_call_search, run_exists
from runs_app.services.calls import call_prompt_diff, call_stats
from simengine.api.base import ApiListView, ApiView, validated_query
from simengine.api.pagination import MAX_INT, SortedKeysetPagination

TAGS = ["llm-calls"]

# sort name -> keyset ordering (the last field is the unique id)
SORTS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "-id": ("-id",),
    "latency": ("latency_ms", "id"),
    "-latency": ("-latency_ms", "-id"),
    "tokens": ("tokens_total", "id"),
    "-tokens": ("-tokens_total", "-id"),
}
PAGING_PARAMS = ("cursor", "limit")


class _StrictQuery(serializers.Serializer):
    """Refuses query parameters it does not know (a misspelt filter must not match all)."""

    extra_params: tuple[str, ...] = ()

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        known = {*self.fields, *self.extra_params}
        unknown = sorted(name for name in self.initial_data if name not in known)
        if unknown:
            raise serializers.ValidationError(
                {
                    name: [f"unknown parameter; known: {', '.join(sorted(known))}"]
                    for name in unknown
                }
            )
        return super().validate(data)


class CallFilterSerializer(_StrictQuery, StepRangeSerializer):
    """The call explorer's filters."""

    run = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Only this run's calls."
    )
    agent = serializers.CharField(required=False, max_length=200, help_text="Agent name.")
    model = serializers.CharField(
        required=False, max_length=200, help_text="Full model id, e.g. `ollama/llama3.2`."
    )
    purpose = serializers.RegexField(
        r"^[a-z][a-z_]{0,29}$",
        required=False,
        help_text="decide, repair, evaluate, evaluate_repair, design, design_repair, sweep...",
        error_messages={"invalid": "expected a purpose such as decide, repair or evaluate"},
    )
    outcome = serializers.ChoiceField(
        choices=CallOutcome.choices, required=False, help_text="What came of the call."
    )


class CallListFilterSerializer(CallFilterSerializer):
    """The filters plus the sort of the call list."""

    extra_params = PAGING_PARAMS

    sort = serializers.ChoiceField(
        choices=list(SORTS),
        required=False,
        default="id",
        help_text="`id` (oldest first, the default), `-id`, `latency`, `-latency` "
        "(slowest first), `tokens`, `-tokens` (largest first).",
    )


def _check_run(filters: dict[str, Any], user: Any) -> None:
    run = filters.get("run")
    if run is not None and not run_exists(pk=run, user=user):
        raise NotFound(f"No run {run}.")


class LLMCallRowSerializer(serializers.ModelSerializer):
    """One call in a list: who, which model, outcome, tokens, latency."""

    run = serializers.IntegerField(source="run_id")
    tokens_total = serializers.IntegerField(help_text="Prompt plus completion tokens.")

    class Meta:
        model = LLMCall
        fields = [
            "id",
            "run",
            "step",
            "agent",
            "provider",
            "model",
            "purpose",
            "outcome",
            "tokens_in",
            "tokens_out",
            "tokens_total",
            "latency_ms",
            "retries",
            "error",
            "created_at",
        ]
        read_only_fields = fields


class LLMCallDetailSerializer(LLMCallSerializer):
    """One call with its run, prompt, response and total tokens."""

    run = serializers.IntegerField(source="run_id")
    tokens_total = serializers.IntegerField(help_text="Prompt plus completion tokens.")

    class Meta(LLMCallSerializer.Meta):
        fields = ["run", *LLMCallSerializer.Meta.fields, "tokens_total"]
        read_only_fields = fields


class LLMCallListApi(ApiListView):
    """Model calls across runs, filtered, in keyset pages."""

    serializer_class = LLMCallRowSerializer
    filter_serializer_class = CallListFilterSerializer
    pagination_class = SortedKeysetPagination
    may_be_missing = True
    keyset_ordering: tuple[str, ...] = SORTS["id"]

    def get_queryset(self):
        filters = self.get_filters()
        self.keyset_ordering = SORTS[filters.pop("sort", "id")]
        _check_run(filters, self.request.user)
        return llm_call_search(**filters, user=self.request.user)

    @extend_schema(
        tags=TAGS,
        summary="Recorded model calls across runs, filtered, in keyset pages",
        description="Follow `next` until it is null to read every matching call exactly once, "
        "even while runs add calls. An unknown `run` answers 404; a bad or unknown parameter "
        "answers 400 naming it.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ModelFiguresSerializer(serializers.Serializer):
    """One model's totals and estimated cost."""

    model = serializers.CharField()
    provider = serializers.CharField()
    calls = serializers.IntegerField()
    tokens_in = serializers.IntegerField()
    tokens_out = serializers.IntegerField()
    latency_ms_mean = serializers.FloatField()
    latency_ms_max = serializers.FloatField()
    model_seconds = serializers.FloatField(help_text="Seconds the model spent answering.")
    local = serializers.BooleanField(help_text="Served locally: costs 0.")
    cost_usd = serializers.FloatField(
        allow_null=True, help_text="Estimated US dollars; null when the model has no price."
    )
    price = serializers.JSONField(
        allow_null=True, help_text="`{input_per_mtok, output_per_mtok, source}` used."
    )


class CallTotalsSerializer(serializers.Serializer):
    """Totals over every model."""

    calls = serializers.IntegerField()
    tokens_in = serializers.IntegerField()
    tokens_out = serializers.IntegerField()
    model_seconds = serializers.FloatField()
    cost_usd = serializers.FloatField(help_text="Sum over the priced models.")
    unpriced_models = serializers.ListField(child=serializers.CharField())


class CallStatsSerializer(serializers.Serializer):
    """The explorer's figures for a set of calls."""

    totals = CallTotalsSerializer()
    models = ModelFiguresSerializer(many=True)
    outcomes = serializers.DictField(child=serializers.IntegerField())
    histograms = serializers.JSONField(
        help_text="`latency_ms` and `tokens`: `{edges, labels, models: {model: [counts]}}`."
    )


class LLMCallStatsApi(ApiView):
    """Totals, cost, outcomes and histograms per model for the filtered calls."""

    may_be_missing = True
    filter_serializer_class = CallFilterSerializer

    @extend_schema(
        tags=TAGS,
        summary="Totals, estimated cost, outcomes and histograms per model for the filtered calls",
        responses=CallStatsSerializer,
    )
    def get(self, request: Request) -> Response:
        filters = validated_query(request, CallFilterSerializer)
        filters = {k: v for k, v in filters.items() if v is not None}
        _check_run(filters, request.user)
        return Response(call_stats(llm_call_search(**filters, user=request.user)))


class LLMCallDetailApi(ApiView):
    """One recorded call."""

    @extend_schema(
        tags=TAGS,
        summary="One recorded call: prompt, response, tokens, latency, outcome",
        responses=LLMCallDetailSerializer,
    )
    def get(self, request: Request, call_id: int) -> Response:
        try:
            call = llm_call_get(pk=call_id, user=request.user)
        except LLMCall.DoesNotExist:
            raise NotFound(f"No LLM call {call_id}.") from None
        return Response(LLMCallDetailSerializer(call).data)


class PromptDiffQuerySerializer(_StrictQuery):
    """Which agent of which run, and the two ticks to compare."""

    run = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    agent = serializers.CharField(max_length=200)
    a = serializers.IntegerField(min_value=0, max_value=MAX_INT, help_text="The first tick.")
    b = serializers.IntegerField(min_value=0, max_value=MAX_INT, help_text="The second tick.")
    purpose = serializers.RegexField(r"^[a-z][a-z_]{0,29}$", required=False, default="decide")


class PromptDiffSerializer(serializers.Serializer):
    """The two calls and how the second prompt differs from the first."""

    a = LLMCallRowSerializer()
    b = LLMCallRowSerializer()
    identical = serializers.BooleanField()
    prefix_chars = serializers.IntegerField(help_text="Leading characters identical in both.")
    a_chars = serializers.IntegerField()
    b_chars = serializers.IntegerField()
    stable_share = serializers.FloatField(help_text="The stable prefix / the longer prompt.")
    prefix = serializers.CharField()
    added_lines = serializers.IntegerField()
    removed_lines = serializers.IntegerField()
    lines = serializers.JSONField(help_text='`[{"op": " " | "-" | "+" | "...", "text"}]`')


class PromptDiffApi(ApiView):
    """One agent's prompt at two ticks: the stable prefix, then a line diff."""

    may_be_missing = True

    @extend_schema(
        tags=TAGS,
        summary="How one agent's prompt changed between two ticks: stable prefix, then a diff",
        parameters=[PromptDiffQuerySerializer],
        responses=PromptDiffSerializer,
    )
    def get(self, request: Request) -> Response:
        query = validated_query(request, PromptDiffQuerySerializer)
        _check_run(query, request.user)
        try:
            calls = [
                llm_call_prompt_at(
                    run=query["run"],
                    agent=query["agent"],
                    step=query[key],
                    purpose=query["purpose"],
                )
                for key in ("a", "b")
            ]
        except LLMCall.DoesNotExist as exc:
            raise NotFound(str(exc)) from None
        diff = call_prompt_diff(*calls)
        rows = [LLMCallRowSerializer(call).data for call in calls]
        return Response({"a": rows[0], "b": rows[1], **diff.to_json()})
