"""Scenarios and their immutable versions."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from simengine.web.access import Owned, Share


class Scenario(Owned):
    """A named scenario; its content lives in immutable versions (owned, shared with groups)."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    is_draft = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def latest_version(self) -> ScenarioVersion | None:
        """The version with the highest number, or None for a scenario without one."""
        return self.versions.order_by("-number").first()


class ScenarioVersion(models.Model):
    """An immutable snapshot of a scenario spec; a run points to the version it ran."""

    scenario = models.ForeignKey(Scenario, related_name="versions", on_delete=models.CASCADE)
    number = models.PositiveIntegerField()
    spec = models.JSONField()
    source_text = models.TextField(blank=True)
    source_format = models.CharField(max_length=8, default="yaml")
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scenario", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["scenario", "number"], name="unique_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.scenario.name} v{self.number}"

    def save(self, *args, **kwargs) -> None:
        """Insert only: saving an existing version raises `ValueError` (versions are immutable)."""
        if self.pk is not None and ScenarioVersion.objects.filter(pk=self.pk).exists():
            raise ValueError("a scenario version is immutable: save a new version instead")
        super().save(*args, **kwargs)


class ScenarioShare(Share):
    """A group's read or edit access to a scenario (`simengine.web.access`)."""

    scenario = models.ForeignKey(Scenario, related_name="shares", on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scenario", "group"], name="unique_scenario_share")
        ]
