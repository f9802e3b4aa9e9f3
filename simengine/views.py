"""The project's own pages: home and the favicon."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static

from runs_app.selectors import run_list_recent
from scenarios_app.selectors import scenario_list
from simengine.web.access import visible


def home(request: HttpRequest) -> HttpResponse:
    """The scenarios and the 15 most recent runs the user may read."""
    runs = visible(run_list_recent(limit=None), request.user)[:15]
    context = {"scenarios": visible(scenario_list(), request.user), "recent_runs": runs}
    return render(request, "home.html", context)


@login_not_required
def favicon(request: HttpRequest) -> HttpResponse:
    """`/favicon.ico`, asked for by pages without our icon link (admin, API browser)."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
