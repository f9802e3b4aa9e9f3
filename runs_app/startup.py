"""What the web process does once when it starts serving."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError

from runs_app.services.lifecycle import runs_recover_in_process

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
