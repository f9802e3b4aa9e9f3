"""The PostgreSQL bulk path of the sink writes exactly what the ORM path writes."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from django.db import connection

from agents_app.models import Agent
from runs_app.models import Event, LLMCall, Message, PendingControl, Run, RunStatus, Step
from runs_app.services import sink
from runs_app.services.config import run_spec
from runs_app.services.runs import run_create
from simengine.core.simulation import Simulation
from simengine.llm import LLMSettings, build_decision_maker
from tests.runs_app.factories import small_flood_version

pytestmark = pytest.mark.django_db

TICKS = 4


def _ticks(run: Run) -> list:
    """The run's first ticks, with token counts and one failed, unparsed call added."""
    simulation = Simulation.create(run_spec(run), seed=run.seed, run_id="same-for-both")
    maker = build_decision_maker(LLMSettings(redis_url=None))

    async def advance():
        results = []
        for _ in range(TICKS):
            result = await simulation.step(maker)
            calls = [
                replace(c, tokens_in=10 + i, tokens_out=i, latency_ms=1.5 * i)
                for i, c in enumerate(result.calls)
            ]
            calls[0] = replace(calls[0], parsed=None, error="timed out\twith a tab")
            results.append((replace(result, calls=calls), simulation.agents))
        return results

    return asyncio.run(advance())


def _written(run: Run) -> dict:
    def rows(model, *exclude):
        skip = {"id", "run", "created_at", "updated_at", *exclude}
        names = [f.attname for f in model._meta.concrete_fields if f.name not in skip]
        return list(model.objects.filter(run=run).order_by("id").values_list(*names))

    fields = ("current_step", "metrics", "tokens_in", "tokens_out", "pending_steps", "status")
    return {
        "steps": rows(Step),
        "messages": rows(Message),
        "events": rows(Event),
        "calls": rows(LLMCall),
        "agents": rows(Agent),
        "run": Run.objects.filter(pk=run.pk).values_list(*fields).get(),
        "controls": list(PendingControl.objects.filter(run=run).values_list("applied_step")),
    }


def _commit_all(run: Run, ticks: list, *, bulk: bool, monkeypatch) -> dict:
    monkeypatch.setattr(sink, "_bulk_writes_supported", lambda: bulk)
    Run.objects.filter(pk=run.pk).update(status=RunStatus.PAUSED, pending_steps=1)
    control = PendingControl.objects.create(run=run, kind="pause_agent", payload={"agent": "Mayor"})
    previous = None
    for index, (result, agents) in enumerate(ticks):
        controls = [control] if index == 1 else []
        sink.commit_tick(
            run.pk, result, controls, agents, consume_step=index == 0, previous_snapshot=previous
        )
        previous = result.snapshot
    return _written(run)


def test_the_bulk_path_writes_what_the_orm_path_writes(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the bulk path is PostgreSQL's")
    version = small_flood_version(max_ticks=TICKS)
    first, second = (run_create(version=version, seed=5, start=False) for _ in range(2))
    ticks = _ticks(first)
    orm = _commit_all(first, ticks, bulk=False, monkeypatch=monkeypatch)
    bulk = _commit_all(second, ticks, bulk=True, monkeypatch=monkeypatch)
    assert bulk == orm
    assert [keyframe for *_, keyframe, _metrics in orm["steps"]] == [True, False, False, False]
    assert orm["run"][2] > 0  # tokens were added up
    calls = LLMCall.objects.filter(run=second)
    assert sum(call.parsed is None for call in calls) == TICKS
    assert calls.filter(parsed_is_response=True).count() == calls.count() - TICKS
    assert Agent.objects.filter(run=second, tokens_in__gt=0).exists()


def test_a_tick_committed_twice_is_refused_on_the_bulk_path(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the bulk path is PostgreSQL's")
    from django.db import IntegrityError

    run = run_create(version=small_flood_version(max_ticks=TICKS), seed=5, start=False)
    (result, agents), *_ = _ticks(run)
    sink.commit_tick(run.pk, result, [], agents, consume_step=False)
    with pytest.raises(IntegrityError):
        sink.commit_tick(run.pk, result, [], agents, consume_step=False)
    assert Step.objects.filter(run=run).count() == 1
    assert LLMCall.objects.filter(run=run).count() == len(result.calls)
