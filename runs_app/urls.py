"""The run pages: explorer, console and its live regions, comparison, batches, analysis."""

from django.urls import path

from runs_app.views import (
    analysis,
    batches,
    calls,
    compare,
    evaluation,
    forks,
    god_mode,
    live,
    memories,
    runs,
    system,
)

app_name = "runs"

urlpatterns = [
    path("runs/", runs.run_list_page, name="list"),
    path("runs/new/", runs.run_new, name="new"),
    path("runs/recent/", runs.run_table_fragment, name="recent"),
    path("runs/compare/", compare.run_compare, name="compare"),
    path("runs/<int:pk>/", runs.run_console, name="console"),
    path("runs/<int:pk>/control/<str:action>/", runs.run_control, name="control"),
    path(
        "runs/<int:pk>/agents/<int:agent_pk>/memories/",
        memories.agent_memories,
        name="agent_memories",
    ),
    path(
        "runs/<int:pk>/agents/<int:agent_pk>/<str:action>/",
        runs.agent_control,
        name="agent_control",
    ),
    path(
        "runs/<int:pk>/events/<int:event_pk>/memories/",
        memories.decision_memories,
        name="decision_memories",
    ),
    path("runs/<int:pk>/inject/", runs.run_inject, name="inject"),
    path("runs/<int:pk>/god/<str:action>/", god_mode.run_god_mode, name="god_mode"),
    path("runs/<int:pk>/duplicate/", runs.run_duplicate_view, name="duplicate"),
    path("runs/<int:pk>/fork/", forks.run_fork_page, name="fork"),
    path("runs/<int:pk>/shares/", runs.run_shares, name="shares"),
    path("runs/<int:pk>/since/<int:step>/", live.run_since, name="since"),
    path("runs/<int:pk>/at/<int:step>/", live.run_at, name="at"),
    path("runs/<int:pk>/now/", live.run_now, name="now"),
    path("runs/<int:pk>/timeline/", live.run_timeline, name="timeline"),
    path("runs/<int:pk>/chat/", live.run_chat, name="chat"),
    path("runs/<int:pk>/events/<int:event_pk>/", live.run_event_detail, name="event_detail"),
    path("runs/<int:pk>/evaluation/", evaluation.run_evaluation_panel, name="evaluation"),
    path("runs/<int:pk>/evaluate/", evaluation.run_evaluate, name="evaluate"),
    path("llm-calls/", calls.llm_call_explorer, name="llm_calls"),
    path("llm-calls/diff/", calls.prompt_diff_page, name="prompt_diff"),
    path("llm-calls/<int:pk>/", calls.llm_call_detail, name="llm_call"),
    path("system/", system.system_page, name="system"),
    path("batches/", batches.batch_list_page, name="batches"),
    path("batches/new/", batches.batch_new, name="batch_new"),
    path("batches/<int:pk>/", batches.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/shares/", batches.batch_shares, name="batch_shares"),
    path("batches/<int:pk>/analysis/", analysis.batch_analysis_fragment, name="batch_analysis"),
    path("batches/<int:pk>/sweep/", analysis.batch_sweep_propose, name="batch_sweep"),
    path(
        "batches/<int:pk>/sweep/start/",
        analysis.batch_sweep_start_view,
        name="batch_sweep_start",
    ),
]
