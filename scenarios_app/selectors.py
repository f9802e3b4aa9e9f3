from __future__ import annotations

from django.db.models import Count, Max, QuerySet

from scenarios_app.models import Scenario


def scenario_list() -> QuerySet[Scenario]:
    return Scenario.objects.annotate(
        version_count=Count("versions", distinct=True),
        latest_number=Max("versions__number"),
    ).order_by("name")
