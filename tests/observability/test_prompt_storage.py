"""Prompts are stored once per distinct text, and every reader still shows them in full."""

from __future__ import annotations

import html

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from runs_app.models import LLMCall, PromptText
from runs_app.services.prompt_texts import KEYFRAME_TICKS
from tests.api.factories import make_run
from tests.observability.factories import record, store

# Long enough that storing it per call would show; each agent has its own.
SYSTEMS = {
    "Rescuer 1": "You are Rescuer 1 <boat crew>. " + "Keep people out of the water. " * 150,
    "Mayor": "You are the Mayor & coordinator. " + "Hold the command room. " * 150,
}
TICKS = 12


def _prompt(agent: str, step: int) -> str:
    return (
        f"== Tick {step} ==\n{agent} sees water at {step * 0.3:.1f} m.\n"
        + "Docks: 6 waiting.\n" * 30
    )


def _store_ticks(run) -> None:
    for step in range(1, TICKS + 1):
        store(
            run, step, *(record(a, system=s, prompt=_prompt(a, step)) for a, s in SYSTEMS.items())
        )


@pytest.mark.django_db
def test_each_distinct_prompt_text_is_stored_once():
    first, second = make_run(), make_run()
    _store_ticks(first)
    calls = LLMCall.objects.filter(run=first)
    assert calls.count() == TICKS * len(SYSTEMS)
    systems = PromptText.objects.filter(text__in=SYSTEMS.values())
    assert systems.count() == len(SYSTEMS)
    assert calls.values("system_text").distinct().count() == len(SYSTEMS)
    # One base of messages per agent every KEYFRAME_TICKS ticks; the other calls are deltas.
    keyframes = -(-TICKS // KEYFRAME_TICKS) * len(SYSTEMS)
    assert PromptText.objects.count() == len(SYSTEMS) + keyframes
    assert calls.values("messages_base").distinct().count() == keyframes
    for call in calls.select_related("system_text", "messages_base"):
        assert call.system == SYSTEMS[call.agent]
        assert call.messages == [{"role": "user", "content": _prompt(call.agent, call.step)}]
        assert len(call.messages_packed) < 200
    _store_ticks(second)
    assert PromptText.objects.filter(text__in=SYSTEMS.values()).count() == len(SYSTEMS)


@pytest.mark.django_db
def test_a_call_without_system_prompt_or_messages_reads_back_empty():
    run = make_run()
    store(run, 1, record("", purpose="evaluate", system="", prompt=""))
    call = LLMCall.objects.get(run=run)
    assert call.system_text_id is None and call.system == ""
    assert call.messages == [{"role": "user", "content": ""}]


@pytest.mark.django_db
def test_every_reader_shows_the_full_prompt(api, user, admin_client):
    run = make_run(user=user)
    _store_ticks(run)
    call = LLMCall.objects.get(run=run, agent="Mayor", step=TICKS)
    expected = [{"role": "user", "content": _prompt("Mayor", TICKS)}]
    detail = api.get(f"/api/llm-calls/{call.pk}/").data
    assert detail["system"] == SYSTEMS["Mayor"] and detail["messages"] == expected
    history = api.get(f"/api/runs/{run.pk}/llm-calls/", {"agent": "Mayor", "limit": 100}).json()
    assert [c["system"] for c in history["results"]] == [SYSTEMS["Mayor"]] * TICKS
    assert history["results"][-1]["messages"] == expected
    page = admin_client.get(reverse("runs:llm_call", args=[call.pk])).content.decode()
    assert html.escape(SYSTEMS["Mayor"]) in page
    assert html.escape(_prompt("Mayor", TICKS)) in page
    diff = admin_client.get(
        reverse("runs:prompt_diff"), {"run": run.pk, "agent": "Mayor", "a": 1, "b": TICKS}
    ).content.decode()
    assert "Stable prefix: " in diff and html.escape(f"Tick {TICKS} ==") in diff


BEFORE = [("runs_app", "0008_run_evaluation_due_at")]
AFTER = [("runs_app", "0009_prompt_texts_once")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(300)
def test_the_migration_carries_recorded_prompts_forward_and_back():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Scenario = apps.get_model("scenarios_app", "Scenario")
    Version = apps.get_model("scenarios_app", "ScenarioVersion")
    scenario = Scenario.objects.create(name="Prompts")
    version = Version.objects.create(scenario=scenario, number=1, spec={"name": "Prompts"})
    run = apps.get_model("runs_app", "Run").objects.create(scenario_version=version)
    Old = apps.get_model("runs_app", "LLMCall")
    written = {}
    for step in range(1, TICKS + 1):
        for agent, system in [*SYSTEMS.items(), ("", "")]:
            messages = [{"role": "user", "content": _prompt(agent, step)}]
            if not agent:
                messages = [{"role": "system", "content": "Judge."}, *messages]
            pk = Old.objects.create(
                run_id=run.pk,
                step=step,
                agent=agent,
                provider="ollama",
                model="ollama/x",
                purpose="decide" if agent else "evaluate",
                system=system,
                messages=messages,
            ).pk
            written[pk] = (system, messages)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    calls = LLMCall.objects.select_related("system_text", "messages_base")
    assert {c.pk: (c.system, c.messages) for c in calls} == written
    assert PromptText.objects.filter(text__in=SYSTEMS.values()).count() == len(SYSTEMS)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    back = apps.get_model("runs_app", "LLMCall").objects.all()
    assert {c.pk: (c.system, c.messages) for c in back} == written
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
