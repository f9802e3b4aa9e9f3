"""The fork page: a form prefilled from `?step=k`; a fork lands on its console; errors stay."""

from __future__ import annotations

import pytest
from django.urls import reverse

from runs_app.models import PendingControl, Run
from tests.console.conftest import finished_run

pytestmark = pytest.mark.django_db


def test_the_form_prefills_the_step_and_offers_a_replay_of_the_parent(admin_client, done_run):
    response = admin_client.get(reverse("runs:fork", args=[done_run.pk]) + "?step=2")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="step" value="2"' in html
    assert f"has stored ticks 1 to {done_run.current_step}" in html
    assert f'<option value="replay/{done_run.pk}">' in html


def test_a_fork_opens_on_its_console_with_its_changes_queued(admin_client, done_run):
    data = {
        "step": 2,
        "seed": 8,
        "message_to": "all",
        "message": "Hold the hilltop.",
        "world": "water_level: 2.5",
        "models": f"mayor: replay/{done_run.pk}",
    }
    response = admin_client.post(reverse("runs:fork", args=[done_run.pk]), data)
    fork = Run.objects.get(parent=done_run)
    assert response["Location"] == reverse("runs:console", args=[fork.pk])
    assert (fork.fork_step, fork.seed, fork.status) == (2, 8, "paused")
    kinds = set(PendingControl.objects.filter(run=fork).values_list("kind", flat=True))
    assert kinds == {"set_world_value", "inject_message"}
    # the mayor's own model wins over the every-agent model the parent ran on
    assert "model_override" not in fork.overrides
    assert fork.overrides["templates"]["mayor"] == {"model": f"replay/{done_run.pk}"}
    assert fork.agents.get(name="Mayor").model == f"replay/{done_run.pk}"
    assert fork.agents.get(name="Rescuer 1").model == "offline/heuristic"
    console = admin_client.get(response["Location"]).content.decode()
    assert f'Forked from <a href="/runs/{done_run.pk}/">run {done_run.pk}</a> at tick 2' in console
    explorer = admin_client.get(reverse("runs:list")).content.decode()
    assert f'fork of <a href="/runs/{done_run.pk}/">run {done_run.pk}</a> at tick 2' in explorer


def test_a_step_beyond_the_stored_ticks_shows_the_error_and_creates_nothing(admin_client, done_run):
    data = {"step": 40, "message_to": "all"}
    response = admin_client.post(reverse("runs:fork", args=[done_run.pk]), data)
    assert response.status_code == 200
    assert "there is no tick 40" in response.content.decode()
    assert Run.objects.count() == 1


def test_comparing_a_fork_with_its_parent_names_the_fork_tick(admin_client, flood_version):
    parent = finished_run(flood_version, ticks=4)
    from runs_app.services.forks import run_fork

    fork = run_fork(run=parent, step=2, start=False)
    page = admin_client.get(reverse("runs:compare") + f"?runs={parent.pk},{fork.pk}")
    html = page.content.decode()
    assert f"Run #{fork.pk} is a fork of run #{parent.pk} at tick 2" in html
    assert f"#{fork.pk} seed {fork.seed} (fork of #{parent.pk} at 2)" in html


def test_the_admin_shows_a_step_decoded(admin_client, done_run):
    step = done_run.steps.get(index=2)
    page = admin_client.get(f"/admin/runs_app/step/{step.pk}/change/")
    assert page.status_code == 200
    assert "&quot;tick&quot;: 2" in page.content.decode()


def test_feelings_and_events_from_the_form_are_queued_for_the_forks_first_tick(
    admin_client, done_run
):
    data = {
        "step": 2,
        "message_to": "all",
        "emotions": "Mayor: {fear: 0.9}",
        "events": "- {type: rain_change, intensity: 3.0}",
    }
    response = admin_client.post(reverse("runs:fork", args=[done_run.pk]), data)
    fork = Run.objects.get(parent=done_run)
    assert response["Location"] == reverse("runs:console", args=[fork.pk])
    queued = {control.kind: control.payload for control in PendingControl.objects.filter(run=fork)}
    assert set(queued) == {"trigger_event", "set_emotion"}
    assert "rain_change" in str(queued["trigger_event"])
    assert "Mayor" in str(queued["set_emotion"]) and "0.9" in str(queued["set_emotion"])


@pytest.mark.parametrize(
    ("field", "text", "error"),
    [
        (
            "emotions",
            "Mayor: 0.9",
            "give each agent a mapping of feelings such as {fear: 0.9}: Mayor",
        ),
        ("emotions", "Mayor: [", "Feelings is not valid YAML"),
        ("events", "- {intensity: 3.0}", "event 1 needs a &quot;type&quot;"),
        ("events", "rain", "Events must be a list"),
        ("emotions", "Nobody: {fear: 0.5}", "Nobody"),
    ],
)
def test_bad_feelings_or_events_are_named_and_nothing_is_created(
    admin_client, done_run, field, text, error
):
    data = {"step": 2, "message_to": "all", field: text}
    response = admin_client.post(reverse("runs:fork", args=[done_run.pk]), data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Run.objects.filter(parent=done_run).exists()


def test_the_parents_console_lists_its_forks_and_the_explorer_filters_by_parent(
    admin_client, done_run, flood_version
):
    from runs_app.services.forks import run_fork

    forks = [run_fork(run=done_run, step=step, start=False) for step in (2, 1)]
    other = finished_run(flood_version, ticks=2, seed=9)
    console = admin_client.get(reverse("runs:console", args=[done_run.pk])).content.decode()
    expected = (
        f'2 forks: <a href="/runs/{forks[1].pk}/">run {forks[1].pk}</a> at tick 1, '
        f'<a href="/runs/{forks[0].pk}/">run {forks[0].pk}</a> at tick 2'
    )
    assert expected in console
    assert (
        'id="run-forks"'
        not in admin_client.get(reverse("runs:console", args=[other.pk])).content.decode()
    )
    listed = admin_client.get(reverse("runs:list"), {"parent": done_run.pk}).content.decode()
    for fork in forks:
        assert f'href="/runs/{fork.pk}/"' in listed
    assert f'href="/runs/{other.pk}/"' not in listed
