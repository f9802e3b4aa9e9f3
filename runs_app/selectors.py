from __future__ import annotations

from django.db.models import QuerySet

from runs_app.models import Batch, Run


def run_list_recent(*, limit: int = 50) -> QuerySet[Run]:
    return Run.objects.select_related("scenario_version__scenario", "batch")[:limit]


def run_list() -> QuerySet[Run]:
    return Run.objects.select_related("scenario_version__scenario", "batch")


def batch_list() -> QuerySet[Batch]:
    return Batch.objects.select_related("scenario_version__scenario")
