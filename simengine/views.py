"""The home page: scenarios and the most recent runs."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from runs_app.selectors import run_list_recent
from scenarios_app.selectors import scenario_list


def home(request: HttpRequest) -> HttpResponse:
    """Scenarios and the 15 most recent runs."""
    return render(
        request,
        "home.html",
        {"scenarios": scenario_list(), "recent_runs": run_list_recent(limit=15)},
    )
