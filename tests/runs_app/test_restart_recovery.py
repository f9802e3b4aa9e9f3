import pytest

from runs_app.models import Run, RunStatus, Step
from runs_app.services.lifecycle import runs_recover_in_process
from runs_app.services.runs import run_create, run_step
from tests.runs_app.factories import small_flood_version, wait_for_run, wait_until_final

pytestmark = pytest.mark.django_db(transaction=True)


def test_runs_orphaned_by_a_restart_resume_from_their_last_tick():
    version = small_flood_version(max_ticks=10)
    orphan = run_create(version=version, start=False)
    stepping = run_create(version=version, start=False)
    run_step(run=stepping)
    wait_for_run(stepping, lambda r: r.current_step == 1 and r.pending_steps == 0)
    # what a web process killed mid-run leaves behind: "running" with nobody executing it,
    # and a single step requested but never executed
    Run.objects.filter(pk=orphan.pk).update(status=RunStatus.RUNNING)
    Run.objects.filter(pk=stepping.pk).update(pending_steps=1)

    resumed = runs_recover_in_process()

    assert sorted(resumed) == sorted([orphan.pk, stepping.pk])
    orphan = wait_until_final(orphan)
    assert (orphan.status, orphan.current_step) == ("completed", 10)
    stepping = wait_for_run(stepping, lambda r: r.current_step == 2 and r.pending_steps == 0)
    assert stepping.status == "paused"
    assert list(Step.objects.filter(run=stepping).values_list("index", flat=True)) == [1, 2]
