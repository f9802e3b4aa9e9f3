import pytest
from django.urls import reverse

from runs_app.models import Batch, Event, PendingControl, Run, RunStatus
from runs_app.services.live import LiveCursor, live_update
from tests.console.conftest import finished_run

pytestmark = pytest.mark.django_db


def test_run_pages_need_login(client, done_run):
    for url in [
        reverse("runs:console", args=[done_run.pk]),
        reverse("runs:new"),
        reverse("runs:compare"),
    ]:
        assert client.get(url).status_code == 302


def test_starting_a_run_from_the_form(
    admin_client, flood_version, django_capture_on_commit_callbacks
):
    data = {
        "version": flood_version.pk,
        "seed": 5,
        "max_ticks": 4,
        "model_override": "offline/heuristic",
    }
    response = admin_client.post(reverse("runs:new"), data)
    run = Run.objects.get()
    assert response["Location"] == reverse("runs:console", args=[run.pk])
    assert run.seed == 5 and run.overrides == {
        "max_ticks": 4,
        "model_override": "offline/heuristic",
    }
    assert run.status == RunStatus.PAUSED


def test_an_invalid_run_form_shows_its_errors_and_creates_nothing(admin_client, flood_version):
    data = {"version": flood_version.pk, "max_ticks": 0, "params": "rain_intensity: [oops"}
    response = admin_client.post(reverse("runs:new"), data)
    assert response.status_code == 200
    assert (
        "max_ticks" in response.context["form"].errors
        and "params" in response.context["form"].errors
    )
    assert not Run.objects.exists()


def test_a_bad_parameter_is_refused_with_its_path(admin_client, flood_version):
    data = {"version": flood_version.pk, "params": "no_such_param: 1", "start": "on"}
    response = admin_client.post(reverse("runs:new"), data)
    assert 'id="run-errors"' in response.content.decode()
    assert "no_such_param" in response.content.decode()
    assert not Run.objects.exists()


def test_home_quick_start_uses_the_latest_version(admin_client, flood_version):
    response = admin_client.post(
        reverse("runs:new"),
        {"scenario": flood_version.scenario_id, "model_override": "offline/heuristic"},
    )
    assert Run.objects.get().scenario_version == flood_version
    assert response.status_code == 302


def test_the_console_shows_status_agents_timeline_chat_and_chart_data(admin_client, done_run):
    content = admin_client.get(reverse("runs:console", args=[done_run.pk])).content.decode()
    assert 'id="run-tick"' in content and f">{done_run.current_step}<" in content
    assert "Rescuer 1" in content and "emotion-bar" in content
    assert 'id="timeline-body"' in content and "decision-row" in content
    assert 'id="chat-data"' not in content and 'id="chart-data"' in content
    assert 'ws-connect="/ws/runs/' in content


