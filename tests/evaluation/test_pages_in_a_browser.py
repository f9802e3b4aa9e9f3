"""In Chromium: the run page draws the evaluators' scores, narrative and chart.

The batch page draws its analysis. Screenshots go to tests/e2e/artifacts/.
"""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from tests.e2e.conftest import login, shot
from tests.evaluation.conftest import (
    finished_batch,
    finished_run,
    scores_answer,
    wait_for_evaluations,
)
from tests.runs_app.factories import small_flood_version

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]
DRAWN = "(id) => !!Chart.getChart(document.getElementById(id))"


def off_the_browser_loop(fn, *args, **kwargs):
    """Runs execute on their own event loop: keep them off Playwright's thread."""

    def call():
        try:
            return fn(*args, **kwargs)
        finally:
            connections.close_all()  # this thread's own connections

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()


def test_the_run_page_shows_scores_narrative_and_chart(browser_page, server, user, flood, ollama):
    ollama.answer = lambda body: scores_answer()
    run = off_the_browser_loop(finished_run, flood, ticks=12)
    off_the_browser_loop(
        wait_for_evaluations, run, 2
    )  # automatic: the rule baseline and the scenario's model

    page = browser_page
    login(page, server)
    page.goto(f"{server}/runs/{run.pk}/")
    panel = page.locator("#evaluation-panel")
    panel.scroll_into_view_if_needed()
    page.wait_for_function(DRAWN, arg="evaluation-chart")

    assert panel.locator(".evaluation").count() == 2
    assert "rule-based" in panel.inner_text()
    assert "Crews moved fast; the breach cost lives." in panel.inner_text()
    assert panel.locator("#evaluation-agreement").is_visible()
    assert panel.locator(".evaluation-scores tr").count() == 8
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "run-evaluation")

    page.select_option("#evaluate-form select", "offline/heuristic")
    page.click("#evaluate-button")
    page.wait_for_function(
        "() => document.querySelectorAll('#evaluation-panel .evaluation').length === 3"
    )
    page.wait_for_function(DRAWN, arg="evaluation-chart")
    # the live `run.evaluated` frame redraws the panel; the notice lives beside it and stays
    page.wait_for_timeout(1500)
    assert page.locator("#evaluation-notice").inner_text() == "Evaluated by offline/heuristic."


def test_the_batch_page_draws_its_analysis(browser_page, server, user):
    version = small_flood_version(max_ticks=6, name="Browser batch")
    grid = {"rain_intensity": [0.3, 0.9]}
    batch = off_the_browser_loop(finished_batch, version, grid, seeds=3, ticks=6)

    page = browser_page
    login(page, server)
    page.goto(f"{server}/batches/{batch.pk}/")
    page.wait_for_selector("#comparison-table")
    page.wait_for_function(DRAWN, arg="effect-chart")
    assert "Hedges g" in page.locator("#comparison-table").inner_text()
    page.click("#propose-sweep")
    page.wait_for_selector("#sweep-table")
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "batch-analysis")


def test_designing_from_a_brief_lands_on_the_new_draft(browser_page, server, user):
    page = browser_page
    login(page, server)
    page.goto(f"{server}/scenarios/")
    page.click("#design-from-brief")
    page.select_option("#id_model", "offline/heuristic")
    page.fill(
        "#id_brief", "A hospital evacuation with three nurses, a panicking crowd and one boat."
    )
    page.click("#design-submit")
    page.wait_for_url(re.compile(r"/scenarios/\d+/edit/$"))
    notice = page.locator(".alert-success").inner_text()
    assert "keywords: valid" in notice and "saved as draft v1" in notice
    assert page.title().startswith("Edit Design: A hospital evacuation with three nurses")
    shot(page, "design-from-brief")
