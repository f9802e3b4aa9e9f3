"""The run console never lies: every panel follows the run live, in Chromium against Daphne.

Runs are created paused in the test process and started or stepped from the page, so
they execute in the Daphne server (its embedded executor) and reach the page over the
WebSocket. Every check reads what the page shows; `browser_page` fails any test whose page
logged a console error or threw.
"""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from runs_app.models import Run
from runs_app.services.runs import run_create
from tests.e2e.conftest import login, shot
from tests.runs_app.factories import small_flood_version

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

TICK = "() => parseInt(document.getElementById('run-tick').textContent, 10)"
ROWS = "() => document.querySelectorAll('#timeline-body tr.timeline-row').length"
OFFLINE = {"model_override": "offline/heuristic"}


def paused_run(version, **overrides) -> Run:
    """A run created paused: the page's Start/Step makes the server execute it."""
    return run_create(version=version, seed=5, overrides={**OFFLINE, **overrides}, start=False)


def open_console(page, server: str, run: Run) -> None:
    login(page, server)
    page.goto(f"{server}/runs/{run.pk}/")
    page.wait_for_selector("#live-indicator[data-state=paused]")


def agent_row(page, run: Run, name: str):
    agent = run.agents.get(name=name)
    return page.locator(f"#agent-{agent.pk}"), agent.pk


def test_timeline_rows_grow_while_the_run_is_live(browser_page, server, user):
    run = paused_run(small_flood_version(max_ticks=5000, name="Long flood"))
    page = browser_page
    open_console(page, server, run)
    assert page.locator("#timeline-body tr.timeline-empty").is_visible()
    page.click("#control-start")
    page.wait_for_selector("#live-indicator[data-state=live]")
    page.wait_for_function(f"({TICK})() >= 2 && ({ROWS})() > 0")
    tick, rows = page.evaluate(TICK), page.evaluate(ROWS)
    # new rows keep arriving, tick after tick, without a reload
    page.wait_for_function(f"({TICK})() >= {tick + 3} && ({ROWS})() > {rows}")
    newest = page.evaluate(
        "() => Math.max(...Array.from(document.querySelectorAll('#timeline-body tr.timeline-row'))"
        ".map(r => parseInt(r.cells[0].textContent, 10)))"
    )
    assert newest >= tick + 2
    assert page.locator("#timeline-body tr.timeline-empty").count() == 0
    # the timeline follows the newest row while the user has not scrolled up
    assert page.evaluate(
        "() => { const s = document.getElementById('timeline-scroll');"
        " return s.scrollHeight - s.scrollTop - s.clientHeight < 60; }"
    )
    # scrolled up, the user is offered a jump to the latest rows instead
    page.evaluate("document.getElementById('timeline-scroll').scrollTop = 0")
    page.wait_for_selector("#timeline-jump:not([hidden])")
    assert re.search(r"Jump to latest \(\d+ new\)", page.inner_text("#timeline-jump"))
    page.click("#timeline-jump")
    page.wait_for_selector("#timeline-jump[hidden]", state="attached")
    page.click("#control-pause")
    page.wait_for_selector("#run-status[data-status=paused]")
    page.wait_for_selector("#live-indicator[data-state=paused]")


def test_agent_status_follows_pause_mute_and_terminate_without_a_reload(browser_page, server, user):
    run = paused_run(small_flood_version(max_ticks=50, name="Agent flood"))
    page = browser_page
    open_console(page, server, run)
    first, first_pk = agent_row(page, run, "Rescuer 1")
    second, second_pk = agent_row(page, run, "Rescuer 2")
    third, third_pk = agent_row(page, run, "Rescuer 3")
    # mark the rows: updates must happen inside them, not by redrawing the panel
    page.evaluate("document.getElementById('agents-panel').dataset.mark = 'kept'")
    page.evaluate(f"document.getElementById('agent-{first_pk}').dataset.mark = 'kept'")

    first.locator(".agent-pause").click()
    page.wait_for_selector(f"#agent-{first_pk}-status .agent-pending:has-text('pausing')")
    second.locator(".agent-mute").click()
    page.wait_for_selector(f"#agent-{second_pk}-status .agent-pending:has-text('muting')")
    third.locator(".agent-terminate").click()
    page.wait_for_selector(f"#agent-{third_pk}-status .agent-pending:has-text('terminating')")
    assert "Queued for the next tick" in page.inner_text("#run-header")

    page.click("#control-step")  # the next tick applies all three
    page.wait_for_function(f"({TICK})() === 1")
    page.wait_for_selector(f"#agent-{first_pk}-status[data-status=paused]")
    page.wait_for_selector(f"#agent-{second_pk}-status[data-status=muted]")
    page.wait_for_selector(f"#agent-{third_pk}-status[data-status=terminated]")
    assert first.locator(".status-badge").text_content() == "paused"
    assert second.locator(".status-badge").text_content() == "muted"
    assert third.locator(".status-badge").text_content() == "terminated"
    assert page.locator(".agent-pending").count() == 0
    # the buttons follow each status; a terminated agent has none
    assert first.locator(".agent-resume").is_visible()
    assert second.locator(".agent-resume").is_visible()
    assert third.locator(".agent-buttons button").count() == 0
    assert page.evaluate("document.getElementById('agents-panel').dataset.mark") == "kept"
    assert page.evaluate(f"document.getElementById('agent-{first_pk}').dataset.mark") == "kept"
    # the emotion bars say what they are and their exact values
    assert page.locator("#emotion-legend").inner_text().split() == [
        "fear",
        "stress",
        "hope",
        "empathy",
    ]
    title = first.locator(".emotion-row").first.get_attribute("title")
    assert re.fullmatch(r"fear: \d\.\d\d", title or "")
    shot(page, "agents-after-controls")


