"""Admin pages for runs, batches and their records (mostly for inspection)."""

from django.contrib import admin

from runs_app.models import (
    Batch,
    Evaluation,
    Event,
    LLMCall,
    Message,
    PendingControl,
    Run,
    SchedulerLock,
    Step,
)


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    """Runs by status and scenario, searchable by end reason and error."""

    list_display = (
        "id",
        "scenario_version",
        "status",
        "seed",
        "current_step",
        "end_reason",
        "batch",
        "created_at",
    )
    list_filter = ("status", "created_at", "scenario_version__scenario")
    search_fields = ("id", "end_reason", "error")
    raw_id_fields = ("batch", "scenario_version")


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    """Batches with their status, size and concurrency."""

    list_display = ("id", "name", "scenario_version", "status", "total_runs", "concurrency")
    list_filter = ("status", "created_at")
    search_fields = ("name",)


@admin.register(Step)
class StepAdmin(admin.ModelAdmin):
    """A run's committed ticks."""

    list_display = ("run", "index", "created_at")
    list_filter = ("created_at",)
    raw_id_fields = ("run",)


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Messages of runs, searchable by sender, recipient and text."""

    list_display = ("run", "step", "sender", "channel", "recipient", "text")
    list_filter = ("channel",)
    search_fields = ("sender", "recipient", "text")
    raw_id_fields = ("run",)


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Events of runs by type and agent."""

    list_display = ("run", "step", "agent", "type", "created_at")
    list_filter = ("type",)
    search_fields = ("agent", "type")
    raw_id_fields = ("run",)


@admin.register(LLMCall)
class LLMCallAdmin(admin.ModelAdmin):
    """Recorded model calls with tokens, latency and errors."""

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
    raw_id_fields = ("run",)


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    """Evaluations of runs by evaluator."""

    list_display = ("run", "evaluator_model", "is_rule_based", "created_at")
    list_filter = ("is_rule_based", "evaluator_model")
    raw_id_fields = ("run", "llm_call")


@admin.register(PendingControl)
class PendingControlAdmin(admin.ModelAdmin):
    """Operator controls, queued and applied."""

    list_display = ("run", "kind", "applied_step", "created_by", "created_at")
    list_filter = ("kind",)
    raw_id_fields = ("run",)


@admin.register(SchedulerLock)
class SchedulerLockAdmin(admin.ModelAdmin):
    """The scheduler's lock row: the scheduler creates it when first needed, not the admin."""

    list_display = ("name",)

    def has_add_permission(self, request) -> bool:
        return False
