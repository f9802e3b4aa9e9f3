"""Read-only recorded history in the admin, outcomes everywhere, errors in the user's terms.

Errors read as lists in the user's terms (no parser internals, no Python repr).
"""

import pytest
from django.urls import reverse

from runs_app.models import Evaluation, Event, LLMCall, Message, PendingControl, Run, Step
from runs_app.services.runs import run_create, run_set_world_value, run_stop
from scenarios_app.models import Scenario
from tests.api.factories import token_client

RECORDED = {
    "step": Step,
    "message": Message,
    "event": Event,
    "llmcall": LLMCall,
    "evaluation": Evaluation,
    "pendingcontrol": PendingControl,
    "run": Run,
}


@pytest.fixture
def history(done_run):
    """A finished run with every kind of recorded row (an evaluation and a control too)."""
    Evaluation.objects.create(run=done_run, evaluator_model="offline/heuristic", scores={"a": 1})
    paused = run_create(
        version=done_run.scenario_version,
        overrides={"model_override": "offline/heuristic"},
        start=False,
    )
    run_set_world_value(run=paused, path="water_level", value=2.0)
    return done_run


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_recorded_history_can_be_viewed_but_not_added_changed_or_deleted(
    admin_client, history, name
):
    model = RECORDED[name]
    row = model._default_manager.order_by("pk").first()
    assert row is not None
    changelist = admin_client.get(reverse(f"admin:runs_app_{name}_changelist"))
    assert changelist.status_code == 200
    assert admin_client.get(reverse(f"admin:runs_app_{name}_add")).status_code == 403
    detail = admin_client.get(reverse(f"admin:runs_app_{name}_change", args=[row.pk]))
    assert detail.status_code == 200  # viewable ...
    assert 'name="_save"' not in detail.content.decode()  # ... with nothing to save
    posted = admin_client.post(reverse(f"admin:runs_app_{name}_change", args=[row.pk]), {})
    assert posted.status_code == 403
    deleted = admin_client.post(
        reverse(f"admin:runs_app_{name}_delete", args=[row.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 403
    assert model._default_manager.filter(pk=row.pk).exists()


def test_the_changelists_filter_and_search(admin_client, history):
    url = reverse("admin:runs_app_event_changelist")
    assert admin_client.get(url, {"type": "control"}).status_code == 200
    assert admin_client.get(url, {"q": "water"}).status_code == 200
    runs = admin_client.get(reverse("admin:runs_app_run_changelist"), {"outcome": "max_ticks"})
    assert runs.status_code == 200 and f">{history.pk}<" in runs.content.decode()


def test_scenarios_stay_editable_in_the_admin(admin_client, flood_version):
    scenario = flood_version.scenario
    url = reverse("admin:scenarios_app_scenario_change", args=[scenario.pk])
    page = admin_client.get(url)
    assert 'name="_save"' in page.content.decode()
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(k): v for k, v in management.initial.items()})
        for sub in inline.formset.forms:
            data[sub.add_prefix("id")] = sub.instance.pk
            data[sub.add_prefix("scenario")] = scenario.pk
    data["name"] = "Riverside flood (renamed)"
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert Scenario.objects.get(pk=scenario.pk).name == "Riverside flood (renamed)"


def test_a_finished_run_shows_its_outcome_and_reason(admin_client, done_run, django_user_model):
    assert done_run.outcome == "max_ticks" and done_run.end_detail == "reached max_ticks (3)"
    page = admin_client.get(reverse("runs:console", args=[done_run.pk])).content.decode()
    assert 'id="run-outcome" data-outcome="max_ticks"' in page and "reached max_ticks (3)" in page
    admin = django_user_model.objects.get(username="admin")  # admin_client's; the run has no owner
    body = token_client(admin).get(f"/api/runs/{done_run.pk}/").json()
    assert (body["outcome"], body["end_reason"]) == ("max_ticks", "max_ticks")
    assert body["end_detail"] == "reached max_ticks (3)"


def test_the_runs_list_filters_by_outcome(admin_client, done_run, flood_version):
    stopped = run_create(
        version=flood_version, overrides={"model_override": "offline/heuristic"}, start=False
    )
    run_stop(run=stopped)
    stopped.refresh_from_db()
    assert (stopped.outcome, stopped.end_reason) == ("stopped", "stopped by operator")
    html = admin_client.get(reverse("runs:list"), {"outcome": "stopped"}).content.decode()
    assert f'data-run="{stopped.pk}"' in html and f'data-run="{done_run.pk}"' not in html
    assert "stopped by operator" in html  # the badge says who ended it
    html = admin_client.get(reverse("runs:list"), {"outcome": "max_ticks"}).content.decode()
    assert f'data-run="{done_run.pk}"' in html and f'data-run="{stopped.pk}"' not in html


def test_a_yaml_error_names_line_and_column_not_the_parser(admin_client, flood_version):
    data = {"version": flood_version.pk, "params": "rain_intensity: [oops"}
    response = admin_client.post(reverse("runs:new"), data)
    [error] = response.context["form"].errors["params"]
    assert error.startswith("World parameters is not valid YAML: line 1, column ")
    assert "<unicode string>" not in error and 'in "' not in error


def test_the_duplicate_page_lists_settings_in_words(admin_client, done_run):
    html = admin_client.get(reverse("runs:duplicate", args=[done_run.pk])).content.decode()
    assert "<li>model override: offline/heuristic</li>" in html
    assert "<li>max ticks: 3</li>" in html
    assert "{&#x27;" not in html and "{'" not in html  # no Python dict


def test_the_favicon_is_linked_and_served(client, admin_client):
    html = admin_client.get("/").content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in html
    response = client.get("/favicon.ico")  # anonymous browsers ask for it too
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
