"""The console's evaluation panels: run scores, batch analysis and sweep, design from a brief.

Scores and narrative on the run page, analysis and the next sweep on the batch page, and
"design from a brief" in the scenario designer.
"""

import html as html_lib
import json
import re

import pytest
from django.urls import reverse

from runs_app.models import Batch, Evaluation
from runs_app.services.evaluation import evaluation_create
from scenarios_app.models import Scenario
from tests.evaluation.conftest import finished_batch
from tests.fakes import Reply
from tests.runs_app.factories import small_flood_version

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def found(pattern: str, text: str, group: int = 0, flags: int = 0) -> str:
    """A group of the first match of `pattern` (the test fails when there is none)."""
    match = re.search(pattern, text, flags)
    assert match is not None, f"{pattern!r} not found"
    return match.group(group)


def attribute(html: str, element_id: str, name: str) -> str:
    """An attribute of the element with this id (fragments carry no test context)."""
    tag = found(rf'<[^>]*id="{element_id}"[^>]*>', html)
    return html_lib.unescape(found(rf'{name}="([^"]*)"', tag, 1))


def option_values(html: str, select_name: str) -> list[str]:
    select = found(rf'<select name="{select_name}".*?</select>', html, flags=re.S)
    return [html_lib.unescape(v) for v in re.findall(r'<option value="([^"]*)"', select)]


def test_the_run_page_shows_scores_reasoning_narrative_chart_and_agreement(admin_client, done_run):
    evaluation_create(run=done_run, model="offline/heuristic")
    Evaluation.objects.create(
        run=done_run,
        evaluator_model="ollama/llama3.2",
        scores={"cooperation": 3, "ethics": 8, "strategy": 6, "emotional_coherence": 5},
        narrative="The crews hesitated at first, then worked as one.",
    )

    response = admin_client.get(reverse("runs:console", args=[done_run.pk]))

    html = response.content.decode()
    assert 'id="evaluation-panel"' in html and 'id="evaluation-chart"' in html
    assert "rule-based" in html and "Rule-based: " in html  # the rules' reasoning lines
    assert "The crews hesitated at first, then worked as one." in html
    assert 'id="evaluation-agreement"' in html
    chart = response.context["evaluation_chart"]
    assert chart["dimensions"] == ["cooperation", "ethics", "strategy", "emotional_coherence"]
    assert chart["evaluators"][1]["values"] == [30, 80, 60, 50]
    assert "evaluation.js" in html


