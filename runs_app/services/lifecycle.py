"""Every change of a run's status, driven by one table of allowed transitions.

A run is created queued (or paused when not started). From there it moves only through
`TRANSITIONS`: the operator's controls (start, pause, resume, step, stop), the
scheduler's admission under SIMENGINE_MAX_CONCURRENT_RUNS, the executing slice's end
(finish, halt, fail) and the restart recovery of the in-process executor. A pair the
table lacks is refused with `ControlRefused`, whose reason the API returns as 409.

A run that is admitted gets its first slice through the slice lease (runs_app.services.
leases); when the broker cannot take it, the run goes back to the queue and the watchdog
admits it again. A failed run (an error of the simulation itself) can be resumed.

A run that ends frees its slot, so the next queued runs are admitted here too, and
`run_finished` is announced for the listeners wired in runs_app.apps (batches): this
module imports no listener and the executor imports no service, so imports point one way.
"""

from __future__ import annotations

import functools
import logging
from collections import Counter
from enum import StrEnum

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from runs_app.broadcast import broadcast_to_run, status_changed_payload
from runs_app.models import (
    ACTIVE_RUN_STATUSES,
    EXECUTING_RUN_STATUSES,
    FINAL_RUN_STATUSES,
    Batch,
    Run,
    RunOutcome,
    RunStatus,
    SchedulerLock,
)
from runs_app.services.errors import ControlRefused
from runs_app.services.leases import (
    evaluation_send,
    slice_dispatch,
    slice_held,
    slice_new_token,
    slice_send,
)
from runs_app.signals import run_finished

logger = logging.getLogger(__name__)

STOPPED_BY_OPERATOR = "stopped by operator"

# The engine's end reasons (simengine.core.termination.END_REASONS) as outcomes. A run whose
# every agent the operator terminated was stopped by the operator; an event-mode run with
# nothing left to happen ended without a verdict, as at max_ticks.
_OUTCOME_BY_REASON = {
    "success": RunOutcome.SUCCESS,
    "failure": RunOutcome.FAILURE,
    "max_ticks": RunOutcome.MAX_TICKS,
    "idle": RunOutcome.MAX_TICKS,
    "no_active_agents": RunOutcome.STOPPED,
    "stopped": RunOutcome.STOPPED,
    STOPPED_BY_OPERATOR: RunOutcome.STOPPED,
}


def run_outcome(status: str, reason: str) -> RunOutcome:
    """The outcome of a run that ended with `status` because of `reason`."""
    if status == RunStatus.FAILED:
        return RunOutcome.ERROR
    if status == RunStatus.STOPPED:
        return RunOutcome.STOPPED
    if status == RunStatus.COMPLETED:
        return _OUTCOME_BY_REASON.get(reason, RunOutcome.MAX_TICKS)
    return RunOutcome.NONE


class RunAction(StrEnum):
    """What can happen to a run; each allowed (status, action) pair is in `TRANSITIONS`."""

    ADMIT = "admit"  # the scheduler gives a queued run a free execution slot
    START = "start"  # the operator starts a run created without starting
    RESUME = "resume"  # the operator resumes a paused run
    PAUSE = "pause"
    STEP = "step"  # one tick of a paused run; it stays paused
    STOP = "stop"  # the operator's stop: at once unless a slice is executing the run
    HALT = "halt"  # the executing slice honours a stop request
    FINISH = "finish"  # the simulation reached its end
    FAIL = "fail"  # the engine raised
    REQUEUE = "requeue"  # recovery: a run orphaned while running, or never sent, waits again


_S, _A = RunStatus, RunAction
_NOT_FINAL = (_S.QUEUED, _S.RUNNING, _S.PAUSED, _S.STOPPING)

