"""The world view and the tick scrubber in a real browser (Daphne, Chromium).

The flood map draws every place of the sample and moves a token when its agent moves; the
scrubber shows tick 3 of a finished run with tick 3's tiles and agents; on a live run,
scrubbing back holds the view while N keeps counting, and "back to live" follows again.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from runs_app.models import Run, Step
from runs_app.selectors import snapshot_at
from runs_app.templatetags.console import metric
from simengine.core.worlds import get_world_kind
from tests.console.conftest import finished_run
from tests.e2e.conftest import ARTIFACTS, ROOT, login, shot
from tests.runs_app.factories import small_flood_version

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

PLACES = ("hilltop", "church", "hospital", "school", "docks")
SCRUB_TEXT = "() => document.querySelector('#scrub-state .scrub-text').textContent"


def run_in_thread(version, ticks: int):
    # The engine runs its own event loop: keep it off Playwright's thread.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(finished_run, version, ticks=ticks).result()


def locations_at(run: Run, index: int) -> dict[str, str]:
    snapshot = snapshot_at(run, index)
    assert snapshot is not None
    kind = get_world_kind("flood")
    state = kind.load_state(snapshot["world"])
    names = snapshot["world"]["agents"]
    return {name: kind.agent_details(state, name)["location"] or "" for name in names}


def scrub_to(page, tick: int) -> None:
    page.evaluate(
        "(k) => { const r = document.getElementById('scrub-range');"
        " r.value = String(k); r.dispatchEvent(new Event('input', {bubbles: true})); }",
        tick,
    )
    page.wait_for_selector(f"#scrub-frame[data-step='{tick}']", state="attached")


def test_the_flood_map_draws_every_place_and_moves_a_token(browser_page, server, user, flood):
    run = run_in_thread(flood, ticks=12)
    before, after = next(
        (k, k + 1)
        for k in range(1, 12)
        if any(
            a != b and a and b
            for a, b in zip(
                locations_at(run, k).values(), locations_at(run, k + 1).values(), strict=True
            )
        )
    )
    was, now = locations_at(run, before), locations_at(run, after)
    mover = next(name for name in was if was[name] and now[name] and was[name] != now[name])
    token = "#token-" + re.sub(r"[^a-z0-9]+", "-", mover.lower())

    page = browser_page
    login(page, server)
    page.goto(f"{server}/runs/{run.pk}/")
    page.wait_for_selector("#world-map")
    drawn = page.eval_on_selector_all(
        "#world-map .map-location", "els => els.map(e => e.dataset.location)"
    )
    assert sorted(drawn) == sorted(PLACES)
    assert page.locator("#world-map .map-route").count() == 5

    scrub_to(page, before)
    assert page.get_attribute(token, "data-location") == was[mover]
    start = page.eval_on_selector(token, "e => e.style.transform")
    page.click("#scrub-forward")
    page.wait_for_selector(f"#scrub-frame[data-step='{after}']", state="attached")
    assert page.get_attribute(token, "data-location") == now[mover]
    assert page.eval_on_selector(token, "e => e.style.transform") != start

    # clicking a place lists who is there; clicking a token opens that agent's chat
    page.click(f"#world-map .map-location[data-location='{now[mover]}'] .place-ground")
    page.wait_for_selector("#world-detail:not([hidden])")
    assert mover in page.locator("#world-detail .place-people").inner_text()
    page.click(token)
    page.wait_for_function(
        f"() => document.getElementById('chat-target').value === 'agent:{mover}'"
    )
    assert page.locator(f"#agents-body tr.agent-focus[data-agent='{mover}']").count() == 1

    scrub_to(page, 8)  # the levee breaks at tick 8
    page.wait_for_selector("#world-map .map-happening[data-kind='levee_breach']")
    assert "breached at tick 8" in page.locator("#map-levee").inner_text()
    target = ROOT / "docs" if os.environ.get("SIMENGINE_UPDATE_SCREENSHOT") else ARTIFACTS
    target.mkdir(exist_ok=True)
    page.locator("#world-card").screenshot(path=str(target / "flood-map.png"))


def test_the_scrubber_shows_tick_3_of_a_finished_run(browser_page, server, user, flood):
    run = run_in_thread(flood, ticks=8)
    metrics = Step.objects.get(run=run, index=3).metrics
    where = locations_at(run, 3)
    stored = snapshot_at(run, 3)
    assert stored is not None
    fear = {name: data["emotion"]["fear"] for name, data in stored["agents"].items()}
    page = browser_page
    login(page, server)
    page.goto(f"{server}/runs/{run.pk}/")
    assert page.evaluate(SCRUB_TEXT) == "viewing the latest tick (8)"
    scrub_to(page, 3)
    assert page.evaluate(SCRUB_TEXT) == "viewing tick 3 of 8"
    assert page.locator("#scrub-live").is_visible()
    assert page.get_attribute("#scrub-fork", "href") == f"/runs/{run.pk}/fork/?step=3"
    for name in ("rescued", "casualties", "water_level"):
        tile = page.locator(f"#run-counters .metric-tile[data-metric='{name}'] .metric-tile-value")
        assert tile.inner_text() == metric(metrics[name]), name
    for name, place in where.items():
        row = page.locator(f"#agents-body tr[data-agent='{name}']")
        assert row.locator(".agent-where").inner_text() == (place or "—"), name
        bar = row.locator(".agent-emotion .emotion-row[title^='fear']")
        assert bar.get_attribute("title") == f"fear: {fear[name]:.2f}", name
    ticks = page.eval_on_selector_all(
        "#timeline-body tr.timeline-row td:first-child", "els => els.map(e => +e.textContent)"
    )
    assert ticks and max(ticks) == 3
    assert page.get_attribute("#world-view", "data-tick") == "3"
    shot(page, "scrubbed-tick-3")

    page.click("#scrub-live")
    page.wait_for_selector("#scrub-frame[data-step='8'][data-scrubbed='0']", state="attached")
    assert page.evaluate(SCRUB_TEXT) == "viewing the latest tick (8)"
    assert page.get_attribute("#world-view", "data-tick") == "8"


def test_back_to_live_follows_a_live_run_again(browser_page, server, user):
    long_flood = small_flood_version(max_ticks=5000, name="Long flood")
    page = browser_page
    login(page, server)
    page.goto(f"{server}/runs/new/?scenario={long_flood.scenario_id}")
    page.fill("#id_model_override", "offline/heuristic")
    page.fill("#id_max_ticks", "5000")
    page.click("#start-run")
    page.wait_for_url(re.compile(r"/runs/\d+/$"))
    page.wait_for_selector("#live-indicator[data-state=live]")
    page.wait_for_function("() => +document.getElementById('world-view').dataset.tick >= 3")

    page.click("#scrub-back")
    page.wait_for_function(f"() => /^viewing tick \\d+ of \\d+$/.test(({SCRUB_TEXT})())")
    shown_text = re.match(r"viewing tick (\d+)", page.evaluate(SCRUB_TEXT))
    assert shown_text is not None
    held = int(shown_text.group(1))
    page.wait_for_selector(f"#scrub-frame[data-step='{held}']", state="attached")
    shown = page.locator("#run-counters").inner_html()
    # live ticks keep counting N, but the view stays at the held tick
    page.wait_for_function(f"() => +({SCRUB_TEXT})().match(/of (\\d+)/)[1] >= {held + 3}")
    assert page.evaluate(SCRUB_TEXT).startswith(f"viewing tick {held} of ")
    assert page.get_attribute("#world-view", "data-tick") == str(held)
    assert page.locator("#run-counters").inner_html() == shown

    page.click("#scrub-live")
    page.wait_for_function(f"() => ({SCRUB_TEXT})().startsWith('viewing the latest tick')")
    page.wait_for_function(
        f"() => +document.getElementById('world-view').dataset.tick > {held + 3}"
    )
    followed = int(page.get_attribute("#world-view", "data-tick"))
    page.wait_for_function(
        f"() => +document.getElementById('world-view').dataset.tick > {followed}"
    )
    page.click("#control-stop")
    page.wait_for_selector("#run-status[data-status=stopped]")
