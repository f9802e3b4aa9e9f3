"""Fixtures for the evaluator and designer: stand-in model servers, finished runs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from runs_app.models import Evaluation, Run, RunStatus
from runs_app.services.execution import execute_slice
from runs_app.services.runs import run_create
from scenarios_app.models import ScenarioVersion
from scenarios_app.services import scenario_import
from tests.api.factories import make_user
from tests.e2e.conftest import browser_page, flood, server, user  # noqa: F401  (fixtures)
from tests.fakes import FakeAnthropic, FakeOllama

ROOT = Path(__file__).resolve().parents[2]
ANTHROPIC_KEY = "sk-ant-test-key"


@pytest.fixture(autouse=True)
def _fresh_model_options():
    """The console caches which models it can offer; every test starts from what it set up."""
    from django.core.cache import cache

    cache.delete("console:model-options")
    yield
    cache.delete("console:model-options")


@pytest.fixture
def ollama(monkeypatch) -> Iterator[FakeOllama]:
    """A stand-in Ollama that OLLAMA_HOST points at (llama3.2 and qwen2.5:7b pulled)."""
    with FakeOllama(slots=4) as stand_in:
        monkeypatch.setenv("OLLAMA_HOST", stand_in.url)
        monkeypatch.setenv("SIMENGINE_LLM_RETRY_BACKOFF", "0.01")
        yield stand_in


@pytest.fixture
def anthropic(monkeypatch) -> Iterator[FakeAnthropic]:
    """A stand-in Messages API with ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL set for it."""
    with FakeAnthropic(api_key=ANTHROPIC_KEY) as stand_in:
        monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", stand_in.url)
        monkeypatch.setenv("SIMENGINE_LLM_RETRY_BACKOFF", "0.01")
        yield stand_in


@pytest.fixture
def no_ollama(monkeypatch) -> None:
    monkeypatch.setenv("OLLAMA_HOST", "http://127.0.0.1:9")


def flood_version(owner=None) -> ScenarioVersion:
    text = (ROOT / "scenarios" / "riverside_flood.yaml").read_text(encoding="utf-8")
    return scenario_import(text=text, user=owner).version


def finished_run(
    version: ScenarioVersion, *, ticks: int = 6, seed: int = 7, owner=None, **extra
) -> Run:
    """A run of `version` on the offline policy, executed to its end in this process."""
    overrides = {"model_override": "offline/heuristic", "max_ticks": ticks, **extra}
    run = run_create(version=version, seed=seed, overrides=overrides, start=False, user=owner)
    Run.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    while execute_slice(run.pk, max_ticks=ticks + 1) == "continue":
        pass
    run.refresh_from_db()
    return run


@pytest.fixture
def owner(db):
    """The researcher who made the fixtures' scenarios, runs and batches (not staff)."""
    return make_user("olga")


@pytest.fixture
def done_run(owner) -> Run:
    return finished_run(flood_version(owner), owner=owner)


def scores_answer(**overrides) -> dict:
    """A valid evaluation answer for the default dimensions."""
    scores = {
        name: {"reasoning": f"{name} was judged from the summary at t3.", "score": 7}
        for name in ("cooperation", "ethics", "strategy", "emotional_coherence")
    }
    scores.update(overrides)
    return {"scores": scores, "narrative": "Crews moved fast; the breach cost lives."}


def finished_batch(
    version: ScenarioVersion, grid: dict, *, seeds: int = 3, ticks: int = 5, owner=None
):
    """A batch whose runs are all executed to their end in this process (offline policy)."""
    from runs_app.services.batches import batch_create

    batch = batch_create(
        version=version,
        grid=grid,
        seeds_per_cell=seeds,
        overrides={"model_override": "offline/heuristic", "max_ticks": ticks},
        user=owner,
    )
    for run in batch.runs.order_by("id"):
        Run.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
        while execute_slice(run.pk, max_ticks=ticks + 1) == "continue":
            pass
    batch.refresh_from_db()
    return batch


def wait_for_evaluations(run: Run, count: int, timeout: float = 30.0) -> list[Evaluation]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = list(Evaluation.objects.filter(run=run).order_by("id"))
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"run {run.pk} has {Evaluation.objects.filter(run=run).count()}")
