"""The watchdog: every run moves on or ends, whatever happened to its slice.

It also sends again the automatic evaluation of a completed run whose message could not be
sent (broker down) or was lost (`Run.evaluation_due_at` passed), once per due time.

A sweep finds runs whose slice lease ran out (worker killed, message lost in a broker
restart, broker unreachable when the next slice was sent): a `running` run (or a paused
run with a step pending) gets its slice sent again, exactly once per lease (the sweep
locks the rows it takes and writes a new lease before it commits); a `stopping` run is
stopped. Then queued runs are admitted into the slots that frees.

No `celery beat` is needed: sweeps form one self-rescheduling chain of tasks (or timers
in the in-process executor). Each worker starts one at start-up; the chain whose token
the "watchdog" scheduler row names continues, the others end after their sweep, and a
chain that died (its next sweep lost) is replaced by the next start-up or slice that
finds it overdue.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from runs_app.executor import enqueue_watchdog
from runs_app.models import Run, RunStatus, SchedulerLock
from runs_app.services.leases import (
    BROKER_ERRORS,
    evaluation_send,
    lease_seconds,
    slice_new_token,
    slice_send,
)
from runs_app.services.lifecycle import run_halt_stranded, runs_admit

logger = logging.getLogger(__name__)

WATCHDOG_ROW = "watchdog"
SWEEP_LIMIT = 200  # runs re-sent per sweep; the next sweep takes the rest


@dataclass
class Sweep:
    """What one sweep did: runs whose slice or evaluation was sent again, stopped, admitted."""

    resent: list[int] = field(default_factory=list)
    stopped: list[int] = field(default_factory=list)
    admitted: list[int] = field(default_factory=list)
    evaluations: list[int] = field(default_factory=list)


def _stale(now: datetime) -> Q:
    never_leased = Q(lease_expires_at=None, updated_at__lt=now - timedelta(seconds=lease_seconds()))
    return Q(lease_expires_at__lt=now) | never_leased


def runs_sweep() -> Sweep:
    """Re-send lost slices (once per lease), stop stranded stopping runs, admit queued runs."""
    now = timezone.now()
    sweep = Sweep()
    advancing = Q(status=RunStatus.RUNNING) | Q(status=RunStatus.PAUSED, pending_steps__gt=0)
    with transaction.atomic():
        lost = (
            Run.objects.select_for_update(skip_locked=True)
            .filter(advancing, _stale(now))
            .order_by("lease_expires_at", "id")
            .values_list("id", flat=True)[:SWEEP_LIMIT]
        )
        tokens = {run_id: slice_new_token(run_id) for run_id in lost}
    for run_id, token in tokens.items():
        if token is not None and slice_send(run_id, token):
            sweep.resent.append(run_id)
    stopping = Run.objects.filter(_stale(now), status=RunStatus.STOPPING).values_list(
        "id", flat=True
    )
    sweep.stopped = [run_id for run_id in stopping[:SWEEP_LIMIT] if run_halt_stranded(run_id)]
    sweep.admitted = runs_admit()
    due = Run.objects.filter(evaluation_due_at__lt=now).order_by("evaluation_due_at", "id")
    for run_id in due.values_list("id", flat=True)[:SWEEP_LIMIT]:
        if evaluation_send(run_id):
            sweep.evaluations.append(run_id)
    if sweep.evaluations:
        logger.warning("watchdog: sent the evaluations of runs %s again", sweep.evaluations)
    if sweep.resent or sweep.stopped:
        logger.warning(
            "watchdog: sent the lost slices of runs %s again, stopped stranded runs %s",
            sweep.resent,
            sweep.stopped,
        )
    return sweep


START, CHECK = "", "check"


def watchdog_run(token: str = START) -> Sweep:
    """One link of the sweep chain: sweep, then schedule the next sweep if this chain leads.

    `token` START (a worker connected) or CHECK takes the lead only when the current chain
    is overdue, so several workers still sweep about once per interval in total. A START
    that finds the chain alive schedules one CHECK for when a chain that just died (its
    next link lost with the broker's memory) would be overdue.
    """
    sweep = runs_sweep()
    if not watchdog_ensure(token) and token == START:
        interval = settings.SIMENGINE_WATCHDOG_INTERVAL
        try:
            enqueue_watchdog(CHECK, countdown=2 * interval + 1)
        except BROKER_ERRORS as exc:
            logger.warning("watchdog: could not schedule a check of the chain: %s", exc)
    return sweep


def watchdog_ensure(token: str = "") -> bool:
    """Schedule the next sweep if chain `token` leads, or if the leading chain is overdue."""
    interval = settings.SIMENGINE_WATCHDOG_INTERVAL
    now = timezone.now()
    successor = uuid.uuid4().hex
    SchedulerLock.objects.get_or_create(name=WATCHDOG_ROW)
    leads = Q(token=token) if token not in (START, CHECK) else Q(pk__in=[])
    overdue = Q(due_at=None) | Q(due_at__lt=now - timedelta(seconds=interval))
    took = SchedulerLock.objects.filter(Q(name=WATCHDOG_ROW), leads | overdue).update(
        token=successor, due_at=now + timedelta(seconds=interval)
    )
    if not took:
        return False
    try:
        enqueue_watchdog(successor, countdown=interval)
    except BROKER_ERRORS as exc:  # the chain is overdue next time: a slice or start restarts it
        logger.warning("watchdog: could not schedule the next sweep: %s", exc)
        return False
    return True
