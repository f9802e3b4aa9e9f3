"""The slice lease: at most one slice advances a run, and a lost slice is noticed.

Every slice message carries the run's current `slice_token`. A delivery may advance the
run only if its token is current and no live slice holds the lease: it claims the lease
with one compare-and-set UPDATE, renews it while it executes (the slice guard's
heartbeat) and hands it over with the next token when it enqueues its successor. So a
redelivered or duplicated message cannot advance a run twice, and a slice that died
(worker killed, message lost in a broker restart) leaves a lease that runs out: the
watchdog (runs_app.services.watchdog) then sends the same token again, once per lease.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from runs_app.executor import enqueue_evaluation, enqueue_slice
from runs_app.models import Run

logger = logging.getLogger(__name__)

# What sending a task raises while the broker is unreachable.
BROKER_ERRORS: tuple[type[BaseException], ...] = (
    KombuOperationalError,
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,
    TimeoutError,
)


def lease_seconds() -> int:
    """How long a slice may go without a sign of life before the watchdog acts."""
    return settings.SIMENGINE_RUN_LEASE_SECONDS


def _lease_end() -> datetime:
    return timezone.now() + timedelta(seconds=lease_seconds())


def slice_dispatch(run_id: int, *, holder: str | None = None) -> bool:
    """Give the run a fresh slice token and send its slice once the transaction commits.

    With `holder`, the executing slice hands its lease over: nothing happens unless it
    still holds it. Returns whether the token was written (the send itself may still fail:
    then the lease runs out and the watchdog sends it again).
    """
    token = slice_new_token(run_id, holder=holder)
    if token is not None:
        transaction.on_commit(partial(slice_send, run_id, token))
    return token is not None


def slice_new_token(run_id: int, *, holder: str | None = None) -> str | None:
    """Write a fresh slice token (lease free, due within a lease); the caller sends it."""
    token = uuid.uuid4().hex
    rows = Run.objects.filter(pk=run_id)
    if holder is not None:
        rows = rows.filter(lease_holder=holder)
    written = rows.update(slice_token=token, lease_holder="", lease_expires_at=_lease_end())
    return token if written else None


def slice_send(run_id: int, token: str) -> bool:
    """Send the slice message for `token`; False (logged) when the broker is unreachable."""
    try:
        enqueue_slice(run_id, token=token)
    except BROKER_ERRORS as exc:
        logger.warning(
            "could not enqueue the next slice of run %s (%s); the watchdog sends it again "
            "within %s s once the broker is back",
            run_id,
            exc,
            lease_seconds(),
        )
        return False
    return True


def slice_claim(run_id: int, token: str | None) -> str | None:
    """Claim the lease for a slice delivered with `token`; returns the holder id or None.

    None means another slice holds the lease, or the token is stale (a later slice was
    sent): this delivery must not advance the run. A message without a token (sent
    before leases existed, or a direct call) may claim a free lease.
    """
    holder = uuid.uuid4().hex
    now = timezone.now()
    rows = Run.objects.filter(pk=run_id).filter(Q(lease_holder="") | Q(lease_expires_at__lt=now))
    if token is not None:
        rows = rows.filter(slice_token=token)
    claimed = rows.update(lease_holder=holder, lease_expires_at=_lease_end())
    return holder if claimed else None


def slice_renew(run_id: int, holder: str) -> bool:
    """Extend the lease of the slice `holder`; False when it has lost the lease."""
    renewed = Run.objects.filter(pk=run_id, lease_holder=holder).update(
        lease_expires_at=_lease_end()
    )
    return bool(renewed)


def slice_release(run_id: int, holder: str) -> None:
    """The slice ends without a successor (run paused, ended or handed on): free the lease."""
    Run.objects.filter(pk=run_id, lease_holder=holder).update(
        lease_holder="", lease_expires_at=None
    )


def slice_held(run: Run) -> bool:
    """Whether a live slice executes the (locked, fresh) run now."""
    return bool(run.lease_holder) and (
        run.lease_expires_at is not None and run.lease_expires_at > timezone.now()
    )


# How long a sent evaluation may take before the watchdog sends it again (a model can be
# slow; the evaluation itself skips evaluators that already scored the run).
EVALUATION_RESEND_SECONDS = 15 * 60


def evaluation_send(run_id: int) -> bool:
    """Send the run's pending evaluation once: claim it, send it, or give it back.

    The claim is one conditional UPDATE (due -> due again in EVALUATION_RESEND_SECONDS), so
    of the commit hook and any number of watchdog sweeps exactly one sends it per due
    time. When the broker is unreachable the claim is given back (due now): the next sweep
    sends it. Returns whether a message was sent.
    """
    now = timezone.now()
    claimed = Run.objects.filter(pk=run_id, evaluation_due_at__lte=now).update(
        evaluation_due_at=now + timedelta(seconds=EVALUATION_RESEND_SECONDS)
    )
    if not claimed:
        return False
    try:
        enqueue_evaluation(run_id)
    except BROKER_ERRORS as exc:
        Run.objects.filter(pk=run_id).update(evaluation_due_at=now)
        logger.warning(
            "could not enqueue the evaluation of run %s (%s); the watchdog sends it once the "
            "broker is back",
            run_id,
            exc,
        )
        return False
    return True


def evaluation_done(run_id: int) -> None:
    """The run's automatic evaluation ran (whatever came of it): nothing is pending."""
    Run.objects.filter(pk=run_id).update(evaluation_due_at=None)
