"""Sharing in a browser: the owner shares a run with a group; a member then sees it read-only."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from runs_app.services.runs import run_create
from tests.e2e.conftest import PASSWORD, login
from tests.runs_app.factories import small_flood_version

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def test_the_owner_shares_a_run_and_a_group_member_watches_it_read_only(
    browser_page, server, django_user_model
):
    owner = django_user_model.objects.create_user("olivia", password=PASSWORD)
    reader = django_user_model.objects.create_user("rita", password=PASSWORD)
    observers = Group.objects.create(name="observers")
    reader.groups.add(observers)
    version = small_flood_version(max_ticks=3, user=owner)
    run = run_create(
        version=version, overrides={"model_override": "offline/heuristic"}, start=False, user=owner
    )
    page = browser_page

    before = Client()
    before.force_login(reader)
    assert before.get(f"/runs/{run.pk}/").status_code == 404  # not shared yet

    login(page, server, "olivia")
    page.goto(f"{server}/runs/{run.pk}/")
    assert page.inner_text("#sharing-owner") == "owner: olivia"
    page.select_option(f"#share-{observers.pk}", "read")
    page.click("#sharing-save")
    page.wait_for_selector("text=Sharing saved.")
    assert page.input_value(f"#share-{observers.pk}") == "read"
    page.context.clear_cookies()

    login(page, server, "rita")
    page.goto(f"{server}/runs/{run.pk}/")
    page.wait_for_selector("#live-indicator[data-state=paused]")  # its socket is connected
    assert page.is_visible("#read-only-notice")
    assert page.inner_text("#sharing-list") == "observers: read"
    assert not page.is_visible("#control-step")  # the controls are hidden from a reader
    assert page.locator("#inject-form").count() == 0
    assert page.locator("#god-mode").count() == 0
