"""Runs, batches and everything a run records: steps, messages, events, model calls, controls."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F

from runs_app.event_data import EventDataField
from runs_app.prompts import parsed_response, unpack_messages
from simengine.core import call_outcomes
from simengine.web.access import Owned, Share


class RunStatus(models.TextChoices):
    """Where a run is in its lifecycle; `runs_app.services.lifecycle` holds the allowed moves."""

    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPING = "stopping"
    STOPPED = "stopped"
    COMPLETED = "completed"
    FAILED = "failed"


# The one list of each kind of status: everything else imports these.
FINAL_RUN_STATUSES = (RunStatus.STOPPED, RunStatus.COMPLETED, RunStatus.FAILED)
EXECUTING_RUN_STATUSES = (RunStatus.RUNNING, RunStatus.STOPPING)  # holding an execution slot
ACTIVE_RUN_STATUSES = (RunStatus.QUEUED, *EXECUTING_RUN_STATUSES)


class RunOutcome(models.TextChoices):
    """How a run ended, in one word (blank while it has not); `end_reason` says more."""

    NONE = "", "—"
    SUCCESS = "success", "success"
    FAILURE = "failure", "failure"
    MAX_TICKS = "max_ticks", "max ticks"
    STOPPED = "stopped", "stopped by operator"
    ERROR = "error", "error"


class BatchStatus(models.TextChoices):
    """A batch is running until every one of its runs has ended; then it is completed."""

    RUNNING = "running"
    COMPLETED = "completed"
    STOPPED = "stopped"


class Batch(Owned):
    """Many seeded runs of one scenario version over a parameter grid."""

    scenario_version = models.ForeignKey(
        "scenarios_app.ScenarioVersion", related_name="batches", on_delete=models.PROTECT
    )
    name = models.CharField(max_length=200, blank=True)
    base_seed = models.IntegerField(default=0)
    seeds_per_cell = models.PositiveIntegerField(default=1)
    grid = models.JSONField(default=dict, blank=True)
    overrides = models.JSONField(default=dict, blank=True)
    concurrency = models.PositiveIntegerField(default=10)
    status = models.CharField(
        max_length=20, choices=BatchStatus.choices, default=BatchStatus.RUNNING
    )
    total_runs = models.PositiveIntegerField(default=0)
    aggregates = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "batches"

    def __str__(self) -> str:
        return self.name or f"Batch {self.pk}"


class Run(Owned):
    """One execution of a scenario version with a seed and overrides."""

    # Whoever may read (edit) a run's batch may read (edit) its runs.
    access_via = ("batch",)

    scenario_version = models.ForeignKey(
        "scenarios_app.ScenarioVersion", related_name="runs", on_delete=models.PROTECT
    )
    batch = models.ForeignKey(
        Batch, related_name="runs", null=True, blank=True, on_delete=models.CASCADE
    )
    grid_cell = models.JSONField(default=dict, blank=True)
    cell_key = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True
    )
    seed = models.IntegerField(default=0)
    overrides = models.JSONField(default=dict, blank=True)
    max_ticks = models.PositiveIntegerField(null=True, blank=True)
    current_step = models.IntegerField(default=0)
    metrics = models.JSONField(default=dict, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(
        max_length=20, choices=RunOutcome.choices, blank=True, default="", db_index=True
    )
    end_detail = models.CharField(max_length=300, blank=True)  # e.g. "casualties >= 30"
    error = models.TextField(blank=True)
    tokens_in = models.PositiveBigIntegerField(default=0)
    tokens_out = models.PositiveBigIntegerField(default=0)
    pending_steps = models.PositiveIntegerField(default=0)
    # The slice lease (runs_app.services.leases): the token of the slice message that may
    # advance the run, who executes it now (blank: nobody) and when the watchdog may send
    # it again if nobody showed a sign of life by then.
    slice_token = models.CharField(max_length=32, blank=True, default="")
    lease_holder = models.CharField(max_length=32, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    notes = models.JSONField(default=list, blank=True)
    # Lineage: a fork continues `parent`'s stored state after tick `fork_step`.
    parent = models.ForeignKey(
        "self", related_name="forks", null=True, blank=True, on_delete=models.SET_NULL
    )
    fork_step = models.PositiveIntegerField(null=True, blank=True)
    # A completed run's automatic evaluation (runs_app.services.leases.evaluation_send): when
    # its message may be sent (again); null once the evaluation ran or none is wanted. So an
    # evaluation whose message could not be sent (broker down) or was lost is not lost.
    evaluation_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["batch", "status"])]

    def __str__(self) -> str:
        return f"Run {self.pk} ({self.scenario_version})"


class BatchShare(Share):
    """A group's read or edit access to a batch and its runs (`simengine.web.access`)."""

    batch = models.ForeignKey(Batch, related_name="shares", on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["batch", "group"], name="unique_batch_share")
        ]


