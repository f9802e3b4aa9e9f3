"""Whole runs on an OpenAI-compatible stand-in, through the run service and `simulate`.

One call per valid decision, one repair then a recorded no-op, complete call rows (tokens,
latency, structured-output mode), budgets moving agents to the offline policy, replays that
reproduce the run, and the console showing the model.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from agents_app.models import Agent
from runs_app.models import Event, LLMCall, Run
from runs_app.services.runs import run_create
from simengine.llm.providers.openai import forget_modes
from tests.fakes import FakeOpenAI
from tests.runs_app.factories import ROOT, small_flood_version, wait_until_final

pytestmark = pytest.mark.django_db(transaction=True)

MODEL = "openai/llama-3.2-3b-instruct"
FLOOD = str(ROOT / "scenarios" / "riverside_flood.yaml")


@pytest.fixture
def served(monkeypatch) -> Iterator[FakeOpenAI]:
    """A vLLM-like stand-in at OPENAI_BASE_URL, with no structured-output mode remembered."""
    forget_modes()
    with FakeOpenAI(slots=4, latency=0.002) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("SIMENGINE_LLM_RETRY_BACKOFF", "0.01")
        yield server
    forget_modes()


def run_on(model: str, *, ticks: int = 5, **version_options) -> Run:
    version = small_flood_version(max_ticks=ticks, **version_options)
    return wait_until_final(
        run_create(version=version, seed=4, overrides={"model_override": model})
    )


def test_a_flood_run_makes_one_call_per_valid_decision_and_records_each_completely(served):
    run = run_on(MODEL)

    calls = list(LLMCall.objects.filter(run=run))
    assert (run.status, run.notes) == ("completed", [])
    assert len(calls) == served.stats().total == 4 * 5
    assert {(c.provider, c.model, c.purpose, c.error, c.output_mode) for c in calls} == {
        ("openai", MODEL, "decide", "", "json_schema")
    }
    assert all(
        c.parsed and c.tokens_in > 0 and c.tokens_out > 0 and c.latency_ms > 0 for c in calls
    )
    assert run.tokens_in == sum(c.tokens_in for c in calls)
    assert set(Agent.objects.filter(run=run).values_list("model", flat=True)) == {MODEL}


def test_a_server_without_json_schema_is_asked_once_then_json_object_is_recorded(monkeypatch):
    forget_modes()
    with FakeOpenAI(formats=("json_object",)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        run = run_on(MODEL, ticks=3)
        asked = server.formats_asked()

    calls = LLMCall.objects.filter(run=run)
    assert run.status == "completed"
    assert set(calls.values_list("output_mode", flat=True)) == {"json_object"}
    assert calls.count() == 4 * 3 and set(calls.values_list("error", flat=True)) == {""}
    # the four agents of tick 1 ask at once: each learns json_schema is refused, once
    assert asked.count("json_schema") <= 4 and asked.count("json_object") == 4 * 3


def test_an_answer_that_is_never_json_is_repaired_once_then_recorded_as_a_no_op(served):
    served.answer = lambda body: "I would rather not say."

    run = run_on(MODEL, ticks=2)

    calls = LLMCall.objects.filter(run=run, agent="Rescuer 1").order_by("step", "id")
    assert [(c.step, c.purpose, c.parsed) for c in calls] == [
        (1, "decide", None),
        (1, "repair", None),
        (2, "decide", None),
        (2, "repair", None),
    ]
    assert served.stats().total == 4 * 2 * 2
    decided = Event.objects.filter(run=run, type="AgentDecided", agent="Rescuer 1")
    assert [e.data["actions"] for e in decided] == [[{"type": "wait"}]] * 2
    assert all(e.data["fallback"].startswith("invalid output after one repair") for e in decided)


def test_an_agent_over_its_token_budget_moves_to_the_offline_policy(served):
    run = run_on(MODEL, ticks=4, budget={"tokens_per_agent": 600})

    exceeded = Event.objects.filter(run=run, type="BudgetExceeded")
    assert exceeded.count() == 4
    first = min(e.step for e in exceeded)
    later = LLMCall.objects.filter(run=run, step__gt=first)
    assert set(later.values_list("provider", flat=True)) == {"offline"}
    assert LLMCall.objects.filter(run=run, step__lte=first, provider="openai").exists()
    assert set(Agent.objects.filter(run=run).values_list("model", flat=True)) == {
        "offline/heuristic"
    }


def test_a_replay_of_an_openai_run_reproduces_it_without_the_server(monkeypatch, served):
    original = run_on(MODEL, ticks=5)
    served.stop()

    replay = run_on(f"replay/{original.pk}", ticks=5)

    assert replay.status == "completed" and replay.notes == []
    assert set(replay.llm_calls.values_list("provider", flat=True)) == {"replay"}
    assert replay.metrics == original.metrics
    said = [list(r.messages.values_list("step", "sender", "text")) for r in (original, replay)]
    assert said[0] == said[1]


def test_the_console_shows_the_model_and_offers_the_servers_models(admin_client, served):
    run = run_on(MODEL, ticks=2)
    cache.delete("console:model-options")

    page = admin_client.get(reverse("runs:console", args=[run.pk])).content.decode()
    form = admin_client.get(reverse("runs:new")).content.decode()
    calls = admin_client.get(f"/api/runs/{run.pk}/llm-calls/").json()

    assert page.count(MODEL) >= 4  # every agent's row names its model
    assert f'<option value="{MODEL}">' in form
    assert '<option value="openai/Qwen/Qwen2.5-7B-Instruct">' in form
    rows = calls["results"] if isinstance(calls, dict) else calls
    assert {(c["model"], c["output_mode"]) for c in rows} == {(MODEL, "json_schema")}


def simulate(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("simulate", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_simulate_runs_the_sample_flood_on_the_server_with_every_call_counted(served):
    out, err = simulate(FLOOD, "--model-override", MODEL, "--max-ticks", "4")

    assert "status: completed" in out
    assert f"model calls: {served.stats().total}, tokens in/out: " in out
    assert served.stats().total > 0
    assert "unavailable" not in err


def test_simulate_without_a_base_url_says_to_set_it_and_runs_offline(monkeypatch):
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)

    out, err = simulate(FLOOD, "--model-override", MODEL, "--max-ticks", "2")

    [line] = [line for line in err.splitlines() if "OPENAI_BASE_URL" in line]
    assert line.startswith(f"{MODEL} is unavailable (OPENAI_BASE_URL is not set: set it to ")
    assert "status: completed" in out


def test_the_designers_offer_the_servers_models_when_ollama_is_down(
    admin_client, monkeypatch, served
):
    monkeypatch.setenv("OLLAMA_HOST", "http://127.0.0.1:9")
    cache.delete("console:model-options")

    editor = admin_client.get(reverse("scenarios:new")).content.decode()
    brief = admin_client.get(reverse("scenarios:design")).content.decode()

    assert f'<option value="{MODEL}">' in editor
    assert f'<option value="{MODEL}" selected>' in brief  # the designer model starts on it
    assert "offline/heuristic designs from the brief" not in brief
