"""Every run moves on or ends: the watchdog, stop on stranded runs, a stop that cancels a tick."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from runs_app.models import Run, RunStatus, Step
from runs_app.services.runs import run_create, run_resume, run_stop
from runs_app.services.watchdog import runs_sweep
from tests.api.factories import make_user, token_client
from tests.fakes import FakeOllama
from tests.runs_app.factories import (
    recorded_slices,
    small_flood_version,
    wait_for_run,
    wait_until_final,
)

pytestmark = pytest.mark.django_db(transaction=True)


def strand(run: Run, *, status: RunStatus = RunStatus.RUNNING, seconds_ago: int = 60) -> None:
    """What a killed worker leaves: the run executing, its slice lease run out long ago."""
    Run.objects.filter(pk=run.pk).update(
        status=status,
        lease_holder="dead-worker",
        lease_expires_at=timezone.now() - timedelta(seconds=seconds_ago),
    )


def test_a_stranded_running_run_is_sent_again_exactly_once_and_frees_its_slot(
    settings, monkeypatch
):
    settings.SIMENGINE_MAX_CONCURRENT_RUNS = 1
    settings.SIMENGINE_SLICE_TICKS = 5  # the 8 ticks take two slices
    version = small_flood_version(max_ticks=8)
    stranded = run_create(version=version, start=False)
    strand(stranded)
    waiting = run_create(version=version)
    assert Run.objects.get(pk=waiting.pk).status == RunStatus.QUEUED  # the slot is taken

    sent = recorded_slices(monkeypatch)
    first, second = runs_sweep(), runs_sweep()

    assert (first.resent, second.resent) == ([stranded.pk], [])
    stranded = wait_until_final(stranded)
    assert (stranded.status, stranded.current_step) == ("completed", 8)
    waiting = wait_until_final(waiting)  # admitted into the slot the stranded run freed
    assert (waiting.status, waiting.current_step) == ("completed", 8)
    assert sent.count(stranded.pk) == 2  # the watchdog's send, then its next slice
    steps = Step.objects.filter(run=stranded).values_list("index", flat=True)
    assert sorted(steps) == list(range(1, 9))


def test_stop_ends_a_stranded_running_run_at_once_and_frees_its_slot(settings):
    settings.SIMENGINE_MAX_CONCURRENT_RUNS = 1
    version = small_flood_version(max_ticks=5)
    stranded = run_create(version=version, start=False)
    strand(stranded)
    waiting = run_create(version=version)

    stopped = run_stop(run=stranded)

    assert (stopped.status, stopped.end_reason) == ("stopped", "stopped by operator")
    assert wait_until_final(waiting).status == "completed"


def test_the_watchdog_stops_a_run_left_stopping_by_a_lost_slice():
    run = run_create(version=small_flood_version(max_ticks=5), start=False)
    strand(run, status=RunStatus.STOPPING)

    sweep = runs_sweep()

    run.refresh_from_db()
    assert (sweep.stopped, run.status, run.end_reason) == (
        [run.pk],
        "stopped",
        "stopped by operator",
    )


def test_a_live_slice_is_left_alone_by_the_watchdog():
    run = run_create(version=small_flood_version(max_ticks=5), start=False)
    Run.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING,
        lease_holder="alive",
        lease_expires_at=timezone.now() + timedelta(seconds=30),
    )
    assert runs_sweep().resent == []
    assert Run.objects.get(pk=run.pk).lease_holder == "alive"


def test_a_second_delivery_of_a_slice_cannot_advance_a_run_another_slice_holds():
    from runs_app.services.execution import execute_slice

    run = run_create(version=small_flood_version(max_ticks=5), start=False)
    Run.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING,
        slice_token="t1",
        lease_holder="alive",
        lease_expires_at=timezone.now() + timedelta(seconds=30),
    )
    assert execute_slice(run.pk, "t1") == "busy"
    assert execute_slice(run.pk, "t0") == "stale"
    assert Step.objects.filter(run=run).count() == 0


def test_stop_cancels_a_hanging_model_call_within_a_second_or_two(monkeypatch):
    with FakeOllama(slots=4, latency=120) as ollama:
        monkeypatch.setenv("OLLAMA_HOST", ollama.url)
        version = small_flood_version(max_ticks=5)
        run = run_create(version=version, overrides={"model_override": "ollama/llama3.2"})
        deadline = time.monotonic() + 30
        while ollama.stats().in_flight == 0:
            assert time.monotonic() < deadline, "no model call was made"
            time.sleep(0.05)

        asked = time.monotonic()
        run_stop(run=run)
        run = wait_until_final(run, timeout=30)
        took = time.monotonic() - asked

    assert (run.status, run.current_step, run.end_reason) == ("stopped", 0, "stopped by operator")
    assert took < 3, f"stop took {took:.1f} s"


def test_a_failed_run_resumes_from_its_last_committed_tick():
    run = run_create(version=small_flood_version(max_ticks=6), start=False)
    run_resume(run=run)
    run = wait_for_run(run, lambda r: r.current_step >= 1)
    run = wait_until_final(run)
    # what an engine error leaves: failed after its ticks so far
    Run.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, current_step=3, error="boom")
    Step.objects.filter(run=run, index__gt=3).delete()

    run_resume(run=Run.objects.get(pk=run.pk))
    run = wait_until_final(run)

    assert (run.status, run.current_step, run.error) == ("completed", 6, "")
    steps = Step.objects.filter(run=run).values_list("index", flat=True)
    assert sorted(steps) == [1, 2, 3, 4, 5, 6]


def test_a_failed_run_offers_resume_in_the_console_and_the_api_resumes_it(client):
    user = make_user("resumer")
    version = small_flood_version(max_ticks=4, user=user)
    run = run_create(version=version, start=False, user=user)
    Run.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error="boom", end_reason="error")
    client.force_login(user)
    page = client.get(f"/runs/{run.pk}/").content.decode()
    assert 'id="control-resume"' in page

    answer = token_client(user).post(
        f"/api/runs/{run.pk}/control/", {"action": "resume"}, format="json"
    )

    assert answer.status_code == 200, answer.content
    run = wait_until_final(run)
    assert (run.status, run.current_step, run.error) == ("completed", 4, "")
