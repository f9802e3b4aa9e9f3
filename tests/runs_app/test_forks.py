"""Forking a run at a stored tick: exact continuation, LLM prefix untouched, clear refusals."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from agents_app.models import Agent, AgentMemory
from runs_app.models import Event, LLMCall, Message, PendingControl, Run, Step
from runs_app.selectors import snapshot_at
from runs_app.services.errors import ControlRefused, InvalidControl, InvalidRunConfig
from runs_app.services.forks import run_fork
from runs_app.services.runs import run_create
from tests.fakes import FakeOllama
from tests.runs_app.factories import small_flood_version, wait_until_final
from tests.services import unavailable

pytestmark = pytest.mark.django_db(transaction=True)

K = 4


def _said(run: Run, after: int) -> list[tuple]:
    rows = Message.objects.filter(run=run, step__gt=after).order_by("step", "id")
    return list(rows.values_list("step", "sender", "channel", "recipient", "audience", "text"))


def _happened(run: Run, after: int, *, models: bool = True) -> list[tuple]:
    """Events after tick `after`; without `models`, leaving out which model decided."""
    rows = Event.objects.filter(run=run, step__gt=after).order_by("step", "id")
    return [
        (step, agent, kind, _without_run_id(data if models else _no_model(data), run.pk))
        for step, agent, kind, data in rows.values_list("step", "agent", "type", "data")
    ]


def _no_model(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "model"}


def _without_run_id(value, run_id: int):
    """Message ids carry their run's id (`<run>:<tick>:<n>`): compare them without it."""
    text = re.sub(rf'"{run_id}:(\d+):(\d+)"', r'"run:\1:\2"', _json(value))
    return text


def _json(value) -> str:
    import json

    return json.dumps(value, sort_keys=True)


def _stored(run: Run, tick: int) -> dict:
    snapshot = snapshot_at(run, tick)
    assert snapshot is not None, f"run {run.pk} has no tick {tick}"
    return snapshot


def _measured(run: Run, after: int) -> list[tuple]:
    rows = Step.objects.filter(run=run, index__gt=after).order_by("index")
    return list(rows.values_list("index", "metrics"))


@pytest.mark.postgres
def test_a_fork_without_changes_replays_the_parents_remaining_ticks_exactly_on_postgresql():
    if connection.vendor != "postgresql":
        unavailable("PostgreSQL (set DATABASE_URL to a PostgreSQL database)")
    version = small_flood_version(max_ticks=10, memory={"enabled": True})
    parent = wait_until_final(run_create(version=version, seed=11))
    assert parent.current_step == 10
    fork = wait_until_final(run_fork(run=parent, step=K))
    assert (fork.status, fork.parent_id, fork.fork_step, fork.seed) == (
        "completed",
        parent.pk,
        K,
        parent.seed,
    )
    assert _said(fork, K) == _said(parent, K) != []
    assert _happened(fork, K) == _happened(parent, K)
    assert _measured(fork, K) == _measured(parent, K)
    assert fork.metrics == parent.metrics and fork.outcome == parent.outcome
    for tick in (K, K + 1, 10):
        mine = {**_stored(fork, tick), "run_id": "-"}
        theirs = {**_stored(parent, tick), "run_id": "-"}
        assert _without_run_id(mine, fork.pk) == _without_run_id(theirs, parent.pk)
    # the fork executed from tick K + 1 only, on a copy of tick K and of its memories
    acted = Event.objects.filter(run=fork).exclude(type="RunForked")
    assert min(acted.values_list("step", flat=True)) == K + 1
    assert not Message.objects.filter(run=fork, step__lte=K).exists()
    assert list(Step.objects.filter(run=fork).values_list("index", flat=True)) == list(range(K, 11))
    assert not LLMCall.objects.filter(run=fork, step__lte=K).exists()
    copied = AgentMemory.objects.filter(run=fork, tick__lte=K).count()
    assert copied == AgentMemory.objects.filter(run=parent, tick__lte=K).count() > 0


def test_a_fork_with_another_seed_diverges_and_records_its_lineage():
    parent = wait_until_final(run_create(version=small_flood_version(max_ticks=8), seed=11))
    fork = wait_until_final(run_fork(run=parent, step=K, seed=12))
    assert (fork.seed, fork.parent_id, fork.fork_step) == (12, parent.pk, K)
    assert _said(fork, K) != _said(parent, K)
    forked = Event.objects.get(run=fork, type="RunForked")
    assert (forked.step, forked.data["parent"], forked.data["seed"]) == (K, parent.pk, 12)


