import io

from django.core.management import call_command

from simengine.llm import build_decision_maker, usage_by_agent, usage_total
from tests.fakes import FakeOllama

from .flood import FLOOD_SCENARIO, run_flood
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


def simulate(monkeypatch, host: str) -> tuple[str, str]:
    monkeypatch.setenv("OLLAMA_HOST", host)
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "simulate",
        str(FLOOD_SCENARIO),
        "--model-override",
        "ollama/llama3.2",
        stdout=out,
        stderr=err,
    )
    return out.getvalue(), err.getvalue()


def test_the_simulate_command_runs_the_flood_on_the_stand_in_and_counts_every_call(monkeypatch):
    with FakeOllama(slots=4) as server:
        out, err = simulate(monkeypatch, server.url)
        total = server.stats().total

    assert "status: completed" in out
    assert f"model calls: {total}, tokens in/out: " in out
    assert "unavailable" not in err


def test_the_simulate_command_names_ollama_host_in_one_line_when_nothing_listens(monkeypatch):
    server = FakeOllama().start()
    server.stop()

    out, err = simulate(monkeypatch, server.url)

    [line] = [line for line in err.splitlines() if "OLLAMA_HOST" in line]
    assert line.startswith(
        f"ollama/llama3.2 is unavailable (Ollama is not reachable at OLLAMA_HOST={server.url}: "
        "start it with `ollama serve`"
    )
    assert "status: completed" in out
