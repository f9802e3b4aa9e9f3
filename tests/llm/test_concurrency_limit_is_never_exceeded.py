import asyncio
from concurrent.futures import ThreadPoolExecutor

from simengine.llm import LLMClient, LLMDecisionMaker
from simengine.llm.limits import LocalSlotLimiter
from tests.fakes import FakeOllama

from .factories import agent, decision_request
from .helpers import decide, settings_for


def test_many_agents_deciding_at_once_never_exceed_the_parallel_setting():
    with FakeOllama(slots=32, latency=0.05) as server:
        maker = LLMDecisionMaker(LLMClient(settings_for(server, ollama_parallel=3)))
        requests = [decision_request(profile=agent(f"Agent {n}")) for n in range(30)]

        outcomes = decide(maker, *requests)

        assert all(o.fallback is None for o in outcomes)
        stats = server.stats()
        assert stats.total == 30
        assert stats.max_in_flight == 3


def test_runs_in_separate_threads_and_event_loops_share_one_bound():
    with FakeOllama(slots=32, latency=0.03) as server:
        settings = settings_for(server, ollama_parallel=4)

        def one_run(run: int) -> int:
            maker = LLMDecisionMaker(LLMClient(settings))
            requests = [decision_request(run_id=f"run-{run}", tick=t) for t in range(12)]
            return len(decide(maker, *requests))

        with ThreadPoolExecutor(5) as pool:
            assert sum(pool.map(one_run, range(5))) == 60

        assert server.stats().max_in_flight == 4


def test_a_cancelled_waiter_gives_its_place_back():
    limiter = LocalSlotLimiter(1)

    async def scenario() -> int:
        await limiter.acquire()
        waiter = asyncio.create_task(limiter.acquire())
        await asyncio.sleep(0.01)
        waiter.cancel()
        limiter.release()
        await asyncio.gather(waiter, return_exceptions=True)
        await asyncio.wait_for(limiter.acquire(), 1)
        return limiter.in_use

    assert asyncio.run(scenario()) == 1
