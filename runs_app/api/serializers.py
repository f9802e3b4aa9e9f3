"""Output serializers of the runs API (inputs live next to their views)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from runs_app.models import Batch, Evaluation, Event, LLMCall, Message, Run, RunOutcome, Step


class _VersionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    scenario = serializers.IntegerField(source="scenario_id")
    scenario_name = serializers.CharField(source="scenario.name")


class RunSerializer(serializers.ModelSerializer):
    scenario_version = _VersionRefSerializer(read_only=True)
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    metrics = serializers.JSONField(help_text="The run's latest metric values by name.")
    end_reason = serializers.CharField(
        help_text="Why the run ended (success or failure condition, max ticks, operator), "
        "blank while it has not."
    )
    outcome = serializers.ChoiceField(
        choices=RunOutcome.choices,
        help_text="How the run ended: success, failure, max_ticks, stopped (by the operator) "
        "or error; blank while it has not ended.",
    )
    end_detail = serializers.CharField(
        help_text="What ended it, e.g. the condition that held (`casualties >= 30`)."
    )

    class Meta:
        model = Run
        fields = [
            "id",
            "scenario_version",
            "batch",
            "grid_cell",
            "status",
            "seed",
            "overrides",
            "max_ticks",
            "current_step",
            "metrics",
            "end_reason",
            "outcome",
            "end_detail",
            "error",
            "tokens_in",
            "tokens_out",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
            "updated_at",
        ]
        read_only_fields = fields


class EvaluationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Evaluation
        fields = [
            "id",
            "run",
            "evaluator_model",
            "is_rule_based",
            "scores",
            "narrative",
            "llm_call",
            "created_at",
        ]
        read_only_fields = fields


class RunDetailSerializer(RunSerializer):
    agent_count = serializers.SerializerMethodField()
    evaluations = serializers.SerializerMethodField()

    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "notes", "agent_count", "evaluations"]
        read_only_fields = fields

    def get_agent_count(self, run: Run) -> int:
        return run.agents.count()

    @extend_schema_field(EvaluationSerializer(many=True))
    def get_evaluations(self, run: Run) -> list[dict[str, Any]]:
        return EvaluationSerializer(run.evaluations.order_by("-created_at", "-id"), many=True).data


class PendingControlSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    run = serializers.IntegerField(source="run_id")
    kind = serializers.CharField()
    payload = serializers.JSONField()
    created_at = serializers.DateTimeField()
    applied_step = serializers.IntegerField(
        allow_null=True, help_text="The tick it was applied at; null until the next tick boundary."
    )


class MessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Message
        fields = [
            "id",
            "step",
            "message_id",
            "sender",
            "channel",
            "recipient",
            "text",
            "metadata",
            "created_at",
        ]
        read_only_fields = fields


class StepSerializer(serializers.ModelSerializer):
    class Meta:
        model = Step
        fields = ["id", "index", "metrics", "snapshot", "created_at"]
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = ["id", "step", "agent", "type", "data", "created_at"]
        read_only_fields = fields


class LLMCallSerializer(serializers.ModelSerializer):
    class Meta:
        model = LLMCall
        fields = [
            "id",
            "step",
            "agent",
            "provider",
            "model",
            "purpose",
            "system",
            "messages",
            "response_text",
            "parsed",
            "tokens_in",
            "tokens_out",
            "latency_ms",
            "retries",
            "error",
            "created_at",
        ]
        read_only_fields = fields


class BatchSerializer(serializers.ModelSerializer):
    scenario_version = _VersionRefSerializer(read_only=True)
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Batch
        fields = [
            "id",
            "name",
            "scenario_version",
            "base_seed",
            "seeds_per_cell",
            "grid",
            "overrides",
            "concurrency",
            "status",
            "total_runs",
            "created_by",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class BatchProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    done = serializers.IntegerField(help_text="Runs that completed, stopped or failed.")
    queued = serializers.IntegerField()
    running = serializers.IntegerField()
    paused = serializers.IntegerField()
    stopping = serializers.IntegerField()
    stopped = serializers.IntegerField()
    completed = serializers.IntegerField()
    failed = serializers.IntegerField()


class BatchDetailSerializer(BatchSerializer):
    progress = serializers.SerializerMethodField()

    class Meta(BatchSerializer.Meta):
        fields = [*BatchSerializer.Meta.fields, "progress"]
        read_only_fields = fields

    @extend_schema_field(BatchProgressSerializer)
    def get_progress(self, batch: Batch) -> dict[str, int]:
        return self.context["progress"]


class MetricSummarySerializer(serializers.Serializer):
    n = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True)
    std = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    method = serializers.CharField(
        required=False,
        help_text="How the interval was computed: `wilson` (metric with a range), `bootstrap` "
        "(metric with one bound), `t` (unbounded), `single` (one run).",
    )


class CellAggregateSerializer(serializers.Serializer):
    params = serializers.DictField(help_text="The grid cell's parameter values.")
    runs = serializers.IntegerField(help_text="Completed runs in this cell.")
    metrics = serializers.DictField(child=MetricSummarySerializer())


class BatchAggregatesSerializer(serializers.Serializer):
    batch = serializers.IntegerField()
    status = serializers.CharField()
    cells = serializers.DictField(
        child=CellAggregateSerializer(), help_text="By cell key (the cell's params as JSON)."
    )
