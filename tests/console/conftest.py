from __future__ import annotations

from pathlib import Path

import pytest

from runs_app.models import Run, RunStatus
from runs_app.services.execution import execute_slice
from runs_app.services.runs import run_create
from scenarios_app.services import scenario_import

SAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "riverside_flood.yaml"


@pytest.fixture
def flood_version(db):
    return scenario_import(text=SAMPLE.read_text(encoding="utf-8")).version


def finished_run(version, *, ticks: int = 3, seed: int = 7, user=None) -> Run:
    """A run of `version` on the offline policy executed to its end in this process."""
    run = run_create(
        version=version,
        seed=seed,
        overrides={"model_override": "offline/heuristic", "max_ticks": ticks},
        start=False,
        user=user,
    )
    Run.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    execute_slice(run.pk, max_ticks=ticks + 1)
    run.refresh_from_db()
    return run


@pytest.fixture
def done_run(flood_version):
    return finished_run(flood_version)


@pytest.fixture
def paused_run(flood_version):
    return run_create(
        version=flood_version,
        overrides={"model_override": "offline/heuristic", "max_ticks": 20},
        start=False,
    )
