"""Run-list filters of the run explorer, read through `run_list`."""

from __future__ import annotations

from pathlib import Path

import pytest

from runs_app.models import Run, RunStatus
from runs_app.selectors import run_list
from runs_app.services.runs import run_create
from scenarios_app.services import scenario_import

SAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "riverside_flood.yaml"

pytestmark = pytest.mark.django_db


@pytest.fixture
def runs() -> dict[str, Run]:
    version = scenario_import(text=SAMPLE.read_text(encoding="utf-8")).version
    offline = {"model_override": "offline/heuristic"}
    made = {
        "plain": run_create(version=version, seed=1, overrides=offline, start=False),
        "override": run_create(
            version=version,
            seed=2,
            overrides={**offline, "params": {"rain_intensity": 0.9}},
            start=False,
        ),
        "cell": run_create(
            version=version,
            seed=3,
            overrides=offline,
            grid_cell={"rain_intensity": 0.9},
            start=False,
        ),
    }
    Run.objects.filter(pk=made["plain"].pk).update(status=RunStatus.COMPLETED)
    return made


def pks(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def test_run_list_filters_by_seed(runs):
    assert pks(run_list(seed=2)) == {runs["override"].pk}


def test_run_list_filters_by_a_parameter_of_a_grid_cell_or_an_override(runs):
    assert pks(run_list(param=("rain_intensity", 0.9))) == {runs["override"].pk, runs["cell"].pk}


def test_run_list_filters_by_status_and_scenario(runs):
    scenario = runs["plain"].scenario_version.scenario_id
    assert pks(run_list(status=RunStatus.COMPLETED, scenario=scenario)) == {runs["plain"].pk}
    assert pks(run_list(scenario=scenario + 1)) == set()
