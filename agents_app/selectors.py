"""Reads of a run's agents."""

from __future__ import annotations

from django.db.models import QuerySet

from agents_app.models import Agent


def agent_list(*, run, status: str | None = None) -> QuerySet[Agent]:
    """A run's agents in name order."""
    agents = Agent.objects.filter(run=run)
    if status is not None:
        agents = agents.filter(status=status)
    return agents.order_by("name", "id")
