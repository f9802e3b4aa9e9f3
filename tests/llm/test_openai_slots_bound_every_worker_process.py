"""SIMENGINE_OPENAI_PARALLEL bounds one OpenAI-compatible server across worker processes."""

from __future__ import annotations

import multiprocessing

import pytest

from tests.fakes import FakeOpenAI

from .workers import run_flood_on_openai

pytestmark = pytest.mark.redis


def test_two_processes_running_floods_never_exceed_the_servers_shared_bound(redis_url):
    with FakeOpenAI(slots=64, latency=0.05) as server:
        context = multiprocessing.get_context("spawn")
        with context.Manager() as manager, context.Pool(2) as pool:
            jobs = [(server.base_url, redis_url, 3, 3, manager.Barrier(2))] * 2
            answered = pool.starmap(run_flood_on_openai, jobs)

        stats = server.stats()
    assert answered == [9 * 3, 9 * 3]  # nine deciding agents, three ticks, in each process
    assert stats.total == 2 * 9 * 3
    assert stats.max_in_flight == 3
