"""Every URL of the HTTP API under /api/ (views live in each app's `api` module)."""

from django.contrib.auth.decorators import login_not_required, login_required
from django.urls import path, re_path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import IsAuthenticated

from runs_app.api import (
    agents,
    analysis,
    batches,
    calls,
    evaluations,
    history,
    memories,
    reports,
    runs,
    system,
)
from scenarios_app.api import design
from scenarios_app.api import views as scenarios
from simengine.api.base import NotFoundApi
from simengine.api.errors import api_exception_handler
from simengine.web.offload import off_the_shared_thread


class IdConverter:
    """A database id: digits that fit a 64-bit column (longer ones are simply not found)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        """The id as an integer."""
        return int(value)

    def to_url(self, value: int) -> str:
        """The id as URL text."""
        return str(value)


register_converter(IdConverter, "id")


class SchemaApi(SpectacularAPIView):
    """The OpenAPI schema, for authenticated clients only (token or session), 401 otherwise."""

    permission_classes = [IsAuthenticated]

    def get_exception_handler(self):
        """Our error format for the schema endpoint too (a 401 body like every endpoint's)."""
        return api_exception_handler


schema_view = login_not_required(SchemaApi.as_view())

urlpatterns = [
    path("schema/", schema_view, name="api-schema"),
    # The Swagger UI is a page: anonymous visitors go to the console's login page.
    path(
        "docs/",
        login_required(SpectacularSwaggerView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path("scenarios/", scenarios.ScenarioListApi.as_view(), name="api-scenarios"),
    path("scenarios/import/", scenarios.ScenarioImportApi.as_view(), name="api-scenario-import"),
    path(
        "scenarios/design/",
        off_the_shared_thread(design.ScenarioDesignApi.as_view()),
        name="api-scenario-design",
    ),
    path("scenarios/<id:scenario_id>/", scenarios.ScenarioDetailApi.as_view(), name="api-scenario"),
    path(
        "scenarios/<id:scenario_id>/clone/",
        scenarios.ScenarioCloneApi.as_view(),
        name="api-scenario-clone",
    ),
    path(
        "scenarios/<id:scenario_id>/export/",
        scenarios.ScenarioExportApi.as_view(),
        name="api-scenario-export",
    ),
    path(
        "scenarios/<id:scenario_id>/versions/",
        scenarios.ScenarioVersionListApi.as_view(),
        name="api-scenario-versions",
    ),
    path(
        "scenarios/<id:scenario_id>/versions/<id:number>/",
        scenarios.ScenarioVersionDetailApi.as_view(),
        name="api-scenario-version",
    ),
    path("runs/", runs.RunListApi.as_view(), name="api-runs"),
    path("runs/<id:run_id>/", runs.RunDetailApi.as_view(), name="api-run"),
    path("runs/<id:run_id>/control/", runs.RunControlApi.as_view(), name="api-run-control"),
    path("runs/<id:run_id>/fork/", runs.RunForkApi.as_view(), name="api-run-fork"),
    path("runs/<id:run_id>/agents/", agents.AgentListApi.as_view(), name="api-run-agents"),
    path(
        "runs/<id:run_id>/agents/inject/",
        agents.AgentInjectApi.as_view(),
        name="api-run-agents-inject",
    ),
    path(
        "runs/<id:run_id>/agents/<id:agent_id>/",
        agents.AgentDetailApi.as_view(),
        name="api-run-agent",
    ),
    path(
        "runs/<id:run_id>/agents/<id:agent_id>/memories/",
        memories.MemoryListApi.as_view(),
        name="api-run-agent-memories",
    ),
    path("runs/<id:run_id>/messages/", history.MessageListApi.as_view(), name="api-run-messages"),
    path("runs/<id:run_id>/steps/", history.StepListApi.as_view(), name="api-run-steps"),
    path(
        "runs/<id:run_id>/steps/<id:index>/", history.StepDetailApi.as_view(), name="api-run-step"
    ),
    path("runs/<id:run_id>/events/", history.EventListApi.as_view(), name="api-run-events"),
    path("runs/<id:run_id>/llm-calls/", history.LLMCallListApi.as_view(), name="api-run-llm-calls"),
    path("runs/<id:run_id>/report/", reports.RunReportApi.as_view(), name="api-run-report"),
    path("runs/<id:run_id>/trace.jsonl", reports.RunTraceApi.as_view(), name="api-run-trace"),
    path("system/", off_the_shared_thread(system.SystemApi.as_view()), name="api-system"),
    path("llm-calls/", calls.LLMCallListApi.as_view(), name="api-llm-calls"),
    path("llm-calls/stats/", calls.LLMCallStatsApi.as_view(), name="api-llm-call-stats"),
    path("llm-calls/prompt-diff/", calls.PromptDiffApi.as_view(), name="api-llm-call-prompt-diff"),
    path("llm-calls/<id:call_id>/", calls.LLMCallDetailApi.as_view(), name="api-llm-call"),
    path("batches/", batches.BatchListApi.as_view(), name="api-batches"),
    path("batches/<id:batch_id>/", batches.BatchDetailApi.as_view(), name="api-batch"),
    path(
        "batches/<id:batch_id>/aggregates/",
        batches.BatchAggregatesApi.as_view(),
        name="api-batch-aggregates",
    ),
    path(
        "batches/<id:batch_id>/analysis/",
        analysis.BatchAnalysisApi.as_view(),
        name="api-batch-analysis",
    ),
    path(
        "batches/<id:batch_id>/sweep-proposal/",
        off_the_shared_thread(analysis.BatchSweepProposalApi.as_view()),
        name="api-batch-sweep-proposal",
    ),
    path(
        "evaluations/",
        off_the_shared_thread(evaluations.EvaluationListApi.as_view()),
        name="api-evaluations",
    ),
    path(
        "evaluations/<id:evaluation_id>/",
        evaluations.EvaluationDetailApi.as_view(),
        name="api-evaluation",
    ),
    # Last: anything else under /api/ is a JSON 404, not the console's HTML page.
    re_path(r"^[\s\S]*$", NotFoundApi.as_view(), name="api-not-found"),
]
