"""In Chromium: the call explorer, the run report as a file, the live system page.

The report opens with no network request; each page logs no console error.

Screenshots for the README (docs/llm-calls.png, docs/run-report.png, docs/system.png) are
written on request only: `SIMENGINE_UPDATE_SCREENSHOT=1`; otherwise to tests/e2e/artifacts/.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connections

from runs_app.services.evaluation import evaluation_create
from tests.console.conftest import finished_run
from tests.e2e.conftest import ARTIFACTS, ROOT, login
from tests.observability.factories import record, store

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]
DRAWN = "(id) => { const c = document.getElementById(id); const ch = c && Chart.getChart(c);"
DRAWN += " return !!ch && ch.data.datasets.length > 0; }"


def screenshot(page, name: str, *, full_page: bool = False) -> None:
    target = ROOT / "docs" if os.environ.get("SIMENGINE_UPDATE_SCREENSHOT") else ARTIFACTS
    target.mkdir(exist_ok=True)
    page.screenshot(path=str(target / f"{name}.png"), full_page=full_page)


def watch_console(page) -> list[str]:
    errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            errors.append(f"{m.text} at {m.location.get('url')}") if m.type == "error" else None
        ),
    )
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return errors


def off_the_browser_loop(fn, *args, **kwargs):
    """Runs execute on their own event loop: keep them off Playwright's thread."""

    def call():
        try:
            return fn(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()


def evaluated_run(flood):
    run = finished_run(flood, ticks=12, seed=4)
    evaluation_create(run=run, model="offline/heuristic")
    return run


def model_calls(run) -> None:
    """Calls of a local and two hosted models, with spread latencies, tokens and outcomes."""
    for step in range(1, 13):
        agents = ("Rescuer 1", "Rescuer 2", "Medic 1", "Mayor")
        for i, agent in enumerate(agents):
            spread = (step * 7 + i * 13) % 10
            store(
                run,
                step,
                record(agent, latency_ms=300 + spread * 420.0, tokens=(900 + spread * 240, 90)),
            )
        store(
            run,
            step,
            record(
                "Mayor",
                model="anthropic/claude-haiku-4-5",
                latency_ms=700 + step * 90.0,
                tokens=(2400 + step * 50, 180),
            ),
        )
        if step % 4 == 0:
            store(run, step, record("Medic 1", parsed=None), record("Medic 1", purpose="repair"))
        if step % 5 == 0:
            store(
                run,
                step,
                record(
                    "Rescuer 2",
                    error="Ollama at http://gpu-1:11434 did not answer within 60s",
                    timed_out=True,
                    latency_ms=60000.0,
                ),
            )
    store(
        run,
        12,
        record(
            "",
            model="anthropic/claude-sonnet-4-5",
            purpose="evaluate",
            latency_ms=5200.0,
            tokens=(5800, 900),
        ),
    )


def test_the_call_explorer_filters_and_draws_histograms(browser_page, server, user, flood):
    run = off_the_browser_loop(evaluated_run, flood)
    off_the_browser_loop(model_calls, run)
    page = browser_page
    errors = watch_console(page)
    login(page, server)
    page.click("#nav-llm-calls")
    page.wait_for_selector("#call-table")
    page.wait_for_function(f"({DRAWN})('latency-histogram') && ({DRAWN})('token-histogram')")
    assert "anthropic/claude-haiku-4-5" in page.inner_text("#model-table")
    page.select_option("#id_sort", "-latency")
    page.fill("#id_run", str(run.pk))
    page.click("#apply-filters")
    page.wait_for_url(lambda url: "sort=-latency" in url)
    page.wait_for_function(f"({DRAWN})('latency-histogram')")
    screenshot(page, "llm-calls")
    first_latency = page.inner_text("#call-table tbody tr:first-child td:nth-child(10)")
    assert first_latency.replace(",", "") == "60000"
    page.select_option("#id_outcome", "timeout")
    page.click("#apply-filters")
    page.wait_for_function("() => document.querySelectorAll('#call-table .call-row').length === 2")
    assert page.inner_text("#total-calls") == "2"
    page.click("#call-table tbody tr:first-child td:first-child a")
    page.wait_for_selector("#call-outcome")
    assert page.inner_text("#call-outcome") == "timeout"
    page.click("#diff-previous")
    page.wait_for_selector("#diff-summary")
    assert errors == []


def test_the_report_opens_as_a_file_with_no_network_request(
    browser_page, server, user, flood, tmp_path
):
    run = off_the_browser_loop(evaluated_run, flood)
    page = browser_page
    login(page, server)
    page.goto(f"{server}/runs/{run.pk}/")  # the run console (its own page, not checked here)
    report_link = page.get_attribute("#run-report-download", "href")
    response = page.request.get(f"{server}{report_link}")
    assert response.status == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    html = response.text()
    path = Path(tmp_path) / f"run-{run.pk}-report.html"
    path.write_text(html, encoding="utf-8")

    viewer = page.context.browser.new_page()  # a fresh tab with no session
    viewer_errors = watch_console(viewer)
    requests: list[str] = []
    viewer.on("request", lambda r: requests.append(r.url))
    viewer.goto(path.as_uri())
    viewer.wait_for_load_state("networkidle")
    assert requests == [path.as_uri()]  # the document itself, nothing else
    assert viewer.inner_text("#report-outcome") == run.end_reason
    assert viewer.locator("#evaluation .score").count() >= 4
    assert viewer.locator("svg.chart").count() >= 4
    viewer.set_viewport_size({"width": 1200, "height": 1000})
    screenshot(viewer, "run-report")
    requests.clear()
    viewer.set_content(html)
    assert requests == []
    assert viewer_errors == []


def test_the_system_page_updates_itself(browser_page, server, user):
    page = browser_page
    errors = watch_console(page)
    login(page, server)
    page.click("#nav-system")
    page.wait_for_selector("#system-status")
    assert "no broker configured" in page.inner_text("#card-workers")
    assert (
        page.locator("#provider-table tr[data-provider=ollama] .check-badge").inner_text() == "down"
    )
    checked = page.get_attribute("#system-status", "data-checked")
    page.wait_for_function(
        f"() => document.getElementById('system-status').dataset.checked !== {checked!r}",
        timeout=15_000,
    )
    screenshot(page, "system")
    assert errors == []
