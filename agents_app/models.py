"""Agent rows: the templates of a scenario version and the agents of a run."""

from __future__ import annotations

from django.db import models


class AgentKind(models.TextChoices):
    """Who an agent is: a person, the environment, the scenario designer or an evaluator."""

    HUMAN = "human"
    ENVIRONMENT = "environment"
    DESIGNER = "designer"
    EVALUATOR = "evaluator"


class AgentStatus(models.TextChoices):
    """Whether an agent acts: operators pause, mute or terminate agents from the console."""

    ACTIVE = "active"
    PAUSED = "paused"
    MUTED = "muted"
    TERMINATED = "terminated"


class AgentTemplate(models.Model):
    """One agent template of a scenario version, kept as rows for queries and the admin."""

    scenario_version = models.ForeignKey(
        "scenarios_app.ScenarioVersion", related_name="agent_templates", on_delete=models.CASCADE
    )
    template_id = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=AgentKind.choices, default=AgentKind.HUMAN)
    name_pattern = models.CharField(max_length=200)
    role = models.CharField(max_length=200, blank=True)
    persona = models.TextField(blank=True)
    count = models.PositiveIntegerField(default=1)
    model = models.CharField(max_length=200)
    temperature = models.FloatField(default=0.7)
    spec = models.JSONField(default=dict)

    class Meta:
        ordering = ["scenario_version", "template_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scenario_version", "template_id"], name="unique_template_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.template_id} ({self.scenario_version})"


class Agent(models.Model):
    """A run-time agent: its live status, model and emotion, mirrored each tick."""

    run = models.ForeignKey("runs_app.Run", related_name="agents", on_delete=models.CASCADE)
    key = models.CharField(max_length=200, help_text="the engine's agent id, e.g. rescuer-2")
    name = models.CharField(max_length=200)
    template_id = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=AgentKind.choices, default=AgentKind.HUMAN)
    role = models.CharField(max_length=200, blank=True)
    persona = models.TextField(blank=True)
    model = models.CharField(max_length=200)
    status = models.CharField(
        max_length=20, choices=AgentStatus.choices, default=AgentStatus.ACTIVE
    )
    emotion = models.JSONField(default=dict)
    location = models.CharField(max_length=100, blank=True)
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["run", "name"]
        constraints = [
            models.UniqueConstraint(fields=["run", "name"], name="unique_agent_name_per_run")
        ]

    def __str__(self) -> str:
        return f"{self.name} (run {self.run_id})"


class MemoryKind(models.TextChoices):
    """What a long-term memory record came from."""

    OBSERVATION = "observation"
    MESSAGE = "message"
    SAID = "said"
    ACTION = "action"
    REFUSAL = "refusal"
    WORLD = "world"
    COMMAND = "command"
    REFLECTION = "reflection"


class AgentMemory(models.Model):
    """One long-term memory record of a run's agent, written with the tick that made it.

    `embedding` holds the vector as little-endian float32 bytes, so a resumed run (or a
    replay) searches exactly the vectors the original run had; the local embedding's
    vectors, mostly zeros, are stored sparse (`runs_app.services.adapters.encode_vector`).
    """

    # Indexes below start with agent and with run: no index of their own.
    run = models.ForeignKey(
        "runs_app.Run", related_name="memories", on_delete=models.CASCADE, db_index=False
    )
    agent = models.ForeignKey(
        Agent, related_name="memories", on_delete=models.CASCADE, db_index=False
    )
    seq = models.PositiveIntegerField(help_text="the agent's records numbered from 0")
    tick = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=MemoryKind.choices)
    text = models.TextField()
    importance = models.FloatField()
    embedding = models.BinaryField()
    embedding_model = models.CharField(max_length=200)
    sources = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agent", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "seq"], name="unique_memory_seq_per_agent")
        ]
        indexes = [
            models.Index(fields=["agent", "tick", "seq"], name="memory_agent_tick"),
            models.Index(fields=["agent", "kind", "seq"], name="memory_agent_kind"),
            models.Index(fields=["agent", "importance"], name="memory_agent_importance"),
            models.Index(fields=["run", "tick"], name="memory_run_tick"),
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} #{self.seq} t{self.tick} {self.kind}"
