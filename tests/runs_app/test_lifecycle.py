"""The run lifecycle: one transition table, one set of final statuses, and what each move does."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from runs_app import executor
from runs_app.models import EXECUTING_RUN_STATUSES, FINAL_RUN_STATUSES, Batch, Run, RunStatus
from runs_app.services import leases
from runs_app.services.batches import batch_create, batch_progress
from runs_app.services.errors import ControlRefused
from runs_app.services.lifecycle import (
    TRANSITIONS,
    RunAction,
    next_status,
    run_fail,
    run_finish,
    run_halt,
    run_pause,
    run_resume,
    run_start,
    run_step,
    run_stop,
    runs_admit,
    runs_recover_in_process,
)
from runs_app.services.runs import run_create
from runs_app.signals import run_finished
from simengine.celery import app as celery_app
from tests.runs_app.factories import small_flood_version

S, A = RunStatus, RunAction

ALLOWED = [
    (S.QUEUED, A.ADMIT, S.RUNNING),
    (S.PAUSED, A.START, S.QUEUED),
    (S.PAUSED, A.RESUME, S.QUEUED),
    (S.FAILED, A.RESUME, S.QUEUED),
    (S.QUEUED, A.PAUSE, S.PAUSED),
    (S.RUNNING, A.PAUSE, S.PAUSED),
    (S.PAUSED, A.STEP, S.PAUSED),
    (S.QUEUED, A.STOP, S.STOPPED),
    (S.PAUSED, A.STOP, S.STOPPED),
    (S.RUNNING, A.STOP, S.STOPPING),
    (S.STOPPING, A.STOP, S.STOPPING),
    (S.STOPPING, A.HALT, S.STOPPED),
    (S.RUNNING, A.REQUEUE, S.QUEUED),
    *[(s, A.FINISH, S.COMPLETED) for s in (S.QUEUED, S.RUNNING, S.PAUSED, S.STOPPING)],
    *[(s, A.FAIL, S.FAILED) for s in (S.QUEUED, S.RUNNING, S.PAUSED, S.STOPPING)],
]


def test_the_table_holds_exactly_the_allowed_transitions():
    assert {(status, action): to for status, action, to in ALLOWED} == TRANSITIONS


@pytest.mark.parametrize("status, action, to", ALLOWED)
def test_each_allowed_transition_has_its_exact_target(status, action, to):
    assert next_status(status, action) == to


@pytest.mark.parametrize(
    "status, action",
    [
        (S.RUNNING, A.RESUME),
        (S.QUEUED, A.STEP),
        (S.RUNNING, A.STEP),
        (S.PAUSED, A.PAUSE),
        (S.STOPPING, A.PAUSE),
        (S.RUNNING, A.ADMIT),
        (S.PAUSED, A.ADMIT),
        (S.RUNNING, A.HALT),
        (S.QUEUED, A.REQUEUE),
        (S.STOPPED, A.START),
        (S.COMPLETED, A.FINISH),
        (S.FAILED, A.FAIL),
    ],
)
def test_a_transition_missing_from_the_table_is_not_allowed(status, action):
    assert next_status(status, action) is None


def test_final_statuses_are_left_only_by_resuming_a_failed_run():
    sources = {status for status, _ in TRANSITIONS}
    assert set(RunStatus) - sources == {S.STOPPED, S.COMPLETED}
    leaving = {(status, action) for status, action in TRANSITIONS if status in FINAL_RUN_STATUSES}
    assert leaving == {(S.FAILED, A.RESUME)}
    assert set(FINAL_RUN_STATUSES) == {S.STOPPED, S.COMPLETED, S.FAILED}
    assert not set(EXECUTING_RUN_STATUSES) & set(FINAL_RUN_STATUSES)


def test_finishing_and_failing_lead_only_to_final_statuses():
    for (_, action), to in TRANSITIONS.items():
        if action in (A.FINISH, A.FAIL, A.HALT):
            assert to in FINAL_RUN_STATUSES


@pytest.fixture
def no_slices(monkeypatch):
    """Nothing leaves this process: enqueued slices and evaluations are only recorded."""
    sent: list[tuple[str, int]] = []
    monkeypatch.setattr(
        leases, "enqueue_slice", lambda run_id, token=None: sent.append(("slice", run_id))
    )
    monkeypatch.setattr(
        leases, "enqueue_evaluation", lambda run_id: sent.append(("evaluate", run_id))
    )
    return sent


def new_run(*, start: bool = False, status: RunStatus | None = None, **fields) -> Run:
    run = run_create(version=small_flood_version(max_ticks=5), start=start)
    if status is not None or fields:
        Run.objects.filter(pk=run.pk).update(**({"status": status} if status else {}), **fields)
        run.refresh_from_db()
    return run


def status_of(run: Run) -> str:
    return Run.objects.values_list("status", flat=True).get(pk=run.pk)


@pytest.mark.django_db(transaction=True)
class TestControlsFollowTheTable:
    def test_start_queues_a_run_created_paused(self, no_slices, settings):
        settings.SIMENGINE_MAX_CONCURRENT_RUNS = 1
        blocker = new_run(status=S.RUNNING)
        run = new_run()
        assert run_start(run=run).status == S.QUEUED
        assert (status_of(run), status_of(blocker)) == (S.QUEUED, S.RUNNING)

    def test_pause_then_resume_goes_paused_then_queued(self, no_slices, settings):
        settings.SIMENGINE_MAX_CONCURRENT_RUNS = 1
        new_run(status=S.RUNNING)
        run = new_run(status=S.RUNNING)
        assert run_pause(run=run).status == S.PAUSED
        assert run_resume(run=run).status == S.QUEUED

    def test_step_keeps_a_paused_run_paused_with_one_pending_tick(self, no_slices):
        run = run_step(run=new_run())
        run.refresh_from_db()
        assert (run.status, run.pending_steps) == (S.PAUSED, 1)
        assert no_slices == [("slice", run.pk)]

    def test_stop_of_a_running_run_waits_for_its_slice_then_halt_ends_it(self, no_slices):
        run = new_run(
            status=S.RUNNING,
            lease_holder="slice-1",
            lease_expires_at=timezone.now() + timedelta(seconds=60),
        )
        assert run_stop(run=run).status == S.STOPPING
        assert run_stop(run=run).status == S.STOPPING
        run_halt(run.pk)
        run.refresh_from_db()
        assert (run.status, run.end_reason) == (S.STOPPED, "stopped by operator")

    @pytest.mark.parametrize(
        "status, lease",
        [
            (S.QUEUED, {}),
            (S.PAUSED, {}),
            (S.RUNNING, {}),  # admitted, its slice not yet picked up (or lost)
            (S.RUNNING, {"lease_holder": "dead", "lease_expires_at": timezone.now()}),
            (S.STOPPING, {"lease_holder": "dead", "lease_expires_at": timezone.now()}),
        ],
    )
    def test_stop_of_a_run_nothing_executes_ends_it_at_once(self, no_slices, status, lease):
        run = run_stop(run=new_run(status=status, **lease))
        assert (run.status, run.end_reason, status_of(run)) == (
            S.STOPPED,
            "stopped by operator",
            S.STOPPED,
        )
        actions = list(run.events.values_list("type", "data__action"))
        assert actions == [("control", "stop"), ("run_ended", None)]

    @pytest.mark.parametrize(
        "control, status, reason",
        [
            (run_pause, S.PAUSED, "cannot pause run {pk}: it is paused"),
            (run_pause, S.STOPPING, "cannot pause run {pk}: it is stopping"),
            (run_resume, S.RUNNING, "cannot resume run {pk}: it is running, not paused or failed"),
            (run_start, S.QUEUED, "cannot start run {pk}: it is queued, not paused"),
            (run_step, S.RUNNING, "cannot step run {pk}: it is running; pause it first to step"),
            (run_stop, S.STOPPED, "cannot stop run {pk}: it is stopped"),
            (run_start, S.COMPLETED, "cannot start run {pk}: it is completed"),
            (run_step, S.FAILED, "cannot step run {pk}: it is failed"),
        ],
    )
    def test_a_refused_control_says_why_and_changes_nothing(
        self, no_slices, control, status, reason
    ):
        run = new_run(status=status)
        with pytest.raises(ControlRefused) as refused:
            control(run=run)
        assert refused.value.reason == reason.format(pk=run.pk)
        assert status_of(run) == status

    @pytest.mark.parametrize(
        "control, reason",
        [
            (run_step, "cannot step run {pk}: the previous step is still running"),
            (run_resume, "cannot resume run {pk}: a single step is in progress"),
            (run_start, "cannot start run {pk}: a single step is in progress"),
        ],
    )
    def test_a_pending_step_refuses_another_step_and_a_resume(self, no_slices, control, reason):
        run = new_run(pending_steps=1)
        with pytest.raises(ControlRefused) as refused:
            control(run=run)
        assert refused.value.reason == reason.format(pk=run.pk)


@pytest.mark.django_db(transaction=True)
class TestTheEndOfARun:
    def test_finish_completes_the_run_and_enqueues_its_evaluation(self, no_slices):
        run = new_run(status=S.RUNNING)
        run_finish(run.pk, reason="max_ticks")
        run.refresh_from_db()
        assert (run.status, run.end_reason, run.pending_steps) == (S.COMPLETED, "max_ticks", 0)
        assert no_slices == [("evaluate", run.pk)]

    def test_fail_records_the_error(self, no_slices):
        run = new_run(status=S.RUNNING)
        run_fail(run.pk, error="boom")
        run.refresh_from_db()
        assert (run.status, run.end_reason, run.error) == (S.FAILED, "error", "boom")
        assert no_slices == []

    def test_a_second_end_of_an_ended_run_changes_nothing(self, no_slices):
        run = new_run(status=S.RUNNING)
        run_finish(run.pk, reason="success")
        run_fail(run.pk, error="late")
        run.refresh_from_db()
        assert (run.status, run.error) == (S.COMPLETED, "")
        assert run.events.filter(type="run_ended").count() == 1

    def test_a_failed_run_can_be_resumed_from_its_last_tick(self, no_slices, settings):
        run = new_run(status=S.RUNNING, current_step=3)
        run_fail(run.pk, error="boom")
        run = run_resume(run=run)
        run.refresh_from_db()
        assert (run.status, run.error, run.end_reason, run.finished_at) == (
            S.RUNNING,
            "",
            "",
            None,
        )
        assert ("slice", run.pk) in no_slices
        assert list(run.events.values_list("type", "data__action")) == [
            ("run_ended", None),
            ("control", "resume"),
        ]

    def test_halt_of_a_run_not_asked_to_stop_is_refused(self, no_slices):
        run = new_run(status=S.RUNNING)
        with pytest.raises(ControlRefused, match="cannot halt run"):
            run_halt(run.pk)
        assert status_of(run) == S.RUNNING

    def test_an_ended_run_is_announced_with_its_batch(self, no_slices):
        heard = []

        def listener(**kwargs):
            heard.append((kwargs["run_id"], kwargs["batch_id"], kwargs["status"]))

        run_finished.connect(listener)
        try:
            run = new_run(status=S.RUNNING)
            run_fail(run.pk, error="x")
        finally:
            run_finished.disconnect(listener)
        assert heard == [(run.pk, None, S.FAILED)]

    def test_the_end_of_a_batch_s_last_run_closes_the_batch(self, no_slices, settings):
        settings.SIMENGINE_MAX_CONCURRENT_RUNS = 5
        batch = batch_create(version=small_flood_version(max_ticks=3), seeds_per_cell=2)
        first, second = Run.objects.filter(batch=batch).order_by("id")
        assert (status_of(first), status_of(second)) == (S.RUNNING, S.RUNNING)
        run_finish(first.pk, reason="max_ticks")
        assert Batch.objects.get(pk=batch.pk).status == "running"
        run_fail(second.pk, error="x")
        batch.refresh_from_db()
        assert batch.status == "completed"
        assert batch_progress(batch)["done"] == 2

    def test_an_ended_run_frees_its_slot_for_the_oldest_queued_run(self, no_slices, settings):
        settings.SIMENGINE_MAX_CONCURRENT_RUNS = 1
        running = new_run(status=S.RUNNING)
        waiting = new_run(start=True)
        assert status_of(waiting) == S.QUEUED
        run_finish(running.pk, reason="success")
        assert status_of(waiting) == S.RUNNING
        assert ("slice", waiting.pk) in no_slices


@pytest.mark.django_db(transaction=True)
def test_admission_starts_queued_runs_up_to_the_limit_oldest_first(no_slices, settings):
    settings.SIMENGINE_MAX_CONCURRENT_RUNS = 2
    runs = [new_run(status=S.QUEUED) for _ in range(3)]
    assert runs_admit() == [runs[0].pk, runs[1].pk]
    assert [status_of(r) for r in runs] == [S.RUNNING, S.RUNNING, S.QUEUED]
    assert no_slices == [("slice", runs[0].pk), ("slice", runs[1].pk)]
    assert runs_admit() == []


@pytest.mark.django_db(transaction=True)
def test_recovery_requeues_orphans_halts_stopping_runs_and_replays_pending_steps(
    no_slices, settings
):
    settings.SIMENGINE_MAX_CONCURRENT_RUNS = 1
    blocker = new_run(status=S.PAUSED)
    orphan = new_run(status=S.RUNNING)
    stopping = new_run(status=S.STOPPING)
    stepping = new_run(pending_steps=1)
    assert sorted(runs_recover_in_process()) == sorted([orphan.pk, stepping.pk])
    assert status_of(stopping) == S.STOPPED
    assert status_of(orphan) == S.RUNNING  # re-queued, then admitted to the free slot
    assert status_of(blocker) == S.PAUSED
    assert ("slice", stepping.pk) in no_slices


def test_the_executor_sends_tasks_by_name_to_the_configured_queue(settings, monkeypatch):
    sent = []
    monkeypatch.setattr(
        celery_app, "send_task", lambda name, args, queue: sent.append((name, args, queue))
    )
    settings.SIMENGINE_EXECUTOR = "celery"
    settings.SIMENGINE_CELERY_QUEUE = "q-test"
    executor.enqueue_slice(7)
    executor.enqueue_evaluation(8)
    assert sent == [("runs.run_slice", (7,), "q-test"), ("runs.evaluate_run", (8,), "q-test")]


def test_the_in_process_executor_runs_the_handler_registered_at_app_start():
    from runs_app.services.evaluation import evaluation_auto
    from runs_app.services.execution import execute_slice
    from runs_app.services.watchdog import watchdog_run

    assert executor._handlers == {
        executor.SLICE_TASK: execute_slice,
        executor.EVALUATION_TASK: evaluation_auto,
        executor.WATCHDOG_TASK: watchdog_run,
    }


def test_celery_tasks_are_registered_under_the_names_the_executor_sends():
    from runs_app.tasks import evaluate_run, run_slice

    assert (run_slice.name, evaluate_run.name) == (executor.SLICE_TASK, executor.EVALUATION_TASK)
    assert run_slice.acks_late and run_slice.reject_on_worker_lost
    assert evaluate_run.acks_late and evaluate_run.reject_on_worker_lost


def _final_status_names(node: ast.AST) -> set[str]:
    """The final statuses a literal element names, as a string or as `RunStatus.<NAME>`."""
    finals = {str(status) for status in FINAL_RUN_STATUSES}
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in finals:
        return {node.value}
    if isinstance(node, ast.Attribute) and node.attr.lower() in finals:
        return {node.attr.lower()}
    return set()


def test_no_module_writes_its_own_list_of_final_statuses():
    root = Path(__file__).resolve().parents[2]
    own_lists = []
    for package in ("runs_app", "agents_app", "scenarios_app", "simengine", "bench"):
        for path in (root / package).rglob("*.py"):
            if path == root / "runs_app" / "models.py" or "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Tuple | ast.List | ast.Set):
                    named = set().union(*(_final_status_names(e) for e in node.elts))
                    if len(named) >= 2:
                        own_lists.append(f"{path.relative_to(root)}:{node.lineno}")
    assert own_lists == []