def test_a_fork_of_an_llm_run_asks_no_model_about_the_ticks_it_inherits(monkeypatch):
    version = small_flood_version(max_ticks=6)
    with FakeOllama(slots=4) as ollama:
        monkeypatch.setenv("OLLAMA_HOST", ollama.url)
        parent = wait_until_final(
            run_create(version=version, seed=5, overrides={"model_override": "ollama/llama3.2"})
        )
        assert parent.notes == [] and parent.current_step == 6
        before = len(ollama.chats())
        fork = wait_until_final(run_fork(run=parent, step=3))
        asked = ollama.chats()[before:]
    ticks = {int(t) for body in asked for t in re.findall(r"== Tick (\d+)", _json(body))}
    assert ticks == {4, 5, 6}
    steps = set(LLMCall.objects.filter(run=fork).values_list("step", flat=True))
    assert steps == {4, 5, 6}
    assert set(LLMCall.objects.filter(run=fork).values_list("provider", flat=True)) == {"ollama"}


def test_a_fork_replaying_its_parent_reproduces_the_parent_exactly(monkeypatch):
    version = small_flood_version(max_ticks=6)
    with FakeOllama(slots=4) as ollama:
        monkeypatch.setenv("OLLAMA_HOST", ollama.url)
        parent = wait_until_final(
            run_create(version=version, seed=5, overrides={"model_override": "ollama/llama3.2"})
        )
        before = len(ollama.chats())
        fork = wait_until_final(
            run_fork(run=parent, step=3, overrides={"model_override": f"replay/{parent.pk}"})
        )
        assert len(ollama.chats()) == before  # every answer came from the recording
    assert set(LLMCall.objects.filter(run=fork).values_list("provider", flat=True)) == {"replay"}
    assert _said(fork, 3) == _said(parent, 3)
    assert _happened(fork, 3, models=False) == _happened(parent, 3, models=False) != []
    assert _measured(fork, 3) == _measured(parent, 3)
    assert fork.metrics == parent.metrics


def test_changes_are_queued_for_the_forks_first_tick():
    parent = wait_until_final(run_create(version=small_flood_version(max_ticks=8), seed=11))
    fork = run_fork(
        run=parent,
        step=K,
        start=False,
        overrides={
            "params": {"rain_intensity": 2.5},
            "templates": {"mayor": {"model": f"replay/{parent.pk}"}},
            "emotions": {"Mayor": {"fear": 0.9}},
            "messages": [{"to": "all", "text": "Evacuate the school first."}],
            "events": [{"type": "rain_change", "intensity": 3.0}],
        },
    )
    assert fork.status == "paused" and fork.current_step == K
    kinds = list(PendingControl.objects.filter(run=fork).values_list("kind", flat=True))
    assert kinds == [
        "set_world_value",
        "set_world_value",
        "trigger_event",
        "set_emotion",
        "inject_message",
    ]
    assert Agent.objects.get(run=fork, name="Mayor").model == f"replay/{parent.pk}"
    assert fork.overrides["params"] == {"rain_intensity": 2.5}


def _nothing_more(count: int) -> None:
    assert Run.objects.count() == count
    assert not Step.objects.filter(run__parent__isnull=False).exists()


def test_a_step_beyond_the_last_stored_tick_is_refused_naming_it():
    parent = wait_until_final(run_create(version=small_flood_version(max_ticks=5), seed=1))
    with pytest.raises(InvalidRunConfig) as caught:
        run_fork(run=parent, step=9)
    assert caught.value.errors == [
        f"step: run {parent.pk} has stored ticks 1 to 5; there is no tick 9"
    ]
    _nothing_more(1)


def test_a_queued_run_cannot_be_forked():
    queued = run_create(version=small_flood_version(max_ticks=5), start=False)
    Run.objects.filter(pk=queued.pk).update(status="queued")
    queued.refresh_from_db()
    with pytest.raises(ControlRefused, match="still queued"):
        run_fork(run=queued, step=1)
    _nothing_more(1)


def test_overrides_the_validator_rejects_create_nothing():
    parent = wait_until_final(run_create(version=small_flood_version(max_ticks=5), seed=1))
    with pytest.raises(InvalidRunConfig) as caught:
        run_fork(run=parent, step=2, overrides={"templates": {"rescuer": {"model": "olama/x"}}})
    assert caught.value.errors[0].startswith("agent_templates[0].model: unknown provider 'olama'")
    with pytest.raises(InvalidControl):
        run_fork(run=parent, step=2, overrides={"emotions": {"Nobody": {"fear": 0.5}}})
    with pytest.raises(InvalidRunConfig, match="a fork keeps the agents"):
        run_fork(run=parent, step=2, overrides={"templates": {"rescuer": {"count": 5}}})
    with pytest.raises(InvalidRunConfig, match="overrides.colour: unknown key"):
        run_fork(run=parent, step=2, overrides={"colour": "red"})
    _nothing_more(1)


def test_a_fork_of_a_fork_still_continues_the_original_exactly():
    version = small_flood_version(max_ticks=9, memory={"enabled": True})
    parent = wait_until_final(run_create(version=version, seed=2))
    child = wait_until_final(run_fork(run=parent, step=3))
    grandchild = wait_until_final(run_fork(run=child, step=6))
    assert grandchild.parent_id == child.pk and grandchild.fork_step == 6
    assert _said(grandchild, 6) == _said(parent, 6)
    assert _measured(grandchild, 6) == _measured(parent, 6)