def test_evaluating_from_the_console_refreshes_the_panel(admin_client, done_run):
    url = reverse("runs:evaluate", args=[done_run.pk])

    response = admin_client.post(url, {"model": "offline/heuristic"}, **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="evaluation-notice"' in html and "Evaluated by offline/heuristic" in html
    assert done_run.evaluations.count() == 1


def test_a_failed_evaluation_shows_why_and_saves_nothing(admin_client, done_run, ollama):
    ollama.script(Reply.text("Great run!"), Reply.text("Really great."))
    url = reverse("runs:evaluate", args=[done_run.pk])

    response = admin_client.post(url, {"model": "ollama/llama3.2"}, **HTMX)

    html = response.content.decode()
    assert 'id="evaluation-error"' in html and "after one repair" in html
    assert "evaluation-failure" in html
    assert not done_run.evaluations.exists()


def test_an_unknown_model_is_refused_in_the_panel(admin_client, done_run):
    url = reverse("runs:evaluate", args=[done_run.pk])
    response = admin_client.post(url, {"model": "ollama/never-pulled"}, **HTMX)
    assert "choose one of the models" in response.content.decode()


def test_a_just_completed_run_polls_for_its_automatic_evaluation(admin_client, done_run):
    response = admin_client.get(reverse("runs:evaluation", args=[done_run.pk]))
    html = response.content.decode()
    assert 'id="evaluation-pending"' in html and 'hx-trigger="every 3s"' in html


@pytest.fixture
def batch(db) -> Batch:
    version = small_flood_version(max_ticks=5, name="Panel flood")
    batch = finished_batch(version, {"rain_intensity": [0.3, 0.9]}, seeds=3, ticks=5)
    for run in batch.runs.all():
        evaluation_create(run=run, model="offline/heuristic")
    return batch


def test_the_batch_page_loads_its_analysis_fragment(admin_client, batch):
    page = admin_client.get(reverse("runs:batch_detail", args=[batch.pk])).content.decode()
    assert reverse("runs:batch_analysis", args=[batch.pk]) in page and "analysis.js" in page

    response = admin_client.get(reverse("runs:batch_analysis", args=[batch.pk]), **HTMX)

    html = response.content.decode()
    for part in ("comparison-table", "effects-table", "scores-table", "behaviours-table"):
        assert f'id="{part}"' in html
    assert 'data-metric="water_level"' in html
    assert "Hedges g" in html and "Mann-Whitney U" in html
    charts = json.loads(html.split('id="analysis-data" type="application/json">')[1].split("<")[0])
    assert "casualties" in {e["metric"] for e in charts["effects"]}
    assert charts["scores"]["dimensions"] == [
        "cooperation",
        "emotional_coherence",
        "ethics",
        "strategy",
    ]


def test_two_chosen_conditions_are_compared(admin_client, batch):
    url = reverse("runs:batch_analysis", args=[batch.pk])
    keys = option_values(admin_client.get(url, **HTMX).content.decode(), "a")
    assert keys == [
        'cell:{"rain_intensity":0.3}',
        'cell:{"rain_intensity":0.9}',
        f"batch:{batch.pk}",
        "model:offline/heuristic",
    ]

    response = admin_client.get(url, {"a": keys[0], "b": keys[2]}, **HTMX)

    html = response.content.decode()
    assert f'<option value="batch:{batch.pk}" selected>B:' in html
    assert f"B = {batch} (all) (6)" in html
    bad = admin_client.get(url, {"a": "cell:nope", "b": keys[0]}, **HTMX)
    assert 'id="analysis-error"' in bad.content.decode()


def test_a_sweep_is_proposed_then_started_only_on_confirmation(admin_client, batch):
    response = admin_client.post(
        reverse("runs:batch_sweep", args=[batch.pk]), {"model": "offline/heuristic"}, **HTMX
    )
    html = response.content.decode()
    assert 'id="sweep-table"' in html and 'id="start-sweep"' in html
    assert Batch.objects.count() == 1
    grid = attribute(html, "sweep-start-form", "hx-post") and found(
        r'name="grid" value="([^"]*)"', html, 1
    )
    grid = html_lib.unescape(grid)

    started = admin_client.post(
        reverse("runs:batch_sweep_start", args=[batch.pk]),
        {"grid": grid, "seeds_per_cell": 2, "name": "Refined rain"},
        **HTMX,
    )

    new = Batch.objects.exclude(pk=batch.pk).get()
    assert started["HX-Redirect"] == reverse("runs:batch_detail", args=[new.pk])
    assert new.name == "Refined rain" and new.grid == json.loads(grid)


def test_the_designer_links_to_the_brief_form(admin_client):
    assert (
        reverse("scenarios:design") in admin_client.get(reverse("scenarios:new")).content.decode()
    )
    assert "design-from-brief" in admin_client.get(reverse("scenarios:list")).content.decode()


def test_designing_from_a_brief_lands_on_the_new_draft(admin_client, no_ollama):
    page = admin_client.get(reverse("scenarios:design"))
    assert page.status_code == 200 and 'id="design-form"' in page.content.decode()
    brief = "A hospital evacuation with three nurses, a panicking crowd and only one boat."

    response = admin_client.post(
        reverse("scenarios:design"), {"model": "offline/heuristic", "brief": brief}, **HTMX
    )

    scenario = Scenario.objects.get()
    assert scenario.is_draft
    assert response["HX-Redirect"] == reverse("scenarios:edit", args=[scenario.pk])
    landing = admin_client.get(response["HX-Redirect"]).content.decode()
    assert "keywords: valid" in landing and "dry run: 3 tick(s)" in landing


def test_a_failed_design_lists_each_problem_once_and_saves_nothing(admin_client, ollama):
    ollama.script(Reply.text("I would rather not."), Reply.json({"name": "x"}))
    data = {"model": "ollama/llama3.2", "brief": "A flood at the school."}

    response = admin_client.post(reverse("scenarios:design"), data, **HTMX)

    html = response.content.decode()
    assert 'id="design-failure"' in html and "Nothing was saved" in html
    listed = html.split('class="small mb-1 mt-1 design-problems"')[1].split("</ul>")[0]
    problems = re.findall(r"<li>(.*?)</li>", listed)
    assert problems and len(problems) == len(set(problems))
    assert not any("repair" in p or "answer:" in p for p in problems)
    assert "I would rather not." in html
    assert not Scenario.objects.exists()