# (from status, action) -> to status. Final statuses have no way out.
TRANSITIONS: dict[tuple[RunStatus, RunAction], RunStatus] = {
    (_S.QUEUED, _A.ADMIT): _S.RUNNING,
    (_S.PAUSED, _A.START): _S.QUEUED,
    (_S.PAUSED, _A.RESUME): _S.QUEUED,
    (_S.FAILED, _A.RESUME): _S.QUEUED,  # after an error of the simulation itself
    (_S.QUEUED, _A.PAUSE): _S.PAUSED,
    (_S.RUNNING, _A.PAUSE): _S.PAUSED,
    (_S.PAUSED, _A.STEP): _S.PAUSED,
    (_S.QUEUED, _A.STOP): _S.STOPPED,
    (_S.PAUSED, _A.STOP): _S.STOPPED,
    (_S.RUNNING, _A.STOP): _S.STOPPING,
    (_S.STOPPING, _A.STOP): _S.STOPPING,
    (_S.STOPPING, _A.HALT): _S.STOPPED,
    (_S.RUNNING, _A.REQUEUE): _S.QUEUED,
    # A slice's end stands whatever the status it last read has become since.
    **{(status, _A.FINISH): _S.COMPLETED for status in _NOT_FINAL},
    **{(status, _A.FAIL): _S.FAILED for status in _NOT_FINAL},
}

# What a refusal adds after "it is <status>" when the status is not final.
_WRONG_STATUS_HINTS = {
    _A.START: ", not paused",
    _A.RESUME: ", not paused or failed",
    _A.STEP: "; pause it first to step",
}
# Actions refused while a single step is still pending, with the reason.
_PENDING_STEP_REFUSALS = {
    _A.START: "a single step is in progress",
    _A.RESUME: "a single step is in progress",
    _A.STEP: "the previous step is still running",
}


def next_status(status: str, action: RunAction) -> RunStatus | None:
    """The status `action` moves a run in `status` to, or None when it is not allowed."""
    return TRANSITIONS.get((RunStatus(status), action))


def refuse_if_final(run: Run, doing: str) -> None:
    """Refuse any change (`doing` names it) to a run that has ended."""
    if run.status in FINAL_RUN_STATUSES:
        raise ControlRefused(f"cannot {doing} run {run.pk}: it is {run.status}")


def _target(run: Run, action: RunAction) -> RunStatus:
    """The status `action` moves the locked `run` to, or ControlRefused with the reason."""
    target = next_status(run.status, action)
    if target is None:
        refuse_if_final(run, action)
        hint = _WRONG_STATUS_HINTS.get(action, "")
        raise ControlRefused(f"cannot {action} run {run.pk}: it is {run.status}{hint}")
    if run.pending_steps and action in _PENDING_STEP_REFUSALS:
        raise ControlRefused(f"cannot {action} run {run.pk}: {_PENDING_STEP_REFUSALS[action]}")
    return target


def _locked(run: Run) -> Run:
    return Run.objects.select_for_update().get(pk=run.pk)


def _announce(run: Run) -> None:
    payload = status_changed_payload(run_id=run.pk, status=run.status, step=run.current_step)
    transaction.on_commit(lambda: broadcast_to_run(run.pk, payload))


def _record_control(run: Run, action: str, user: User | None, **data: object) -> None:
    who = getattr(user, "username", "") or "system"
    run.events.create(
        step=run.current_step, type="control", data={"action": action, "by": who, **data}
    )


# ---- the operator's controls ---------------------------------------------------------


def run_start(*, run: Run, user: User | None = None) -> Run:
    """Queue a run that was created without starting (a paused run: same as resume)."""
    return _requeue_paused(run, user, RunAction.START)


def run_resume(*, run: Run, user: User | None = None) -> Run:
    """Queue a paused or failed run again; it resumes from its last committed tick."""
    return _requeue_paused(run, user, RunAction.RESUME)


def _requeue_paused(run: Run, user: User | None, action: RunAction) -> Run:
    with transaction.atomic():
        run = _locked(run)
        failed = run.status == RunStatus.FAILED
        run.status = _target(run, action)
        if failed:  # the failure stays in the run's events; the run is live again
            run.end_reason, run.error, run.finished_at = "", "", None
            run.outcome, run.end_detail = "", ""
        run.save(
            update_fields=[
                "status",
                "end_reason",
                "error",
                "finished_at",
                "outcome",
                "end_detail",
                "updated_at",
            ]
        )
        _record_control(run, action, user)
        _announce(run)
        transaction.on_commit(runs_admit)
    return run


