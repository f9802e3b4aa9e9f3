"""What the web process does once when it starts serving, and a worker when it is ready."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError

from runs_app.executor import enqueue_watchdog
from runs_app.services.lifecycle import runs_recover_in_process
from runs_app.services.watchdog import watchdog_ensure

logger = logging.getLogger(__name__)


def resume_in_process_runs() -> None:
    """With the in-process executor, resume the runs the previous process was executing."""
    if settings.SIMENGINE_EXECUTOR != "thread":
        return
    try:
        resumed = runs_recover_in_process()
    except DatabaseError as exc:  # e.g. not migrated yet: serving must not fail for it
        logger.warning("could not resume runs from a previous start: %s", exc)
        return
    if resumed:
        logger.info("resumed runs %s from the last committed tick", resumed)
    try:
        watchdog_ensure()  # sweeps from timers in this process from now on
    except DatabaseError as exc:
        logger.warning("could not start the watchdog: %s", exc)


def start_watchdog_on_worker() -> None:
    """A worker connected to the broker: a start-up sweep, which revives a dead sweep chain.

    Only sends a task (no database work in the worker's main process, whose children fork
    from it); the sweep runs in a pool process.
    """
    try:
        enqueue_watchdog("")
    except Exception as exc:  # the broker just connected; a failure here must not stop it
        logger.warning("could not schedule the start-up sweep: %s", exc)