class RunShare(Share):
    """A group's read or edit access to a run (`simengine.web.access`)."""

    run = models.ForeignKey(Run, related_name="shares", on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "group"], name="unique_run_share")]


class ControlKind(models.TextChoices):
    """What an operator's control does at the next tick boundary."""

    PAUSE_AGENT = "pause_agent"
    RESUME_AGENT = "resume_agent"
    MUTE_AGENT = "mute_agent"
    TERMINATE_AGENT = "terminate_agent"
    INJECT_MESSAGE = "inject_message"
    INJECT_COMMAND = "inject_command"
    SET_WORLD_VALUE = "set_world_value"
    TRIGGER_EVENT = "trigger_event"
    SET_EMOTION = "set_emotion"


class PendingControl(models.Model):
    """An operator's control waiting for the run's next tick boundary."""

    run = models.ForeignKey(Run, related_name="pending_controls", on_delete=models.CASCADE)
    kind = models.CharField(max_length=30, choices=ControlKind.choices)
    payload = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_step = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["run", "applied_step"])]

    def __str__(self) -> str:
        return f"{self.kind} on run {self.run_id}"


class Step(models.Model):
    """The committed state after one tick.

    The state is stored compactly (`runs_app.services.snapshots`): a keyframe (the whole
    snapshot, compressed) or a delta against the previous tick; read it through
    `runs_app.selectors.snapshot_at`.
    """

    run = models.ForeignKey(Run, related_name="steps", on_delete=models.CASCADE)
    index = models.PositiveIntegerField()
    snapshot_data = models.BinaryField()
    keyframe = models.BooleanField(default=True)
    metrics = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run", "index"]
        constraints = [models.UniqueConstraint(fields=["run", "index"], name="unique_run_step")]

    def __str__(self) -> str:
        return f"run {self.run_id} step {self.index}"