def run_pause(*, run: Run, user: User | None = None) -> Run:
    """Pause a queued or running run; its slice stops at the next tick boundary."""
    with transaction.atomic():
        run = _locked(run)
        run.status = _target(run, RunAction.PAUSE)
        run.save(update_fields=["status", "updated_at"])
        _record_control(run, RunAction.PAUSE, user)
        _announce(run)
    transaction.on_commit(runs_admit)
    return run


def run_step(*, run: Run, user: User | None = None) -> Run:
    """Advance a paused run by exactly one tick."""
    with transaction.atomic():
        run = _locked(run)
        run.status = _target(run, RunAction.STEP)
        run.pending_steps = 1
        run.save(update_fields=["status", "pending_steps", "updated_at"])
        _record_control(run, RunAction.STEP, user, from_step=run.current_step)
        slice_dispatch(run.pk)
    return run


def run_stop(*, run: Run, user: User | None = None) -> Run:
    """Stop a run: at once when no live slice executes it, else within half a second.

    The executing slice's guard sees `stopping`, cancels the tick in flight (model calls
    included) and halts the run; a run whose slice was lost is stopped here at once.
    """
    with transaction.atomic():
        run = _locked(run)
        target = _target(run, RunAction.STOP)
        _record_control(run, RunAction.STOP, user)
        if target in FINAL_RUN_STATUSES:
            _end_locked(run, target, reason=STOPPED_BY_OPERATOR)
        else:
            if target != run.status:
                run.status = target
                run.save(update_fields=["status", "updated_at"])
            if slice_held(run):
                _announce(run)
            else:  # nothing executes it: the queued slice, if any, will find it ended
                _end_locked(run, _target(run, RunAction.HALT), reason=STOPPED_BY_OPERATOR)
    if run.status in FINAL_RUN_STATUSES:
        runs_admit()
    return run


# ---- the end of a run, as the executing slice sees it --------------------------------


def run_finish(run_id: int, *, reason: str, detail: str = "") -> None:
    """The simulation reached its end: the run is completed.

    `reason` is e.g. max_ticks; `detail` e.g. the condition that held.
    """
    _end(run_id, RunAction.FINISH, reason=reason, detail=detail)


def run_halt(run_id: int) -> None:
    """The executing slice honours the operator's stop: the run is stopped."""
    _end(run_id, RunAction.HALT, reason=STOPPED_BY_OPERATOR)


def run_fail(run_id: int, *, error: str) -> None:
    """The engine raised while advancing the run: the run failed with `error`."""
    _end(run_id, RunAction.FAIL, reason="error", error=error)


def run_halt_stranded(run_id: int) -> bool:
    """The watchdog ends a `stopping` run whose slice was lost; False if one holds it again."""
    with transaction.atomic():
        run = Run.objects.select_for_update().get(pk=run_id)
        if run.status != RunStatus.STOPPING or slice_held(run):
            return False
        _end_locked(run, _target(run, RunAction.HALT), reason=STOPPED_BY_OPERATOR)
    runs_admit()
    return True


def _end(run_id: int, action: RunAction, *, reason: str, error: str = "", detail: str = "") -> None:
    with transaction.atomic():
        run = Run.objects.select_for_update().get(pk=run_id)
        if run.status in FINAL_RUN_STATUSES:
            return  # ended already: a redelivered or duplicated slice
        _end_locked(run, _target(run, action), reason=reason, error=error, detail=detail)
    runs_admit()


def _end_locked(
    run: Run, status: RunStatus, *, reason: str, error: str = "", detail: str = ""
) -> None:
    """Record a locked run's final status, outcome and why; announce it once committed."""
    run.status = status
    run.end_reason = reason
    run.outcome = run_outcome(status, reason)
    run.end_detail = detail[:300]
    run.error = error
    run.pending_steps = 0
    run.finished_at = timezone.now()
    if status == RunStatus.COMPLETED:
        run.evaluation_due_at = run.finished_at  # sent on commit, or by the watchdog
    run.save(
        update_fields=[
            "status",
            "end_reason",
            "outcome",
            "end_detail",
            "error",
            "pending_steps",
            "finished_at",
            "evaluation_due_at",
        ]
    )
    run.events.create(
        step=run.current_step,
        type="run_ended",
        data={"status": status, "reason": reason, "outcome": run.outcome, "detail": detail},
    )
    run_id, batch_id = run.pk, run.batch_id
    payload = status_changed_payload(
        run_id=run_id, status=status, step=run.current_step, reason=reason
    )
    transaction.on_commit(lambda: broadcast_to_run(run_id, payload))
    if status == RunStatus.COMPLETED:
        transaction.on_commit(lambda: evaluation_send(run_id))
    transaction.on_commit(
        lambda: run_finished.send(sender=Run, run_id=run_id, batch_id=batch_id, status=status)
    )


