"""Stored snapshots: every tick of an executed run reads back exactly, at a bounded size."""

from __future__ import annotations

import asyncio
import json

import pytest

from runs_app.models import Step
from runs_app.selectors import snapshot_at
from runs_app.services.config import run_spec
from runs_app.services.runs import run_create
from runs_app.services.snapshots import SnapshotReader, snapshot_latest, snapshots_at
from simengine.core.offline import OfflineDecisionMaker
from simengine.core.simulation import Simulation
from tests.runs_app.factories import small_flood_version, wait_until_final

pytestmark = pytest.mark.django_db(transaction=True)

TICKS = 45


def _engine_snapshots(run) -> list[str]:
    """The same run played by the engine alone: each tick's snapshot as JSON text."""
    simulation = Simulation.create(run_spec(run), seed=run.seed, run_id=str(run.pk))
    maker = OfflineDecisionMaker()

    async def advance() -> list[str]:
        return [json.dumps((await simulation.step(maker)).snapshot) for _ in range(TICKS)]

    return asyncio.run(advance())


@pytest.fixture
def executed(settings):
    settings.SIMENGINE_SLICE_TICKS = 4  # many slices: each restores from the stored chain
    version = small_flood_version(max_ticks=TICKS, memory={"enabled": True})
    return wait_until_final(run_create(version=version, seed=6), timeout=120)


def test_every_tick_reads_back_as_the_engine_produced_it(executed):
    expected = _engine_snapshots(executed)
    assert [json.dumps(snapshot_at(executed, t)) for t in range(1, TICKS + 1)] == expected
    reader = SnapshotReader(executed.pk)
    assert [json.dumps(reader.at(t)) for t in range(1, TICKS + 1)] == expected
    picked = dict(snapshots_at(executed.pk, [45, 3, 21, 20, 7]))
    assert {t: json.dumps(s) for t, s in picked.items()} == {
        t: expected[t - 1] for t in (3, 7, 20, 21, 45)
    }
    last = snapshot_latest(executed.pk)
    assert last is not None and last[0] == TICKS and json.dumps(last[1]) == expected[-1]


def test_keyframes_are_bounded_apart_and_the_rest_are_small_deltas(executed):
    rows = list(
        Step.objects.filter(run=executed)
        .order_by("index")
        .values_list("index", "keyframe", "snapshot_data")
    )
    assert [index for index, keyframe, _ in rows if keyframe] == [1, 20, 40]
    full = sum(len(text) for text in _engine_snapshots(executed))
    stored = sum(len(bytes(data)) for *_, data in rows)
    assert stored * 10 < full


def test_a_tick_the_run_has_not_stored_reads_as_none(executed):
    assert snapshot_at(executed, 0) is None
    assert snapshot_at(executed, TICKS + 1) is None
    assert SnapshotReader(executed.pk).at(TICKS + 5) is None
