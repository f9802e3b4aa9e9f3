"""The run report (API and CLI) and the JSONL trace in the `simulate --jsonl` format."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from runs_app.models import Evaluation, Run, RunStatus
from runs_app.services.evaluation import evaluation_create
from runs_app.services.execution import execute_slice
from runs_app.services.runs import run_create
from scenarios_app.services import scenario_import
from simengine.core.runner import trace_line
from tests.console.conftest import finished_run
from tests.observability.factories import record, store

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
FLOOD = ROOT / "scenarios" / "riverside_flood.yaml"
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(|@import|<script[^>]+src""")


@pytest.fixture
def flood_version(user):
    return scenario_import(text=FLOOD.read_text(encoding="utf-8"), user=user).version


@pytest.fixture
def evaluated_run(flood_version, user):
    run = finished_run(flood_version, ticks=6, seed=11, user=user)
    evaluation_create(run=run, model="offline/heuristic")
    store(run, 6, record("Mayor", model="anthropic/claude-haiku-4-5", tokens=(1_000_000, 200_000)))
    return run


def test_the_report_shows_outcome_scores_decisions_rooms_usage_and_version(api, evaluated_run):
    run = evaluated_run
    response = api.get(f"/api/runs/{run.pk}/report/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Content-Disposition"] == f'inline; filename="run-{run.pk}-report.html"'
    html = response.content.decode()
    assert f"Run {run.pk}: Riverside flood" in html
    assert 'id="report-outcome">max_ticks<' in html or run.end_reason in html
    assert f"seed {run.seed}" in html and "v1" in html
    evaluation = Evaluation.objects.get(run=run)
    for name, score in evaluation.scores.items():
        assert f"<td>{name}</td>" in html
        assert f'<td class="num score">{score:g}</td>' in html.replace(".0<", "<")
    assert html.count("<svg") >= 3  # metric charts and the score chart, inline
    assert "Key decisions" in html and "Tick 1 · " in html
    assert "#command" in html  # conversation excerpts per room
    # 1M prompt + 0.2M completion tokens of Claude Haiku 4.5 at $1 / $5 per Mtok = $2
    assert "<code>anthropic/claude-haiku-4-5</code>" in html and "2.0000" in html
    assert "offline/heuristic" in html and "0 (local)" in html
    assert "simengine 0.1.0" in html
    assert "as of tick" not in html
    assert not EXTERNAL.search(html), EXTERNAL.search(html)
    saved = api.get(f"/api/runs/{run.pk}/report/", {"download": 1})
    assert saved["Content-Disposition"] == f'attachment; filename="run-{run.pk}-report.html"'
    bad = api.get(f"/api/runs/{run.pk}/report/", {"download": "yes"})
    assert bad.status_code == 400 and bad["Content-Type"] == "application/json"
    assert bad.json()["errors"] == [
        {"path": "download", "message": "expected an integer, got 'yes'"}
    ]


def test_a_running_run_is_reported_as_of_its_current_tick(api, flood_version):
    run = run_create(
        version=flood_version,
        seed=3,
        overrides={"model_override": "offline/heuristic", "max_ticks": 30},
        start=False,
        user=api.user,
    )
    Run.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    execute_slice(run.pk, max_ticks=4)
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and run.current_step == 4
    html = api.get(f"/api/runs/{run.pk}/report/").content.decode()
    assert "This run is still running: the report is as of tick 4." in html
    assert "Final values (as of tick 4)" in html


def test_unknown_runs_answer_404_for_report_and_trace(api):
    assert api.get("/api/runs/999999/report/").status_code == 404
    assert api.get("/api/runs/999999/trace.jsonl").status_code == 404
    missing = api.get("/api/runs/999999/report/")
    assert missing["Content-Type"] == "application/json"
    assert missing.json() == {"detail": "No run 999999."}


def test_anonymous_clients_cannot_read_reports(client, evaluated_run):
    assert client.get(f"/api/runs/{evaluated_run.pk}/report/").status_code == 401
    assert client.get(f"/api/runs/{evaluated_run.pk}/trace.jsonl").status_code == 401


def _normalised(line: str) -> dict:
    """A trace line with the run's own identity taken out (message ids carry the run id)."""
    event = json.loads(line)
    if "message_id" in event["data"]:
        event["data"]["message_id"] = event["data"]["message_id"].split(":", 1)[1]
    if event["type"] == "RunStarted":
        event["tick"] = None  # the core says 0; it is stored with the first tick's rows
    return event


def test_the_trace_is_simulate_jsonl_format_with_the_same_events(api, flood_version, tmp_path):
    run = finished_run(flood_version, ticks=5, seed=42, user=api.user)
    response = api.get(f"/api/runs/{run.pk}/trace.jsonl")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    assert response["Content-Disposition"] == f'attachment; filename="run-{run.pk}-trace.jsonl"'
    served = b"".join(response.streaming_content).decode().splitlines()
    for line in served:  # written by the same function as simulate --jsonl: same bytes
        assert line == trace_line(json.loads(line))
    expected = tmp_path / "simulate.jsonl"
    call_command(
        "simulate",
        str(FLOOD),
        "--seed",
        "42",
        "--max-ticks",
        "5",
        "--model-override",
        "offline/heuristic",
        "--jsonl",
        str(expected),
    )
    reference = expected.read_text(encoding="utf-8").splitlines()
    stored_only = [json.loads(line) for line in served[len(reference) :]]
    assert [e["type"] for e in stored_only] == ["run_ended"]  # the console's own record
    assert [_normalised(line) for line in served[: len(reference)]] == [
        _normalised(line) for line in reference
    ]
    assert len(reference) > 50


def test_the_report_command_writes_the_file_and_refuses_unknown_runs(evaluated_run, tmp_path):
    target = tmp_path / "report.html"
    call_command("report", str(evaluated_run.pk), "-o", str(target))
    assert target.read_text(encoding="utf-8").startswith("<!doctype html>")
    trace = tmp_path / "trace.jsonl"
    call_command("report", str(evaluated_run.pk), "-o", str(trace), "--trace")
    assert trace.read_text().splitlines()[0].startswith('{"agent": null, "data": {')
    with pytest.raises(CommandError, match="no run 999999"):
        call_command("report", "999999", "-o", str(target))
    with pytest.raises(CommandError, match="does not exist"):
        call_command("report", str(evaluated_run.pk), "-o", str(tmp_path / "no" / "r.html"))
