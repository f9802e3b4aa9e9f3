"""`manage.py simulate --fork RUN_ID:STEP`: a stored run continued from one of its ticks."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from runs_app.models import Run
from runs_app.services.runs import run_create
from tests.runs_app.factories import small_flood_version, wait_until_final

pytestmark = pytest.mark.django_db(transaction=True)


def simulate(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("simulate", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_fork_runs_from_the_next_tick_and_prints_its_summary(tmp_path):
    parent = wait_until_final(run_create(version=small_flood_version(max_ticks=6), seed=3))
    trace = tmp_path / "fork.jsonl"
    out, _ = simulate(
        "--fork", f"{parent.pk}:3", "--seed", "8", "--message", "Go!", "--jsonl", str(trace)
    )
    fork = Run.objects.get(parent=parent)
    lines = out.splitlines()
    assert lines[:4] == [
        f"run {fork.pk}: forked from run {parent.pk} at tick 3",
        "Small flood, seed 8",
        "status: completed (max_ticks: reached max_ticks (6))",
        "ticks: 6",
    ]
    ticks = {json.loads(line)["tick"] for line in trace.read_text().splitlines()}
    assert min(t for t in ticks if t > 3) == 4 and max(ticks) == 6
    assert fork.pending_controls.get().payload == {"to": "all", "text": "Go!"}


def test_a_fork_point_the_run_has_not_stored_is_refused_naming_it():
    parent = wait_until_final(run_create(version=small_flood_version(max_ticks=4), seed=3))
    with pytest.raises(CommandError, match="there is no tick 9"):
        simulate("--fork", f"{parent.pk}:9")
    with pytest.raises(CommandError, match="expected RUN_ID:STEP"):
        simulate("--fork", "three")
    with pytest.raises(CommandError, match="there is no run 424242"):
        simulate("--fork", "424242:1")
    assert Run.objects.count() == 1
