"""Prompts are stored once per distinct text, and every reader still shows them in full."""

from __future__ import annotations

import html
import json
from typing import Any

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


def migrate_to(target: list[tuple[str, str]] | None) -> Any:
    """Migrate the test database to `target` (None: the latest); the app registry there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    plan = executor.loader.graph.leaf_nodes() if target is None else target
    executor.migrate(plan)
    return executor.loader.project_state(plan).apps


def old_run(apps: Any, name: str) -> Any:
    """A run of a one-version scenario `name`, made with the models of `apps`."""
    scenario = apps.get_model("scenarios_app", "Scenario").objects.create(name=name)
    version = apps.get_model("scenarios_app", "ScenarioVersion").objects.create(
        scenario=scenario, number=1, spec={"name": name}
    )
    return apps.get_model("runs_app", "Run").objects.create(scenario_version=version)


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
    admin_page = admin_client.get(f"/admin/runs_app/llmcall/{call.pk}/change/")
    assert admin_page.status_code == 200
    shown = admin_page.content.decode()
    assert html.escape(SYSTEMS["Mayor"]) in shown
    assert html.escape(json.dumps(_prompt("Mayor", TICKS), ensure_ascii=False))[:200] in shown
    texts = admin_client.get("/admin/runs_app/prompttext/", {"q": "Rescuer 1"})
    assert texts.status_code == 200 and "Rescuer 1" in texts.content.decode()


BEFORE = [("runs_app", "0008_run_evaluation_due_at")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(300)
def test_the_migration_carries_recorded_prompts_forward_and_back():
    apps = migrate_to(BEFORE)
    run = old_run(apps, "Prompts")
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

    migrate_to(None)
    calls = LLMCall.objects.select_related("system_text", "messages_base")
    assert {c.pk: (c.system, c.messages) for c in calls} == written
    assert PromptText.objects.filter(text__in=SYSTEMS.values()).count() == len(SYSTEMS)

    apps = migrate_to(BEFORE)
    back = apps.get_model("runs_app", "LLMCall").objects.all()
    assert {c.pk: (c.system, c.messages) for c in back} == written
    migrate_to(None)


RECALLED = {
    "memories": [
        {
            "seq": 169 - i,
            "kind": "observation",
            "tick": 49 - i,
            "score": 3.1542 - i / 7,
            "recency": 0.99**i,
            "relevance": 0.7071,
            "importance": 0.75 if i else 1,
        }
        for i in range(5)
    ]
}


def _stored_data(pk: int) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT data::text FROM runs_app_event WHERE id = %s", [pk])
        return json.loads(cursor.fetchone()[0])


@pytest.mark.django_db
def test_recalled_memories_are_stored_packed_and_every_reader_sees_them_as_recorded(api, user):
    from runs_app.models import Event
    from runs_app.services.adapters import event_rows
    from runs_app.services.traces import run_trace
    from simengine.core.runner import trace_line

    run = make_run(user=user)
    raw = [{"type": "MemoriesRecalled", "agent": "Mayor", "data": RECALLED}]
    (event,) = Event.objects.bulk_create(event_rows(run.pk, 3, raw))
    assert list(_stored_data(event.pk)) == ["~memories"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_size(data), pg_column_size(%s::jsonb) FROM runs_app_event"
            " WHERE id = %s",
            [json.dumps(RECALLED), event.pk],
        )
        packed, plain = cursor.fetchone()
    assert packed < plain * 0.6
    read = Event.objects.get(pk=event.pk).data
    assert read == RECALLED
    # Keys in the order jsonb gave them before: shorter first, then bytewise.
    assert list(read["memories"][0]) == [
        "seq",
        "kind",
        "tick",
        "score",
        "recency",
        "relevance",
        "importance",
    ]
    listed = api.get(f"/api/runs/{run.pk}/events/", {"type": "MemoriesRecalled"}).json()
    assert listed["results"][0]["data"] == RECALLED
    line = trace_line({"tick": 3, "type": "MemoriesRecalled", "agent": "Mayor", "data": RECALLED})
    assert list(run_trace(run)) == [line + "\n"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(300)
def test_the_migration_packs_recorded_recalls_and_unpacks_them_back():
    before = [("runs_app", "0009_prompt_texts_once")]
    apps = migrate_to(before)
    run = old_run(apps, "Recalls")
    Old = apps.get_model("runs_app", "Event")
    recalled = Old.objects.create(run_id=run.pk, step=1, type="MemoriesRecalled", data=RECALLED)
    empty = Old.objects.create(
        run_id=run.pk, step=1, type="MemoriesRecalled", data={"memories": []}
    )
    acted = Old.objects.create(
        run_id=run.pk, step=1, type="AgentActed", data={"memories": [{"a": 1}]}
    )
    kept = {empty.pk: {"memories": []}, acted.pk: {"memories": [{"a": 1}]}}

    migrate_to(None)
    from runs_app.models import Event

    assert list(_stored_data(recalled.pk)) == ["~memories"]
    assert Event.objects.get(pk=recalled.pk).data == RECALLED
    assert {pk: _stored_data(pk) for pk in kept} == kept

    migrate_to(before)
    assert _stored_data(recalled.pk) == RECALLED
    migrate_to(None)


ANSWER = {"thought": "Go.", "actions": [{"type": "move", "to": "school"}], "message": None}


@pytest.mark.django_db
def test_a_parsed_answer_equal_to_the_parsed_response_is_not_stored_again(api, user):
    from dataclasses import replace

    run = make_run(user=user)
    same = replace(record("Mayor", parsed=ANSWER), response_text=json.dumps(ANSWER))
    # 1 is not true in JSON, though it is in Python: that answer is kept as it was parsed.
    flag = {"ok": True}
    other = replace(record("Medic", parsed=flag), response_text='{"ok": 1}')
    unusable = replace(record("Rescuer 1", parsed=None), response_text="not JSON")
    stored = {c.agent: c for c in store(run, 1, same, other, unusable)}
    assert stored["Mayor"].parsed_is_response and stored["Mayor"].parsed_stored is None
    assert stored["Mayor"].parsed == ANSWER
    # Keys in the order jsonb gave them before: shorter first, then bytewise.
    assert list(stored["Mayor"].parsed) == ["actions", "message", "thought"]
    assert not stored["Medic"].parsed_is_response and stored["Medic"].parsed == flag
    assert stored["Rescuer 1"].parsed is None and not stored["Rescuer 1"].parsed_is_response
    detail = api.get(f"/api/llm-calls/{stored['Mayor'].pk}/").json()
    assert detail["parsed"] == ANSWER and list(detail["parsed"]) == [
        "actions",
        "message",
        "thought",
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(300)
def test_the_migration_leaves_out_parsed_answers_equal_to_the_response_and_puts_them_back():
    before = [("runs_app", "0010_packed_event_data")]
    apps = migrate_to(before)
    run = old_run(apps, "Answers")
    Old = apps.get_model("runs_app", "LLMCall")

    def call(response_text, parsed):
        return Old.objects.create(
            run_id=run.pk,
            step=1,
            provider="offline",
            model="offline/x",
            response_text=response_text,
            parsed=parsed,
        ).pk

    written = {
        call(json.dumps(ANSWER), ANSWER): ANSWER,
        call('{"ok": 1}', {"ok": True}): {"ok": True},
        call("no", None): None,
    }
    migrate_to(None)
    calls = LLMCall.objects.in_bulk(list(written))
    assert {pk: c.parsed for pk, c in calls.items()} == written
    assert [calls[pk].parsed_is_response for pk in written] == [True, False, False]

    apps = migrate_to(before)
    back = apps.get_model("runs_app", "LLMCall").objects.in_bulk(list(written))
    assert {pk: c.parsed for pk, c in back.items()} == written
    migrate_to(None)
