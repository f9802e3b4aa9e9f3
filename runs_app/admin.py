"""Admin: runs and batches for inspection; recorded history strictly read-only.

Steps, messages, events, LLM calls, evaluations and applied controls are the record of what
happened in a run: the admin lets staff view, filter and search them, never add, change or
delete them (a run's history changes only through the engine). Scenarios stay editable in
`scenarios_app.admin`.
"""

from __future__ import annotations

from django.contrib import admin

from runs_app.models import (
    Batch,
    BatchShare,
    Evaluation,
    Event,
    LLMCall,
    Message,
    PendingControl,
    PromptText,
    Run,
    RunShare,
    SchedulerLock,
    Step,
)
from runs_app.selectors import snapshot_at
from runs_app.templatetags.console import pretty_json
from simengine.web.admin import ReadOnlyAdmin


@admin.register(Run)
class RunAdmin(ReadOnlyAdmin):
    """Runs: status, outcome and why they ended."""

    list_display = (
        "id",
        "scenario_version",
        "status",
        "outcome",
        "seed",
        "current_step",
        "end_reason",
        "batch",
        "created_at",
    )
    list_filter = ("status", "outcome", "created_at", "scenario_version__scenario")
    search_fields = ("id", "end_reason", "error")
    raw_id_fields = ("batch", "scenario_version")


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin):
    """Batches of seeded runs."""

    list_display = ("id", "name", "scenario_version", "status", "total_runs", "concurrency")
    list_filter = ("status", "created_at")
    search_fields = ("name",)


@admin.register(Step)
class StepAdmin(ReadOnlyAdmin):
    """Committed steps (state snapshots, shown decoded from their keyframe or delta)."""

    list_display = ("run", "index", "keyframe", "created_at")
    exclude = ("snapshot_data",)
    readonly_fields = ("snapshot",)

    @admin.display(description="snapshot")
    def snapshot(self, step: Step) -> str:
        return pretty_json(snapshot_at(step.run_id, step.index))

    list_filter = ("created_at",)
    search_fields = ("run__id",)
    raw_id_fields = ("run",)


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    """Messages sent in runs."""

    list_display = ("run", "step", "sender", "channel", "recipient", "text")
    list_filter = ("channel",)
    search_fields = ("sender", "recipient", "text")
    raw_id_fields = ("run",)


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    """Events of runs (actions, decisions, controls)."""

    list_display = ("run", "step", "agent", "type", "created_at")
    list_filter = ("type",)
    search_fields = ("agent", "type")
    raw_id_fields = ("run",)


@admin.register(LLMCall)
class LLMCallAdmin(ReadOnlyAdmin):
    """Recorded model calls."""

    list_display = (
        "run",
        "step",
        "agent",
        "provider",
        "model",
        "purpose",
        "tokens_in",
        "tokens_out",
        "latency_ms",
        "output_mode",
        "error",
    )
    list_filter = ("provider", "purpose", "model", "output_mode")
    search_fields = ("agent", "model", "error")
    raw_id_fields = ("run", "system_text", "messages_base")
    readonly_fields = ("system_prompt", "prompt_messages")
    list_select_related = ("run",)

    @admin.display(description="system prompt")
    def system_prompt(self, call: LLMCall) -> str:
        return call.system

    @admin.display(description="messages")
    def prompt_messages(self, call: LLMCall) -> str:
        return pretty_json(call.messages)


@admin.register(PromptText)
class PromptTextAdmin(ReadOnlyAdmin):
    """Prompt texts, each stored once however many calls use it."""

    list_display = ("id", "preview", "length")
    search_fields = ("text",)
    fields = ("text",)

    @admin.display(description="text")
    def preview(self, prompt: PromptText) -> str:
        return prompt.text[:120]

    @admin.display(description="characters")
    def length(self, prompt: PromptText) -> int:
        return len(prompt.text)


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    """Evaluators' scores and narratives."""

    list_display = ("run", "evaluator_model", "is_rule_based", "created_at")
    list_filter = ("is_rule_based", "evaluator_model")
    search_fields = ("evaluator_model", "narrative")
    raw_id_fields = ("run", "llm_call")


@admin.register(PendingControl)
class PendingControlAdmin(ReadOnlyAdmin):
    """Operator controls, queued and applied."""

    list_display = ("run", "kind", "applied_step", "created_by", "created_at")
    list_filter = ("kind",)
    search_fields = ("kind",)
    raw_id_fields = ("run",)


@admin.register(SchedulerLock)
class SchedulerLockAdmin(ReadOnlyAdmin):
    """The scheduler's lock row."""

    list_display = ("name",)


@admin.register(RunShare)
class RunShareAdmin(admin.ModelAdmin):
    """Which group may read or edit which run (`simengine.web.access`); staff may change it."""

    list_display = ("run", "group", "level")
    list_filter = ("level", "group")


@admin.register(BatchShare)
class BatchShareAdmin(admin.ModelAdmin):
    """Which group may read or edit which batch and its runs; staff may change it."""

    list_display = ("batch", "group", "level")
    list_filter = ("level", "group")
