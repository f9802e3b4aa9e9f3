"""The system page (staff only): workers, queue, runs, LLM slots, providers, services, live."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.middleware import HtmxDetails

from runs_app.services.system import system_status
from simengine.web.offload import off_the_shared_thread


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware."""

    htmx: HtmxDetails


POLL_SECONDS = 5


@off_the_shared_thread
def system_page(request: HtmxHttpRequest) -> HttpResponse:
    """The fleet at a glance; the status region re-polls itself every few seconds."""
    if not request.user.is_staff:
        raise PermissionDenied("The system page is for staff.")
    context = {"status": system_status(), "poll_seconds": POLL_SECONDS}
    if request.htmx:
        return render(request, "runs_app/system.html#status", context)
    return render(request, "runs_app/system.html", context)
