import os
import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from runs_app.models import Run
from scenarios_app.models import Scenario
from tests.console.conftest import finished_run
from tests.e2e.conftest import ARTIFACTS, ROOT, login, shot
from tests.runs_app.factories import small_flood_version

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

TICK = "() => parseInt(document.getElementById('run-tick').textContent, 10)"


def settled_tick(page) -> int:
    """The tick a paused run rests at, once the page shows it.

    A tick in flight when the pause was asked for still commits (and reaches the page); on
    a loaded machine that can take seconds, so wait until the server has no slice running
    and the page shows its last committed tick.
    """
    deadline = time.monotonic() + 60
    while True:
        run = Run.objects.get()
        settled = run.status == "paused" and not run.pending_steps and not run.lease_holder
        if settled and page.evaluate(TICK) == run.current_step:
            return run.current_step
        assert time.monotonic() < deadline, f"run did not settle: {run.status} {run.current_step}"
        page.wait_for_timeout(200)


def test_login_leads_to_home_listing_the_sample_scenarios(browser_page, server, user, flood):
    login(browser_page, server)
    table = browser_page.locator("#scenario-table")
    assert "Riverside flood" in table.inner_text()
    shot(browser_page, "home")


def test_designing_a_scenario_shows_an_inline_error_then_saves_a_version(
    browser_page, server, user, flood
):
    page = browser_page
    login(page, server)
    page.goto(f"{server}/scenarios/new/")
    page.fill("#id_tpl-0-count", "0")
    page.click("#save-scenario")
    page.wait_for_selector("#designer-errors")
    name_error = page.locator("#id_s-name").locator("xpath=following-sibling::div[1]")
    assert name_error.inner_text() in ("required", "must not be empty")
    count_error = page.locator("#id_tpl-0-count").locator("xpath=following-sibling::div[1]")
    assert count_error.inner_text() == "must be >= 1, got 0"
    shot(page, "designer-errors")
    assert Scenario.objects.count() == 1
    page.fill("#id_s-name", "Valley evacuation")
    page.fill("#id_tpl-0-count", "3")
    page.click("#save-scenario")
    page.wait_for_url(re.compile(r"/scenarios/\d+/$"))
    assert "Valley evacuation" in page.locator("#scenario-name").inner_text()
    assert "v1" in page.locator("#version-table").inner_text()
    page.click("#edit-scenario")
    page.fill("#id_s-seed", "8")
    page.click("#save-scenario")
    page.wait_for_url(re.compile(r"/scenarios/\d+/$"))
    assert "v2" in page.locator("#version-table").inner_text()
    shot(page, "scenario-detail")


def test_a_live_run_with_pause_step_resume_and_a_message(browser_page, server, user):
    # no success or failure condition: on PostgreSQL the sample flood can end before a click
    long_flood = small_flood_version(max_ticks=5000, name="Long flood")
    page = browser_page
    login(page, server)
    page.goto(f"{server}/runs/new/?scenario={long_flood.scenario_id}")
    page.fill("#id_model_override", "offline/heuristic")
    page.fill("#id_max_ticks", "5000")
    page.click("#start-run")
    page.wait_for_url(re.compile(r"/runs/\d+/$"))
    page.wait_for_selector("#live-indicator[data-state=live]")
    page.wait_for_function(
        f"({TICK})() >= 3 && (() => {{ const c = document.querySelector('#charts canvas');"
        " const chart = c && Chart.getChart(c);"
        " return chart && chart.data.datasets[0].data.length >= 3; })()"
    )
    page.click("#control-pause")
    page.wait_for_selector("#run-status[data-status=paused]")
    assert "Rescuer 1" in page.locator("#agents-panel").inner_text()
    # the README's screenshot is refreshed on request only: tests must not edit the tree
    target = ROOT / "docs" if os.environ.get("SIMENGINE_UPDATE_SCREENSHOT") else ARTIFACTS
    target.mkdir(exist_ok=True)
    page.screenshot(path=str(target / "run-console.png"), full_page=False)
    paused_at = settled_tick(page)
    page.click("#control-step")
    page.wait_for_function(f"({TICK})() === {paused_at + 1}")

    page.select_option("#inject-form select[name=to]", "agent:Rescuer 1")
    page.fill("#inject-form input[name=text]", "Head to the school now")
    page.click("#inject-send")
    page.wait_for_selector("#inject-sent")
    page.wait_for_selector("#control-step:not([disabled])")
    page.click("#control-step")
    page.wait_for_function(f"({TICK})() === {paused_at + 2}")
    page.select_option("#chat-target", "agent:Rescuer 1")
    page.wait_for_selector("#chat-log .chat-msg:has-text('Head to the school now')")
    shot(page, "run-console")

    page.click("#control-resume")
    page.wait_for_function(f"({TICK})() > {paused_at + 3}")
    run = Run.objects.get()
    assert run.current_step > paused_at + 2


def test_comparing_two_runs_draws_the_charts(browser_page, server, user, flood):
    # The engine runs its own event loop: keep it off Playwright's thread.
    with ThreadPoolExecutor(1) as pool:
        a = pool.submit(finished_run, flood, ticks=4, seed=1).result()
        b = pool.submit(finished_run, flood, ticks=4, seed=2).result()
    page = browser_page
    login(page, server)
    page.goto(f"{server}/runs/")
    page.check(f"input.run-pick[value='{a.pk}']")
    page.check(f"input.run-pick[value='{b.pk}']")
    page.click("#compare-selected")
    page.wait_for_url(re.compile(r"/runs/compare/"))
    page.wait_for_selector("#compare-table")
    drawn = page.evaluate(
        "() => Array.from(document.querySelectorAll('#overlay-charts canvas'))"
        ".filter(c => Chart.getChart(c) && Chart.getChart(c).data.datasets.length === 2).length"
    )
    assert drawn >= 5
    shot(page, "compare")
