"""The run summary stays within its character budget however long the run, in one pass."""

import itertools
import time
import tracemalloc

from simengine.core.evaluation import (
    AgentInfo,
    RunFacts,
    SummaryLimits,
    build_summary,
    render_summary,
    sample_ticks,
)

TICKS = 5_000
AGENTS = [f"Agent {i}" for i in range(60)]


def facts() -> RunFacts:
    return RunFacts(
        run_id="7",
        scenario="Endless flood " * 20,
        world_kind="flood",
        status="completed",
        end_reason="max_ticks",
        ticks=TICKS,
        max_ticks=TICKS,
        description="A very long description. " * 200,
        agents=tuple(AgentInfo(n, f"Role {i % 7}") for i, n in enumerate(AGENTS)),
        final_metrics={f"metric_{i}": i * 1.5 for i in range(40)},
        cooperative_actions=frozenset({"rescue", "share"}),
    )


def events():
    for tick, agent in itertools.product(range(1, TICKS + 1), AGENTS):
        yield {
            "tick": tick,
            "type": "AgentDecided",
            "agent": agent,
            "data": {"thought": "x" * 500, "actions": [{"type": "rescue"}], "emotion": {}},
        }
        action = {"type": "share" if tick % 3 else "move"}
        yield {"tick": tick, "type": "AgentActed", "agent": agent, "data": {"action": action}}
        if tick % 10 == 0:
            data = {"kind": f"casualties_{tick}", "text": "people drowned " * 30}
            yield {"tick": tick, "type": "EnvironmentEvent", "agent": "River", "data": data}


def messages():
    for tick in range(1, TICKS + 1):
        for agent in AGENTS[:5]:
            yield {"tick": tick, "sender": agent, "to": "#command", "text": "Help! " * 200}


def metrics():
    for tick in range(1, TICKS + 1):
        yield tick, {f"metric_{i}": tick * i for i in range(40)}


def emotions(ticks):
    for tick in ticks:
        feeling = {"fear": (tick % 7) / 7, "stress": 0.5, "hope": 0.4, "empathy": 0.6}
        yield tick, dict.fromkeys(AGENTS, feeling)


def test_a_run_of_600_thousand_events_summarises_within_budget_and_memory():
    limits = SummaryLimits(max_chars=6000)
    tracemalloc.start()
    started = time.perf_counter()
    summary = build_summary(
        facts(),
        metrics=metrics(),
        emotions=emotions(sample_ticks(TICKS, limits.series_points)),
        events=events(),
        messages=messages(),
        limits=limits,
    )
    text = render_summary(summary, limits)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    elapsed = time.perf_counter() - started

    assert len(text) <= 6000
    assert summary.decisions == TICKS * len(AGENTS)
    assert summary.messages == TICKS * 5
    assert len(summary.key_decisions) <= limits.key_decisions
    assert len(summary.conversation) <= limits.messages
    assert len(summary.notable_events) <= limits.notable_events
    assert len(summary.series) <= limits.series_points
    assert peak < 20 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
    assert elapsed < 30
    for section in ("FINAL METRICS", "ACTIONS DONE", "EMOTION TRAJECTORIES", "KEY DECISIONS"):
        assert section in text


def test_the_same_run_gives_the_same_summary():
    short = RunFacts(
        run_id="3", scenario="s", world_kind="flood", status="completed", end_reason="x", ticks=200
    )

    def one() -> str:
        events = (
            {"tick": t, "type": "AgentDecided", "agent": f"A{t % 9}", "data": {"thought": str(t)}}
            for t in range(1, 201)
        )
        return render_summary(build_summary(short, events=events))

    assert one() == one()


def test_sampled_ticks_are_spread_evenly_and_include_the_last():
    assert sample_ticks(5, 12) == [1, 2, 3, 4, 5]
    ticks = sample_ticks(1000, 12)
    assert len(ticks) == 12 and ticks[0] == 1 and ticks[-1] == 1000
    assert sample_ticks(0, 12) == [0]
