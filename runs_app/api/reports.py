"""A run's report (one self-contained HTML file) and its JSONL trace, for download."""

from __future__ import annotations

from typing import Any

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from runs_app.models import Run
from runs_app.selectors import run_get
from runs_app.services.report import run_report_html
from runs_app.services.traces import run_trace
from simengine.api.base import ApiView
from simengine.api.pagination import query_int
from simengine.api.renderers import (
    FirstRendererNegotiation,
    HtmlDocumentRenderer,
    JsonLinesRenderer,
)
from simengine.web.access import require

TAGS = ["reports"]
DOWNLOAD = OpenApiParameter(
    "download",
    int,
    description="1: answer as an attachment (Content-Disposition), for saving.",
    enum=[0, 1],
)


def _run(run_id: int, user: Any) -> Run:
    try:
        run = run_get(pk=run_id)
    except Run.DoesNotExist:
        raise NotFound(f"No run {run_id}.") from None
    require(run, user)
    return run


def _disposition(request: Request, filename: str, *, default_download: bool) -> str:
    download = query_int(request, "download", default=int(default_download), minimum=0, maximum=1)
    return f'{"attachment" if download else "inline"}; filename="{filename}"'


class RunReportApi(ApiView):
    """The run's report as one self-contained HTML file."""

    renderer_classes = [HtmlDocumentRenderer]
    content_negotiation_class = FirstRendererNegotiation
    errors_as_json = True

    @extend_schema(
        tags=TAGS,
        summary="The run's report: one self-contained HTML file",
        description="Scenario and version, seed and overrides, models, outcome and reason, "
        "metric charts (inline SVG), final metrics, evaluations with agreement, key "
        "decisions, conversation excerpts per room, token use and cost, simengine version. "
        "No external requests. A run still going is reported as of its current tick.",
        parameters=[DOWNLOAD],
        responses={(200, "text/html"): OpenApiResponse(OpenApiTypes.STR, description="HTML")},
    )
    def get(self, request: Request, run_id: int) -> Response:
        run = _run(run_id, request.user)
        disposition = _disposition(request, f"run-{run.pk}-report.html", default_download=False)
        response = Response(run_report_html(run))
        response["Content-Disposition"] = disposition
        return response


class RunTraceApi(ApiView):
    """The run's events as JSON lines (the `simulate --jsonl` format)."""

    renderer_classes = [JsonLinesRenderer]
    content_negotiation_class = FirstRendererNegotiation
    errors_as_json = True

    @extend_schema(
        tags=TAGS,
        summary="The run's events as JSON lines, the `simulate --jsonl` format",
        description='One event per line: `{"agent", "data", "tick", "type"}`, keys sorted.',
        parameters=[DOWNLOAD],
        responses={
            (200, "application/x-ndjson"): OpenApiResponse(
                OpenApiTypes.STR, description="JSON lines"
            )
        },
    )
    def get(self, request: Request, run_id: int) -> Any:
        run = _run(run_id, request.user)
        disposition = _disposition(request, f"run-{run.pk}-trace.jsonl", default_download=True)
        response = StreamingHttpResponse(run_trace(run), content_type="application/x-ndjson")
        response["Content-Disposition"] = disposition
        return response
