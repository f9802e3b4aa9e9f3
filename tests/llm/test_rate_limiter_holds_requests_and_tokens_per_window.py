import asyncio

from simengine.llm.limits import RateLimiter, Reservation


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def admitted_now(limiter: RateLimiter, tokens: int) -> bool:
    return not isinstance(limiter._try_admit(tokens), float)


def test_requests_beyond_the_per_minute_limit_wait_for_the_window_to_move():
    clock = Clock()
    limiter = RateLimiter(2, 10_000, clock=clock)

    assert admitted_now(limiter, 10) and admitted_now(limiter, 10)
    assert limiter._try_admit(10) == 60.0
    clock.now = 60.0
    assert admitted_now(limiter, 10)


def test_tokens_count_against_the_window_and_settle_to_real_usage():
    clock = Clock()
    limiter = RateLimiter(100, 1000, clock=clock)

    first = limiter._try_admit(900)
    assert isinstance(first, Reservation)
    assert not admitted_now(limiter, 200)
    limiter.settle(first, 300)
    assert admitted_now(limiter, 200)


def test_a_request_larger_than_the_budget_still_runs_alone():
    limiter = RateLimiter(10, 100)

    assert admitted_now(limiter, 5000)


def test_acquire_waits_then_admits():
    limiter = RateLimiter(1, 1000, window=0.2)

    async def two() -> float:
        loop = asyncio.get_running_loop()
        start = loop.time()
        await limiter.acquire(1)
        await limiter.acquire(1)
        return loop.time() - start

    assert 0.15 <= asyncio.run(two()) < 1.0