def test_the_evaluation_fills_in_and_the_live_dot_goes_off_when_the_run_ends(
    browser_page, server, user, flood
):
    run = paused_run(flood, max_ticks=4)
    page = browser_page
    open_console(page, server, run)
    assert page.locator("#evaluation-empty").is_visible()
    page.click("#control-start")
    page.wait_for_selector("#run-status[data-status=completed]")
    page.wait_for_selector("#live-indicator[data-state=done]")
    assert page.inner_text("#live-indicator .live-text") == "run ended (completed)"
    outcome = page.locator("#run-outcome")
    assert outcome.get_attribute("data-outcome") in ("success", "failure", "max_ticks")
    if outcome.get_attribute("data-outcome") == "max_ticks":
        assert "reached max_ticks (4)" in outcome.inner_text()
    # the automatic rule-based evaluation arrives after the end, without a reload
    page.wait_for_selector("#evaluation-panel .evaluation[data-model='offline/heuristic']")
    page.wait_for_function("() => !!Chart.getChart(document.getElementById('evaluation-chart'))")
    assert page.locator("#evaluation-empty").count() == 0
    assert page.locator("#god-set").is_disabled()  # god mode ends with the run
    assert page.locator("#inject-send").is_disabled()
    shot(page, "run-ended-evaluated")


def test_god_mode_changes_the_water_level_and_fires_an_event(browser_page, server, user):
    run = paused_run(small_flood_version(max_ticks=50, name="God flood"))
    page = browser_page
    open_console(page, server, run)

    page.fill("#god-path", "water_levl")
    page.fill("#god-value", "9.5")
    page.click("#god-set")
    page.wait_for_selector("#god-mode-errors")
    errors = page.locator("#god-mode-errors li").all_inner_texts()
    assert errors == ["'water_levl' is not a value of this world (did you mean water_level?)"]

    page.fill("#god-path", "water_level")
    page.click("#god-set")
    page.wait_for_selector("#god-mode-queued")
    assert "set water_level to 9.5" in page.inner_text("#god-mode-queued")
    page.select_option("#god-event-type", "rain_change")
    page.fill("#ev-rain_change-intensity", "3")
    page.click("#god-fire")
    page.wait_for_selector("#god-mode-queued:has-text('fire rain_change (intensity=3)')")
    pending = page.locator("#pending-controls").inner_text()
    assert "set water_level to 9.5" in pending and "fire rain_change" in pending

    page.click("#control-step")
    page.wait_for_function(f"({TICK})() === 1")
    water = page.locator("[data-metric=water_level] .metric-tile-value")
    page.wait_for_function(
        "() => { const tile = document.querySelector("
        "'[data-metric=water_level] .metric-tile-value');"
        " return !!tile && parseFloat(tile.textContent) >= 9.5; }"
    )
    assert float(water.inner_text()) >= 9.5
    timeline = page.locator("#timeline-body")
    page.wait_for_selector("#timeline-body tr[data-type=ControlApplied]:has-text('water_level')")
    assert "water_level set to 9.5" in timeline.inner_text()
    assert "event rain_change triggered" in timeline.inner_text()
    assert "queued: set water_level to 9.5 (by researcher)" in timeline.inner_text()
    assert page.locator("#pending-controls").count() == 0
    shot(page, "god-mode")


@pytest.fixture
def finished_things(flood):
    """Two finished runs and a finished batch, made off Playwright's event loop."""
    from tests.evaluation.conftest import finished_batch, finished_run

    def make():
        try:
            a = finished_run(flood, ticks=4, seed=1)
            b = finished_run(flood, ticks=4, seed=2)
            version = small_flood_version(max_ticks=4, name="Phone batch")
            batch = finished_batch(version, {"rain_intensity": [0.3, 0.9]}, seeds=2, ticks=4)
            return a, b, batch
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(make).result()


WIDE = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def test_nothing_scrolls_sideways_on_a_phone(browser_page, server, user, finished_things):
    a, b, batch = finished_things
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, server)
    pages = {
        "home": "/",
        "run console": f"/runs/{a.pk}/",
        "designer": "/scenarios/new/",
        "batch": f"/batches/{batch.pk}/",
        "compare": f"/runs/compare/?runs={a.pk}&runs={b.pk}",
    }
    for name, path in pages.items():
        page.goto(f"{server}{path}")
        page.wait_for_load_state("load")
        scroll_width, inner_width = page.evaluate(WIDE)
        assert scroll_width <= inner_width, f"{name}: {scroll_width} px wide at {inner_width} px"
        shot(page, f"phone-{name.replace(' ', '-')}")
    # the navbar collapses behind a toggle and opens on demand
    page.goto(f"{server}/runs/{a.pk}/")
    assert not page.locator("#main-nav").is_visible()
    page.click("#nav-toggle")
    page.wait_for_selector("#main-menu.collapse.show")  # opened, transition over
    assert page.locator("#main-nav a[href='/runs/']").is_visible()
    page.click("#nav-toggle")
    page.wait_for_selector("#main-nav", state="hidden")
    # the run controls are reachable: not under the navbar, inside the screen
    box = page.locator("#control-duplicate").bounding_box()
    nav = page.locator("nav.navbar").bounding_box()
    assert box is not None and nav is not None
    assert box["y"] >= nav["y"] + nav["height"] and box["x"] + box["width"] <= 390
    page.click("#control-duplicate")
    page.wait_for_url(re.compile(r"/runs/\d+/duplicate/$"))
