"""The console pages: the call explorer, one call, the prompt diff, the system page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from runs_app.models import LLMCall
from tests.api.factories import make_run
from tests.observability.factories import record, store

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls():
    run = make_run()
    store(run, 1, record("Rescuer 1", prompt="Tick 1.\nWater 0.5 m.\nYou are at the docks."))
    store(run, 2, record("Rescuer 1", prompt="Tick 2.\nWater 0.9 m.\nYou are at the docks."))
    store(run, 2, record("Mayor", model="anthropic/claude-sonnet-4-5", tokens=(2_000, 1_000)))
    store(run, 3, record("Mayor", error="did not answer within 30s", timed_out=True))
    return run


def test_pages_need_login(client, calls):
    for url in [
        reverse("runs:llm_calls"),
        reverse("runs:llm_call", args=[LLMCall.objects.get(step=1).pk]),
        reverse("runs:prompt_diff"),
        reverse("runs:system"),
    ]:
        assert client.get(url).status_code == 302


def test_the_explorer_lists_filtered_calls_with_totals_cost_and_histograms(admin_client, calls):
    page = admin_client.get(reverse("runs:llm_calls"), {"model": "anthropic/claude-sonnet-4-5"})
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('class="call-row"') == 1
    # 2,000 prompt and 1,000 completion tokens at $3 / $15 per Mtok = $0.021
    assert 'id="total-cost">$0.0210<' in html
    assert 'id="histogram-data"' in html and "latency-histogram" in html
    assert 'id="nav-llm-calls"' in html and 'id="nav-system"' in html
    everything = admin_client.get(reverse("runs:llm_calls")).content.decode()
    assert everything.count('class="call-row"') == 4
    assert "timeout 1" in everything and "local" in everything


def test_a_bad_filter_is_shown_next_to_its_field(admin_client, calls):
    html = admin_client.get(reverse("runs:llm_calls"), {"from_step": 5, "to_step": 2}).content
    assert b"must be &gt;= from tick" in html and b"Fix the filters marked below." in html
    html = admin_client.get(reverse("runs:llm_calls"), {"outcome": "great"}).content
    assert b"Select a valid choice. great is not one of the available choices." in html
    html = admin_client.get(reverse("runs:llm_calls"), {"run": 999999}).content
    assert b"There is no run 999999." in html


def test_the_explorer_pages_by_keyset(admin_client):
    run = make_run()
    for step in range(1, 8):
        store(run, step, record())
    first = admin_client.get(reverse("runs:llm_calls"), {"sort": "id", "limit": 3})
    assert first.context["calls"][0].step == 1 and len(first.context["calls"]) == 3
    second = admin_client.get(first.context["next_url"])
    assert [c.step for c in second.context["calls"]] == [4, 5, 6]


def test_one_call_and_its_diff_with_the_previous_tick(admin_client, calls):
    call = LLMCall.objects.get(agent="Rescuer 1", step=2)
    html = admin_client.get(reverse("runs:llm_call", args=[call.pk])).content.decode()
    assert "Diff with tick 1" in html and "Water 0.9 m." in html
    assert admin_client.get(reverse("runs:llm_call", args=[999999])).status_code == 404
    diff = admin_client.get(
        reverse("runs:prompt_diff"), {"run": calls.pk, "agent": "Rescuer 1", "a": 1, "b": 2}
    )
    html = diff.content.decode()
    prefix = len("[system]\nYou are a rescuer.\n\n[user]\nTick ")
    assert f"Stable prefix: {prefix} characters" in html
    assert '<div class="del"><span class="op">-</span>Tick 1.</div>' in html
    assert '<div class="add"><span class="op">+</span>Water 0.9 m.</div>' in html
    missing = admin_client.get(
        reverse("runs:prompt_diff"), {"run": calls.pk, "agent": "Rescuer 1", "a": 1, "b": 9}
    )
    assert b"Rescuer 1 made no decide call at step 9 of run" in missing.content


def test_the_system_page_is_for_staff_only(client, django_user_model, calls):
    django_user_model.objects.create_user("viewer", password="pw-viewer-1")
    client.login(username="viewer", password="pw-viewer-1")
    assert client.get(reverse("runs:system")).status_code == 403
    assert 'id="nav-system"' not in client.get(reverse("runs:llm_calls")).content.decode()


def test_the_system_page_shows_embedded_mode_plainly(admin_client, settings):
    settings.REDIS_URL = settings.CELERY_BROKER_URL = ""
    settings.OLLAMA_HOST = "http://127.0.0.1:9"
    html = admin_client.get(reverse("runs:system")).content.decode()
    assert "no broker configured: runs execute in this web process" in html
    assert "not configured: embedded mode" in html
    assert 'data-provider="ollama"' in html and 'data-provider="offline"' in html
    assert 'hx-trigger="every 5s"' in html
    partial = admin_client.get(reverse("runs:system"), HTTP_HX_REQUEST="true")
    assert partial.content.decode().lstrip().startswith('<div id="system-status"')
