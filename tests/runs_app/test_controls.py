import time

import pytest

from agents_app.models import Agent
from runs_app.models import Event, Step
from runs_app.services.errors import ControlRefused
from runs_app.services.runs import (
    agent_set_status,
    run_create,
    run_inject_command,
    run_inject_message,
    run_pause,
    run_resume,
    run_set_world_value,
    run_step,
    run_stop,
    run_trigger_event,
)
from tests.fakes import FakeOllama
from tests.runs_app.factories import small_flood_version, wait_for_run, wait_until_final

pytestmark = pytest.mark.django_db(transaction=True)


def paused_run(max_ticks: int = 12, **kwargs):
    return run_create(version=small_flood_version(max_ticks=max_ticks), start=False, **kwargs)


def step_once(run):
    before = run.current_step
    run_step(run=run)
    return wait_for_run(run, lambda r: r.current_step == before + 1 and r.pending_steps == 0)


def test_pause_step_step_resume_advances_exactly_one_tick_per_step():
    run = paused_run()
    assert (run.status, run.current_step) == ("paused", 0)
    step_once(run)
    time.sleep(0.3)
    run.refresh_from_db()
    assert (run.status, run.current_step) == ("paused", 1)
    step_once(run)
    assert (run.status, run.current_step) == ("paused", 2)
    run_resume(run=run)
    run = wait_until_final(run)
    assert run.status == "completed"
    assert list(Step.objects.filter(run=run).values_list("index", flat=True)) == list(range(1, 13))
    actions = list(
        Event.objects.filter(run=run, type="control").values_list("data__action", flat=True)
    )
    assert actions == ["step", "step", "resume"]


def test_step_on_a_running_run_is_refused_with_a_reason():
    run = run_create(version=small_flood_version(max_ticks=200))
    run = wait_for_run(run, lambda r: r.status == "running")
    with pytest.raises(ControlRefused, match="pause it first to step"):
        run_step(run=run)
    run_stop(run=run)
    wait_until_final(run)


def test_pausing_a_running_run_holds_it_at_a_tick_boundary_until_resumed():
    run = run_create(version=small_flood_version(max_ticks=150))
    wait_for_run(run, lambda r: r.current_step >= 2)
    run_pause(run=run)
    time.sleep(0.5)
    run.refresh_from_db()
    held = run.current_step
    time.sleep(0.5)
    run.refresh_from_db()
    assert (run.status, run.current_step) == ("paused", held)
    run_resume(run=run)
    run = wait_until_final(run, timeout=120)
    assert (run.status, run.current_step) == ("completed", 150)


def test_stop_ends_a_running_run_as_stopped():
    run = run_create(version=small_flood_version(max_ticks=500))
    wait_for_run(run, lambda r: r.current_step >= 2)
    run_stop(run=run)
    run = wait_until_final(run)
    assert (run.status, run.end_reason) == ("stopped", "stopped by operator")
    assert run.current_step < 500


def test_a_finished_run_refuses_every_control():
    run = wait_until_final(run_create(version=small_flood_version(max_ticks=3)))
    for control in (run_pause, run_resume, run_step, run_stop):
        with pytest.raises(ControlRefused, match="it is completed"):
            control(run=run)
    with pytest.raises(ControlRefused):
        run_inject_message(run=run, to="all", text="hello")


def test_muting_an_agent_applies_at_the_next_tick_and_is_recorded():
    run = paused_run()
    agent_set_status(run=run, agent_name="Rescuer 1", status="muted")
    step_once(run)
    assert Agent.objects.get(run=run, name="Rescuer 1").status == "muted"
    applied = Event.objects.get(run=run, step=1, type="ControlApplied")
    assert applied.data["control"] == {"kind": "mute_agent", "agent": "Rescuer 1"}
    assert run.pending_controls.get().applied_step == 1


def test_a_terminated_agent_never_decides_again():
    run = paused_run()
    step_once(run)
    agent_set_status(run=run, agent_name="Rescuer 2", status="terminated")
    step_once(run)
    step_once(run)
    assert Agent.objects.get(run=run, name="Rescuer 2").status == "terminated"
    decided_steps = set(
        Event.objects.filter(run=run, agent="Rescuer 2", type="AgentDecided").values_list(
            "step", flat=True
        )
    )
    assert decided_steps == {1}
    with pytest.raises(ControlRefused, match="terminated"):
        agent_set_status(run=run, agent_name="Rescuer 2", status="active")


def test_controls_name_unknown_agents_and_rooms():
    run = paused_run()
    with pytest.raises(ControlRefused, match="no agent named 'Nobody'"):
        agent_set_status(run=run, agent_name="Nobody", status="muted")
    with pytest.raises(ControlRefused, match="no room 'kitchen'"):
        run_inject_message(run=run, to="room:kitchen", text="hi")
    with pytest.raises(ControlRefused, match="unknown recipient"):
        run_inject_message(run=run, to="someone", text="hi")


def test_god_mode_sets_the_water_level_and_fires_a_levee_breach():
    run = paused_run()
    run_set_world_value(run=run, path="water_level", value=5.0)
    step_once(run)
    assert Step.objects.get(run=run, index=1).metrics["water_level"] >= 5.0
    run_trigger_event(run=run, event_type="levee_breach")
    step_once(run)
    assert Event.objects.filter(run=run, step=2, type="ControlApplied").count() == 1
    assert Step.objects.get(run=run, index=2).metrics["water_level"] > 5.0


def test_an_injected_message_and_command_reach_the_agents_next_prompt(monkeypatch):
    with FakeOllama(slots=4) as ollama:
        monkeypatch.setenv("OLLAMA_HOST", ollama.url)
        run = paused_run(overrides={"model_override": "ollama/llama3.2"})
        assert run.notes == []
        step_once(run)
        run_inject_message(run=run, to="agent:Rescuer 1", text="The school roof is collapsing!")
        run_inject_command(run=run, agent_name="Rescuer 1", text="Head to the school now.")
        step_once(run)
    calls = run.llm_calls.filter(agent="Rescuer 1", purpose="decide")
    first, second = (str(calls.get(step=s).messages) for s in (1, 2))
    assert "The school roof is collapsing!" not in first
    assert "The school roof is collapsing!" in second
    assert "Head to the school now." in second
    assert calls.get(step=2).provider == "ollama"


def test_a_run_whose_model_is_unreachable_falls_back_to_offline_and_says_so(monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", "http://127.0.0.1:9")
    run = paused_run(overrides={"model_override": "ollama/llama3.2"})
    assert run.overrides["model_override"] == "offline/heuristic"
    assert "OLLAMA_HOST" in run.notes[0] or "127.0.0.1:9" in run.notes[0]
    step_once(run)
    assert set(run.llm_calls.values_list("provider", flat=True)) == {"offline"}