def test_pause_step_and_resume_from_the_console(
    admin_client, paused_run, django_capture_on_commit_callbacks
):
    url = lambda action: reverse("runs:control", args=[paused_run.pk, action])  # noqa: E731
    response = admin_client.post(url("step"), HTTP_HX_REQUEST="true")
    assert 'id="run-header"' in response.content.decode()
    paused_run.refresh_from_db()
    assert paused_run.pending_steps == 1
    refused = admin_client.post(url("pause"), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="control-error"' in refused and "cannot pause" in refused
    Run.objects.filter(pk=paused_run.pk).update(pending_steps=0)
    admin_client.post(url("resume"), HTTP_HX_REQUEST="true")
    paused_run.refresh_from_db()
    assert paused_run.status in (RunStatus.QUEUED, RunStatus.RUNNING)


def test_an_unknown_control_is_not_found(admin_client, paused_run):
    assert (
        admin_client.post(reverse("runs:control", args=[paused_run.pk, "explode"])).status_code
        == 404
    )


def test_sending_a_message_to_an_agent_queues_it(admin_client, paused_run):
    data = {"kind": "message", "to": "agent:Rescuer 1", "text": "Check the school first."}
    response = admin_client.post(
        reverse("runs:inject", args=[paused_run.pk]), data, HTTP_HX_REQUEST="true"
    )
    assert 'id="inject-sent"' in response.content.decode()
    control = PendingControl.objects.get()
    assert control.payload == {"to": "agent:Rescuer 1", "text": "Check the school first."}


def test_a_command_to_a_room_is_refused_inline(admin_client, paused_run):
    data = {"kind": "command", "to": "room:command", "text": "Regroup"}
    response = admin_client.post(
        reverse("runs:inject", args=[paused_run.pk]), data, HTTP_HX_REQUEST="true"
    )
    assert "a command goes to one agent" in response.content.decode()
    assert not PendingControl.objects.exists()


def test_agent_buttons_queue_a_status_change(admin_client, paused_run):
    agent = paused_run.agents.get(name="Medic 1")
    url = reverse("runs:agent_control", args=[paused_run.pk, agent.pk, "mute"])
    response = admin_client.post(url, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    # the agent's own cells and buttons, swapped in place by id, and the header's queue
    assert f'<td id="agent-{agent.pk}-status"' in html and "muting at next tick" in html
    assert (
        f'id="agent-{agent.pk}-buttons" class="agent-buttons edit-only mt-1" hx-swap-oob="true"'
        in html
    )
    assert "Queued for the next tick" in html and "mute Medic 1" in html
    assert PendingControl.objects.get().kind == "mute_agent"


def test_duplicate_with_tweaks(admin_client, done_run):
    response = admin_client.post(
        reverse("runs:duplicate", args=[done_run.pk]), {"seed": 11, "params": "rain_intensity: 0.9"}
    )
    new = Run.objects.exclude(pk=done_run.pk).get()
    assert response["Location"] == reverse("runs:console", args=[new.pk])
    assert new.seed == 11 and new.overrides["params"] == {"rain_intensity": 0.9}
    assert new.overrides["model_override"] == "offline/heuristic"


def test_since_returns_what_a_client_missed(admin_client, done_run):
    content = admin_client.get(reverse("runs:since", args=[done_run.pk, 1])).content.decode()
    assert (
        'id="chart-frame"' in content
        and "&quot;i&quot;:2" in content
        and "&quot;i&quot;:1," not in content
    )
    # rows go in a <template>-wrapped <tbody>: a bare one is dropped outside a table
    assert '<template><tbody hx-swap-oob="beforeend:#timeline-body">' in content


def test_live_update_never_sends_a_row_twice(done_run):
    html, cursor = live_update(done_run.pk, LiveCursor(step=0))
    assert cursor.step == done_run.current_step
    first = Event.objects.filter(run=done_run).order_by("id").first()
    assert first is not None
    assert f'id="ev-{first.pk}"' in html
    again, cursor = live_update(done_run.pk, cursor)
    assert 'id="ev-' not in again
    assert "#timeline-body" not in again  # nothing new: no empty rows fragment
    done_run.events.create(step=done_run.current_step, type="control", data={"action": "note"})
    latest = Event.objects.latest("id")
    third, _ = live_update(done_run.pk, cursor)
    assert f'id="ev-{latest.pk}"' in third


def test_timeline_filter_chat_and_decision_detail(admin_client, done_run):
    rows = admin_client.get(
        reverse("runs:timeline", args=[done_run.pk]) + "?type=AgentDecided"
    ).content.decode()
    assert 'data-type="AgentActed"' not in rows and 'data-type="AgentDecided"' in rows
    chat = admin_client.get(
        reverse("runs:chat", args=[done_run.pk]) + "?chat=agent:Mayor"
    ).content.decode()
    assert 'id="chat-log"' in chat and "agent:Mayor" in chat
    decision = Event.objects.filter(run=done_run, type="AgentDecided").first()
    assert decision is not None
    detail = admin_client.get(
        reverse("runs:event_detail", args=[done_run.pk, decision.pk])
    ).content.decode()
    assert "Thought" in detail and "Prompt" in detail and "tokens" in detail


def test_the_explorer_filters_and_links_comparison(admin_client, flood_version):
    a = finished_run(flood_version, ticks=2, seed=1)
    finished_run(flood_version, ticks=2, seed=2)
    content = admin_client.get(reverse("runs:list") + "?seed=1").content.decode()
    assert f'value="{a.pk}"' in content and "1 run" in content
    assert 'id="compare-selected"' in content


def test_comparing_two_runs(admin_client, flood_version):
    a = finished_run(flood_version, ticks=2, seed=1)
    b = finished_run(flood_version, ticks=2, seed=2)
    content = admin_client.get(reverse("runs:compare") + f"?runs={a.pk},{b.pk}").content.decode()
    assert 'id="compare-table"' in content and 'id="compare-data"' in content
    assert "rescued" in content and "overlay-charts" in content


def test_batches_new_detail_and_list(admin_client, flood_version):
    data = {
        "version": flood_version.pk,
        "grid": "rain_intensity: [0.4, 0.8]",
        "seeds_per_cell": 2,
        "concurrency": 2,
        "max_ticks": 2,
        "model_override": "offline/heuristic",
    }
    response = admin_client.post(reverse("runs:batch_new"), data)
    batch = Batch.objects.get()
    assert response["Location"] == reverse("runs:batch_detail", args=[batch.pk])
    assert batch.total_runs == 4
    detail = admin_client.get(reverse("runs:batch_detail", args=[batch.pk])).content.decode()
    assert 'id="batch-progress"' in detail and "rain_intensity" in detail
    assert "Batch" in admin_client.get(reverse("runs:batches")).content.decode()


def test_a_bad_grid_is_refused(admin_client, flood_version):
    data = {
        "version": flood_version.pk,
        "grid": "rain_intensity: 0.4",
        "seeds_per_cell": 2,
        "concurrency": 2,
    }
    response = admin_client.post(reverse("runs:batch_new"), data)
    assert "non-empty list" in response.content.decode()
    assert not Batch.objects.exists()


def test_home_lists_scenarios_recent_runs_and_start_forms(admin_client, done_run):
    content = admin_client.get("/").content.decode()
    assert "Riverside flood" in content and 'id="quick-run"' in content
    assert f'href="/runs/{done_run.pk}/"' in content
    fragment = admin_client.get(reverse("runs:recent")).content.decode()
    assert 'id="run-table"' in fragment
