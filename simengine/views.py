"""The project's own pages: home and the favicon."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static

from runs_app.selectors import run_list_recent
from scenarios_app.selectors import scenario_list


def home(request: HttpRequest) -> HttpResponse:
    """Scenarios and the 15 most recent runs."""
    return render(
        request,
        "home.html",
        {"scenarios": scenario_list(), "recent_runs": run_list_recent(limit=15)},
    )


@login_not_required
def favicon(request: HttpRequest) -> HttpResponse:
    """`/favicon.ico`, asked for by pages without our icon link (admin, API browser)."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
