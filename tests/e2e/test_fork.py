"""Forking in the browser: scrub a finished run to tick 3, fork, land on a run starting at 4."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from runs_app.models import Event, Run
from tests.console.conftest import finished_run
from tests.e2e.conftest import login, shot
from tests.e2e.test_world_view import scrub_to
from tests.runs_app.factories import small_flood_version

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def test_forking_at_tick_3_opens_a_run_that_starts_at_tick_4(browser_page, server, user):
    version = small_flood_version(max_ticks=6)
    with ThreadPoolExecutor(1) as pool:  # Playwright's event loop holds this thread
        parent = pool.submit(finished_run, version, ticks=6).result()
    assert parent.status == "completed" and parent.current_step == 6
    page = browser_page
    login(page, server)
    page.goto(f"{server}/runs/{parent.pk}/")
    scrub_to(page, 3)
    page.click("#scrub-fork")
    page.wait_for_url(f"{server}/runs/{parent.pk}/fork/?step=3")
    assert page.input_value("#id_step") == "3"
    assert "has stored ticks 1 to 6" in page.inner_text("#fork-range")
    page.check("#id_start")
    page.click("#start-fork")
    page.wait_for_url(re.compile(r"/runs/\d+/$"))
    fork = Run.objects.get(parent=parent)
    assert page.url.endswith(f"/runs/{fork.pk}/")
    lineage = page.inner_text("#run-lineage")
    assert f"Forked from run {parent.pk} at tick 3" in lineage and "first tick 4" in lineage
    page.wait_for_function(
        "() => document.getElementById('run-status').dataset.status === 'completed'"
    )
    assert page.inner_text("#run-tick") == "6"
    ran = Event.objects.filter(run=fork).exclude(type__in=["RunForked", "control"])
    assert min(ran.values_list("step", flat=True)) == 4
    shot(page, "fork-console")
    page.click(f"#run-lineage a[href='/runs/{parent.pk}/']")
    page.wait_for_url(f"{server}/runs/{parent.pk}/")
    page.goto(f"{server}/runs/")
    row = page.locator(f"tr[data-run='{fork.pk}']")
    assert f"fork of run {parent.pk} at tick 3" in row.inner_text()
