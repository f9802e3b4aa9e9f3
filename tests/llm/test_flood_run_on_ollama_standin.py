from simengine.llm import build_decision_maker, usage_by_agent, usage_total
from tests.fakes import FakeOllama

from .flood import run_flood
from .helpers import settings_for


def test_a_full_sample_flood_run_on_the_ollama_stand_in_completes_with_every_call_recorded():
    with FakeOllama(slots=2, latency=0.005) as server:
        maker = build_decision_maker(settings_for(server, ollama_parallel=4))

        simulation, ticks = run_flood(maker, model_override="ollama/llama3.2")

        stats = server.stats()
    calls = [call for tick in ticks for call in tick.calls]
    assert simulation.finished and simulation.end_reason is not None
    assert len(calls) == stats.total > 0
    assert stats.max_in_flight <= 4
    assert {(c.provider, c.model, c.purpose, c.error) for c in calls} == {
        ("ollama", "ollama/llama3.2", "decide", None)
    }
    assert all(c.parsed is not None and c.tokens_in > 0 and c.tokens_out > 0 for c in calls)
    assert all(c.tick == tick.tick for tick in ticks for c in tick.calls)
    deciders = {c.agent_id for c in calls}
    assert len(deciders) == 9  # everyone but the river
    assert usage_total(calls).tokens == sum(u.tokens for u in usage_by_agent(calls).values())


def test_every_agents_prompt_prefix_stays_byte_identical_through_the_run():
    with FakeOllama(slots=4) as server:
        maker = build_decision_maker(settings_for(server))

        run_flood(maker, model_override="ollama/llama3.2", max_ticks=4)

        chats = server.chats()
    prefixes: dict[str, set[str]] = {}
    for body in chats:
        system, user = body["messages"]
        stable = system["content"] + user["content"].split("== Tick ", 1)[0]
        prefixes.setdefault(system["content"].split("\n", 1)[0], set()).add(stable)
    assert len(prefixes) == 9
    assert all(len(variants) == 1 for variants in prefixes.values())
