"""What came of each recorded model call: ok, repaired, no-op, provider error, timeout.

A call's outcome depends on the calls around it: an invalid first answer is "repaired" when
the one repair that follows it succeeds, and "noop" when the repair fails too (the decision
then fell back to a recorded no-op). Both the sink (as calls are written) and the migration
that backfills older rows classify through `call_outcomes`, so they agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

OK = "ok"
REPAIRED = "repaired"
NOOP = "noop"
PROVIDER_ERROR = "provider_error"
TIMEOUT = "timeout"

# (value, label) in the order people read them; the model's choices come from here.
OUTCOME_CHOICES = (
    (OK, "ok"),
    (REPAIRED, "repaired"),
    (NOOP, "fell back to a no-op"),
    (PROVIDER_ERROR, "provider error"),
    (TIMEOUT, "timeout"),
)

# How providers word a timeout (the text a call's error keeps); used for rows recorded
# before `timed_out` existed.
TIMEOUT_WORDS = ("did not answer within", "timed out", "timeout")


@dataclass(frozen=True)
class CallFacts:
    """What classification needs from one call, in the order the calls were made."""

    who: str  # the agent (or "" for run-level calls): a repair follows its own first call
    purpose: str
    usable: bool  # the answer was parsed and checked
    error: str = ""
    timed_out: bool = False


def is_repair(purpose: str) -> bool:
    """A repair call's purpose: `repair` (decisions) or `<purpose>_repair` (the others)."""
    return purpose == "repair" or purpose.endswith("_repair")


def error_outcome(error: str, timed_out: bool = False) -> str:
    """`timeout` or `provider_error` for a call the provider did not answer."""
    if timed_out or any(word in error.lower() for word in TIMEOUT_WORDS):
        return TIMEOUT
    return PROVIDER_ERROR


def call_outcomes(calls: Sequence[CallFacts]) -> list[str]:
    """One outcome per call, in order (see the module docstring)."""
    outcomes: list[str] = []
    for index, call in enumerate(calls):
        if call.error:
            outcomes.append(error_outcome(call.error, call.timed_out))
        elif is_repair(call.purpose):
            outcomes.append(REPAIRED if call.usable else NOOP)
        elif call.usable:
            outcomes.append(OK)
        else:
            repair = _repair_after(calls, index)
            outcomes.append(REPAIRED if repair is not None and repair.usable else NOOP)
    return outcomes


def _repair_after(calls: Sequence[CallFacts], index: int) -> CallFacts | None:
    first = calls[index]
    for later in calls[index + 1 :]:
        if later.who != first.who:
            continue
        return later if is_repair(later.purpose) else None
    return None
