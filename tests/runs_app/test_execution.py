import pytest

from agents_app.models import Agent
from runs_app.models import Event, Message, Run, Step
from runs_app.services.runs import run_create
from tests.runs_app.factories import sample_version, small_flood_version, wait_until_final

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_offline_run_completes_with_one_step_per_tick():
    run = run_create(version=small_flood_version(max_ticks=12), seed=5)
    run = wait_until_final(run)
    assert (run.status, run.end_reason, run.current_step) == ("completed", "max_ticks", 12)
    assert list(Step.objects.filter(run=run).values_list("index", flat=True)) == list(range(1, 13))
    assert run.metrics["water_level"] > 0
    assert run.started_at is not None and run.finished_at is not None


def test_a_run_records_agents_messages_events_and_calls():
    run = wait_until_final(run_create(version=sample_version(), seed=7, overrides={"max_ticks": 8}))
    assert run.status == "completed"
    agents = Agent.objects.filter(run=run)
    assert agents.count() >= 8
    assert all(a.emotion for a in agents)
    assert Event.objects.filter(run=run, type="AgentDecided").exists()
    assert run.llm_calls.filter(provider="offline").count() > 0
    assert Message.objects.filter(run=run).exists()


def test_the_same_seed_gives_the_same_record():
    version = small_flood_version(max_ticks=10)
    first = wait_until_final(run_create(version=version, seed=11))
    second = wait_until_final(run_create(version=version, seed=11))
    assert first.metrics == second.metrics
    texts = [list(r.messages.values_list("step", "sender", "text")) for r in (first, second)]
    assert texts[0] == texts[1]
    kinds = [list(r.events.values_list("step", "agent", "type")) for r in (first, second)]
    assert kinds[0] == kinds[1]


def test_runs_wait_queued_beyond_the_concurrency_limit(settings):
    settings.SIMENGINE_MAX_CONCURRENT_RUNS = 2
    version = small_flood_version(max_ticks=15)
    runs = [run_create(version=version, seed=s) for s in range(5)]
    runs = [wait_until_final(r, timeout=120) for r in runs]
    assert {r.status for r in runs} == {"completed"}
    intervals = sorted(
        (r.started_at, r.finished_at)
        for r in Run.objects.all()
        if r.started_at is not None and r.finished_at is not None
    )
    most = max(sum(1 for s, f in intervals if s <= start < f) for start, _ in intervals)
    assert most <= 2
