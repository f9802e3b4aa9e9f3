"""An LLM run writes tick t while tick t+1's calls are out; what is stored stays a prefix."""

from __future__ import annotations

import time

import pytest

from runs_app.models import Run, Step
from runs_app.services.runs import run_create, run_stop
from tests.fakes import FakeOllama, Reply
from tests.runs_app.factories import small_flood_version, wait_until_final

pytestmark = pytest.mark.django_db(transaction=True)

AGENTS = 4  # small_flood_version's agents: one call each per tick


def test_a_tick_is_on_disk_while_the_next_ticks_calls_are_out_and_a_stop_keeps_it():
    with FakeOllama(slots=4, latency=0) as ollama:
        ollama.script(*[Reply()] * AGENTS, *[Reply.slow(120)] * (2 * AGENTS))
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("OLLAMA_HOST", ollama.url)
            version = small_flood_version(max_ticks=5)
            run = run_create(version=version, overrides={"model_override": "ollama/llama3.2"})
            deadline = time.monotonic() + 30
            while not (ollama.stats().total > AGENTS and _current_step(run) >= 1):
                assert time.monotonic() < deadline, "tick 1 was not committed beside tick 2"
                time.sleep(0.05)

            assert ollama.stats().in_flight > 0  # tick 2 is still being decided
            run_stop(run=run)
            run = wait_until_final(run, timeout=30)

    assert (run.status, run.current_step) == ("stopped", 1)
    assert list(Step.objects.filter(run=run).values_list("index", flat=True)) == [1]


def _current_step(run: Run) -> int:
    return Run.objects.values_list("current_step", flat=True).get(pk=run.pk)
