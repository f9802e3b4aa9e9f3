"""Admission of queued runs under SIMENGINE_MAX_CONCURRENT_RUNS and each batch's concurrency.

Admission happens in one transaction holding the scheduler row lock, so it is serial
across every web process and worker sharing the database.
"""

from __future__ import annotations

from collections import Counter

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from runs_app.broadcast import broadcast_to_run, status_changed_payload
from runs_app.executor import enqueue_slice
from runs_app.models import Batch, Run, RunStatus, SchedulerLock

EXECUTING_STATUSES = (RunStatus.RUNNING, RunStatus.STOPPING)


def runs_admit() -> list[int]:
    """Start as many queued runs as the limits allow, oldest first; returns the started ids."""
    with transaction.atomic():
        SchedulerLock.objects.select_for_update().get_or_create(name="runs")
        executing = Run.objects.filter(status__in=EXECUTING_STATUSES)
        free = settings.SIMENGINE_MAX_CONCURRENT_RUNS - executing.count()
        if free <= 0:
            return []
        per_batch = Counter(executing.exclude(batch=None).values_list("batch_id", flat=True))
        queued = Run.objects.filter(status=RunStatus.QUEUED).order_by("created_at", "id")
        candidates = list(queued.filter(batch=None).values_list("created_at", "id")[:free])
        batch_ids = (
            queued.exclude(batch=None).order_by().values_list("batch_id", flat=True).distinct()
        )
        for batch in Batch.objects.filter(pk__in=list(batch_ids)).only("id", "concurrency"):
            room = min(free, batch.concurrency - per_batch[batch.id])
            if room > 0:
                candidates += queued.filter(batch=batch).values_list("created_at", "id")[:room]
        started = [run_id for _, run_id in sorted(candidates)[:free]]
        if started:
            Run.objects.filter(pk__in=started).update(status=RunStatus.RUNNING)
            Run.objects.filter(pk__in=started, started_at=None).update(started_at=timezone.now())
            for run_id in started:
                transaction.on_commit(lambda run_id=run_id: _announce_and_enqueue(run_id))
    return started


def _announce_and_enqueue(run_id: int) -> None:
    step = Run.objects.filter(pk=run_id).values_list("current_step", flat=True).first() or 0
    broadcast_to_run(run_id, status_changed_payload(run_id=run_id, status="running", step=step))
    enqueue_slice(run_id)


def runs_recover_in_process() -> list[int]:
    """After the web process restarts with the in-process executor, pick up its runs.

    Runs that were executing (or being single-stepped) in the threads of the previous
    process have no slice in flight any more: put them back in the queue (or re-enqueue
    the pending step) so they resume from their last committed tick.
    """
    with transaction.atomic():
        orphaned = Run.objects.select_for_update().filter(status__in=EXECUTING_STATUSES)
        stopping = list(orphaned.filter(status=RunStatus.STOPPING).values_list("id", flat=True))
        resumed = list(orphaned.filter(status=RunStatus.RUNNING).values_list("id", flat=True))
        Run.objects.filter(pk__in=resumed).update(status=RunStatus.QUEUED)
        stepping = list(
            Run.objects.filter(status=RunStatus.PAUSED, pending_steps__gt=0).values_list(
                "id", flat=True
            )
        )
        for run_id in stepping:
            transaction.on_commit(lambda run_id=run_id: enqueue_slice(run_id))
    if stopping:
        from runs_app.services.execution import run_finish

        for run_id in stopping:
            run_finish(run_id, status=RunStatus.STOPPED, reason="stopped by operator")
    runs_admit()
    return resumed + stepping