class Message(models.Model):
    """A message sent in a run: direct, to a room, or to all."""

    class Channel(models.TextChoices):
        DIRECT = "direct"
        ROOM = "room"
        ALL = "all"
        LOCAL = "local"

    run = models.ForeignKey(Run, related_name="messages", on_delete=models.CASCADE)
    step = models.PositiveIntegerField()
    message_id = models.CharField(max_length=200)
    sender = models.CharField(max_length=200)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.CharField(max_length=200, blank=True)
    # "|name|name|": every agent the message was delivered to, for "what did X see" queries.
    audience = models.TextField(blank=True)
    text = models.TextField()
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run", "step", "id"]
        indexes = [
            models.Index(fields=["run", "sender", "step"]),
            models.Index(fields=["run", "recipient", "step"]),
            models.Index(fields=["run", "step"]),
            models.Index(fields=["run", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.sender} -> {self.recipient or self.channel}: {self.text[:60]}"


class Event(models.Model):
    """Something that happened in a run: an action, a decision, an environment or control event."""

    # The (run, step) index serves lookups by run; no index of its own.
    run = models.ForeignKey(Run, related_name="events", on_delete=models.CASCADE, db_index=False)
    step = models.PositiveIntegerField()
    agent = models.CharField(max_length=200, blank=True)
    type = models.CharField(max_length=60)
    # Some kinds' data is stored packed (`runs_app.event_data`); it reads back as written.
    data = EventDataField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run", "step", "id"]
        indexes = [
            models.Index(fields=["run", "step"]),
            models.Index(fields=["run", "type"]),
            models.Index(fields=["run", "agent", "step"]),
        ]

    def __str__(self) -> str:
        return f"{self.type} at step {self.step}"


class CallOutcome(models.TextChoices):
    """What came of one model call (see `simengine.core.call_outcomes`)."""

    OK = call_outcomes.OK, "ok"
    REPAIRED = call_outcomes.REPAIRED, "repaired"
    NOOP = call_outcomes.NOOP, "fell back to a no-op"
    PROVIDER_ERROR = call_outcomes.PROVIDER_ERROR, "provider error"
    TIMEOUT = call_outcomes.TIMEOUT, "timeout"


class PromptText(models.Model):
    """A prompt text stored once however many calls use it (`runs_app.prompts`)."""

    digest = models.BinaryField(max_length=32, unique=True)
    text = models.TextField()

    def __str__(self) -> str:
        return self.text[:60]


class LLMCall(models.Model):
    """One recorded model call (or offline-policy answer).

    Its prompt is `system` and `messages`, read from `system_text` and from
    `messages_packed` against `messages_base` (`runs_app.prompts`); select both with
    `PROMPT_RELATIONS` when reading prompts of many calls.
    """

    # The (run, step) index serves lookups by run; no index of its own.
    run = models.ForeignKey(Run, related_name="llm_calls", on_delete=models.CASCADE, db_index=False)
    step = models.PositiveIntegerField()
    agent = models.CharField(max_length=200, blank=True)
    provider = models.CharField(max_length=30)
    model = models.CharField(max_length=200)
    purpose = models.CharField(max_length=30, default="decide")
    # Prompt texts are never deleted (shared by calls of many runs): no index back to calls.
    system_text = models.ForeignKey(
        PromptText,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    messages_base = models.ForeignKey(
        PromptText,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    messages_packed = models.BinaryField(default=b"", blank=True)
    response_text = models.TextField(blank=True)
    # NULL when `parsed_is_response`: the response text parses to the answer (see `parsed`).
    parsed_stored = models.JSONField(null=True, blank=True, db_column="parsed")
    parsed_is_response = models.BooleanField(default=False, db_default=False)
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    latency_ms = models.FloatField(default=0)
    retries = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # How the answer's shape was asked for, e.g. an OpenAI-compatible server's accepted
    # response_format (json_schema, json_object, text); blank where a provider records none.
    output_mode = models.CharField(max_length=20, blank=True, default="")
    outcome = models.CharField(max_length=20, choices=CallOutcome.choices, default=CallOutcome.OK)
    tokens_total = models.GeneratedField(
        expression=F("tokens_in") + F("tokens_out"),
        output_field=models.PositiveBigIntegerField(),
        db_persist=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run", "step", "id"]
        verbose_name = "LLM call"
        # The call explorer pages by (key, id): each filter or sort it offers has an index
        # ending in id, so a page is an index range scan however many calls there are.
        indexes = [
            models.Index(fields=["run", "step"]),
            models.Index(fields=["run", "agent", "step"]),
            models.Index(fields=["run", "id"], name="llmcall_run_id"),
            models.Index(fields=["model", "id"], name="llmcall_model_id"),
            models.Index(fields=["purpose", "id"], name="llmcall_purpose_id"),
            models.Index(fields=["outcome", "id"], name="llmcall_outcome_id"),
            models.Index(fields=["latency_ms", "id"], name="llmcall_latency_id"),
            models.Index(fields=["tokens_total", "id"], name="llmcall_tokens_id"),
        ]

    def __str__(self) -> str:
        return f"{self.model} for {self.agent or 'run'} at step {self.step}"

    @property
    def system(self) -> str:
        """The system prompt ("" when there was none)."""
        prompt = self.system_text
        return prompt.text if prompt is not None else ""

    @property
    def parsed(self) -> Any:
        """The answer as parsed and validated, None when it was unusable."""
        if self.parsed_is_response:
            return parsed_response(self.response_text)
        return self.parsed_stored

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The conversation sent after the system prompt, as the provider got it."""
        base = self.messages_base
        return unpack_messages(self.messages_packed, base.text if base is not None else "")


# What to select_related when reading the prompts of many calls.
PROMPT_RELATIONS = ("system_text", "messages_base")


class Evaluation(models.Model):
    """An evaluator's scores and narrative for a run."""

    run = models.ForeignKey(Run, related_name="evaluations", on_delete=models.CASCADE)
    evaluator_model = models.CharField(max_length=200)
    is_rule_based = models.BooleanField(default=False)
    scores = models.JSONField(default=dict)
    narrative = models.TextField(blank=True)
    llm_call = models.ForeignKey(LLMCall, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"evaluation of run {self.run_id} by {self.evaluator_model}"


class SchedulerLock(models.Model):
    """A single row locked while admitting queued runs, so admission is serial across workers."""

    name = models.CharField(max_length=50, unique=True)
    # For the "watchdog" row: the token of the live chain of sweeps and when it is next due.
    token = models.CharField(max_length=32, blank=True, default="")
    due_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
