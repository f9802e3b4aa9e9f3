"""Output serializers of the runs API (inputs live next to their views)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from runs_app.models import Batch, Evaluation, Event, LLMCall, Message, Run, RunOutcome, Step
from runs_app.services.snapshots import SnapshotReader
from scenarios_app.api.serializers import OwnedFieldsMixin


class _VersionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    scenario = serializers.IntegerField(source="scenario_id")
    scenario_name = serializers.CharField(source="scenario.name")


class RunSerializer(OwnedFieldsMixin, serializers.ModelSerializer):
    """A run as listed: its version, status, seed, overrides, latest metrics, tokens and times."""

    scenario_version = _VersionRefSerializer(read_only=True)
    created_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
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
            "parent",
            "fork_step",
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
            "owner",
            "shares",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "parent": {"help_text": "The run this one was forked from (null if none)."},
            "fork_step": {
                "help_text": "The parent's tick this run continues from; its first is the next."
            },
        }


class EvaluationSerializer(serializers.ModelSerializer):
    """One evaluation of a run: the evaluator, its scores by dimension and its narrative."""

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
    """A run with its notes, agent count and evaluations, newest first."""

    agent_count = serializers.SerializerMethodField()
    evaluations = serializers.SerializerMethodField()

    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "notes", "agent_count", "evaluations"]
        read_only_fields = fields

    def get_agent_count(self, run: Run) -> int:
        return run.agents.count()

    @extend_schema_field(EvaluationSerializer(many=True))
    def get_evaluations(self, run: Run) -> list[dict[str, Any]]:
        evaluations = run.evaluations.order_by("-created_at", "-id")
        return list(EvaluationSerializer(evaluations, many=True).data)


class PendingControlSerializer(serializers.Serializer):
    """A control queued for a run's next tick boundary, and the tick it was applied at."""

    id = serializers.IntegerField()
    run = serializers.IntegerField(source="run_id")
    kind = serializers.CharField()
    payload = serializers.JSONField()
    created_at = serializers.DateTimeField()
    applied_step = serializers.IntegerField(
        allow_null=True, help_text="The tick it was applied at; null until the next tick boundary."
    )


class MessageSerializer(serializers.ModelSerializer):
    """One message of a run's history: sender, channel, recipient and text."""

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
    """One committed tick: its metrics and the world's state snapshot.

    Snapshots are stored as keyframes and deltas; they are decoded through the
    `snapshot_reader` in the context (one per run, so a page of consecutive steps decodes
    each from the one before), or on their own without one.
    """

    snapshot = serializers.SerializerMethodField()

    class Meta:
        model = Step
        fields = ["id", "index", "metrics", "snapshot", "created_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField())
    def get_snapshot(self, step: Step) -> dict[str, Any]:
        reader = self.context.get("snapshot_reader")
        if reader is None:
            reader = SnapshotReader(step.run_id)
        return reader.of_step(step)


class EventSerializer(serializers.ModelSerializer):
    """One event of a run: an action, a decision or a control, with its data."""

    class Meta:
        model = Event
        fields = ["id", "step", "agent", "type", "data", "created_at"]
        read_only_fields = fields


class LLMCallSerializer(serializers.ModelSerializer):
    """One recorded model call: prompt, answer, tokens, latency, retries and error."""

    # Stored once per distinct text (`runs_app.prompts`); read through the model.
    system = serializers.CharField(read_only=True)
    messages = serializers.JSONField(read_only=True)
    parsed = serializers.JSONField(read_only=True, allow_null=True)

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
            "output_mode",
            "outcome",
            "created_at",
        ]
        read_only_fields = fields


class BatchSerializer(OwnedFieldsMixin, serializers.ModelSerializer):
    """A batch as listed: its version, grid, seeds per cell, concurrency and status."""

    scenario_version = _VersionRefSerializer(read_only=True)
    created_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
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
            "owner",
            "shares",
            "created_by",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class BatchProgressSerializer(serializers.Serializer):
    """How many of a batch's runs are in each status."""

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
    """A batch with the progress counts of its runs."""

    progress = serializers.SerializerMethodField()

    class Meta(BatchSerializer.Meta):
        fields = [*BatchSerializer.Meta.fields, "progress"]
        read_only_fields = fields

    @extend_schema_field(BatchProgressSerializer)
    def get_progress(self, batch: Batch) -> dict[str, int]:
        return self.context["progress"]


class MetricSummarySerializer(serializers.Serializer):
    """One metric over a cell's completed runs: count, mean, std and 95% CI."""

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
    """One grid cell: its parameter values, completed runs and metric summaries."""

    params = serializers.DictField(help_text="The grid cell's parameter values.")
    runs = serializers.IntegerField(help_text="Completed runs in this cell.")
    metrics = serializers.DictField(child=MetricSummarySerializer())


class BatchAggregatesSerializer(serializers.Serializer):
    """A batch's per-cell metric statistics, keyed by cell."""

    batch = serializers.IntegerField()
    status = serializers.CharField()
    cells = serializers.DictField(
        child=CellAggregateSerializer(), help_text="By cell key (the cell's params as JSON)."
    )
