"""Browser tests: Debian's Chromium through Playwright against a real Daphne server.

Daphne runs the embedded executor (thread pool) and the in-memory channel layer, so a run
started in the browser executes in the server process and its ticks reach the page over
the WebSocket. Screenshots go to tests/e2e/artifacts/ (ignored by git).

`browser_page` is the one page fixture of every browser test in the project (tests/evaluation
imports it too): any browser console error or uncaught page error during the test fails it,
with the messages printed. Chromium runs with its own background traffic switched off, so
only the page under test can log errors.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scenarios_app.services import scenario_import
from tests.processes import daphne_server
from tests.services import require_chromium

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PASSWORD = "console-e2e-pass-7"
SERVER_ENV = {
    "REDIS_URL": "",
    "CELERY_BROKER_URL": "",
    "OLLAMA_HOST": "http://127.0.0.1:9",
    "SIMENGINE_SLICE_TICKS": "2",
}


@pytest.fixture
def flood(transactional_db):
    text = (ROOT / "scenarios" / "riverside_flood.yaml").read_text(encoding="utf-8")
    return scenario_import(text=text).version


@pytest.fixture
def user(transactional_db, django_user_model):
    return django_user_model.objects.create_superuser("researcher", "r@example.org", PASSWORD)


@pytest.fixture
def server(transactional_db):
    with daphne_server(env=SERVER_ENV) as url:
        yield url


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
WAIT_MS = 45_000  # the machine is shared: wait for conditions generously, never sleep


class BrowserErrors:
    """Console errors and uncaught exceptions a page produced, as readable lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def on_console(self, message) -> None:
        if message.type == "error":
            where = message.location or {}
            place = f"{where.get('url', '?')}:{where.get('lineNumber', '?')}"
            self.lines.append(f"console error: {message.text} ({place})")

    def on_page_error(self, error) -> None:
        stack = getattr(error, "stack", "") or ""
        self.lines.append(f"uncaught page error: {error}\n{stack}".rstrip())


@pytest.fixture
def browser_page(server):
    """A logged-out Chromium page; the test fails on any browser console or page error."""
    browser_errors = BrowserErrors()
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        context.set_default_timeout(WAIT_MS)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        page.on("console", browser_errors.on_console)
        page.on("pageerror", browser_errors.on_page_error)
        try:
            yield page
        finally:
            browser.close()
    if browser_errors.lines:
        print("\n".join(browser_errors.lines))
        pytest.fail(
            f"the browser logged {len(browser_errors.lines)} error(s):\n"
            + "\n".join(browser_errors.lines[:20]),
            pytrace=False,
        )


def login(page, server: str, username: str = "researcher") -> None:
    page.goto(f"{server}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/")


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