# ---- admission and recovery ----------------------------------------------------------

_ADMITTED = TRANSITIONS[(RunStatus.QUEUED, RunAction.ADMIT)]


def runs_admit() -> list[int]:
    """Start as many queued runs as the limits allow, oldest first; returns the started ids.

    Admission holds the scheduler row lock for its transaction, so it is serial across
    every web process and worker sharing the database; each batch keeps to its concurrency.
    """
    with transaction.atomic():
        SchedulerLock.objects.select_for_update().get_or_create(name="runs")
        executing = Run.objects.filter(status__in=EXECUTING_RUN_STATUSES)
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
            Run.objects.filter(pk__in=started).update(status=_ADMITTED)
            Run.objects.filter(pk__in=started, started_at=None).update(started_at=timezone.now())
            for run_id in started:
                transaction.on_commit(functools.partial(_announce_admitted, run_id))
    return started


def runs_beside_batch(batch_id: int) -> bool:
    """Whether any run outside batch `batch_id` executes, waits for a slot or a step.

    When none does, a slice of one of the batch's runs may go on past its tick budget
    (runs_app.services.execution): the only runs it keeps waiting are its siblings.
    """
    others = Q(status__in=ACTIVE_RUN_STATUSES) | Q(status=RunStatus.PAUSED, pending_steps__gt=0)
    return Run.objects.filter(others).exclude(batch_id=batch_id).exists()


def _announce_admitted(run_id: int) -> None:
    """Send the admitted run's first slice; if the broker is down, queue the run again."""
    token = slice_new_token(run_id)
    if token is None:
        return
    if slice_send(run_id, token) or not _requeue_unsent(run_id, token):
        step = Run.objects.filter(pk=run_id).values_list("current_step", flat=True).first() or 0
        payload = status_changed_payload(run_id=run_id, status=_ADMITTED, step=step)
        broadcast_to_run(run_id, payload)


def _requeue_unsent(run_id: int, token: str) -> bool:
    """Put a run whose first slice could not be sent back in the queue.

    The watchdog admits it again once the broker answers. False when it has moved on.
    """
    requeued = TRANSITIONS[(RunStatus.RUNNING, RunAction.REQUEUE)]
    return bool(
        Run.objects.filter(
            pk=run_id, status=RunStatus.RUNNING, slice_token=token, lease_holder=""
        ).update(status=requeued, lease_expires_at=None)
    )


def runs_recover_in_process() -> list[int]:
    """After the web process restarts with the in-process executor, pick up its runs.

    Runs that were executing (or being single-stepped) in the threads of the previous
    process have no slice in flight any more: put them back in the queue (or re-enqueue
    the pending step) so they resume from their last committed tick; runs asked to stop
    are stopped.
    """
    with transaction.atomic():
        orphaned = Run.objects.select_for_update().filter(status__in=EXECUTING_RUN_STATUSES)
        stopping = list(orphaned.filter(status=RunStatus.STOPPING).values_list("id", flat=True))
        resumed = list(orphaned.filter(status=RunStatus.RUNNING).values_list("id", flat=True))
        requeued = TRANSITIONS[(RunStatus.RUNNING, RunAction.REQUEUE)]
        Run.objects.filter(pk__in=resumed).update(status=requeued)
        stepping = list(
            Run.objects.filter(status=RunStatus.PAUSED, pending_steps__gt=0).values_list(
                "id", flat=True
            )
        )
        for run_id in stepping:
            slice_dispatch(run_id)
    for run_id in stopping:
        run_halt(run_id)
    runs_admit()
    return resumed + stepping
