"""The stand-in's figures the bench relies on: slot-seconds served, and Ollama's 503."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.fakes import running_ollama

CHAT = {"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}], "stream": False}


def _chat(url: str, delay: float = 0.0) -> int:
    time.sleep(delay)
    return httpx.post(f"{url}/api/chat", json=CHAT, timeout=10).status_code


def test_busy_seconds_add_up_the_time_each_slot_served():
    with running_ollama(slots=2, latency=0.2) as server:
        with ThreadPoolExecutor(4) as pool:
            assert list(pool.map(_chat, [server.url] * 4)) == [200] * 4
        stats = server.stats()
    assert stats.busy_seconds == pytest.approx(0.8, abs=0.1)
    assert (stats.total, stats.max_active, stats.rejected) == (4, 2, 0)


def test_a_chat_beyond_the_queue_limit_gets_503():
    with running_ollama(slots=1, latency=0.5, max_queue=1) as server:
        with ThreadPoolExecutor(3) as pool:
            codes = list(pool.map(_chat, [server.url] * 3, [0.0, 0.1, 0.2]))
        stats = server.stats()
    assert codes == [200, 200, 503]
    assert (stats.rejected, stats.total, stats.max_queued) == (1, 2, 1)


def test_reset_forgets_busy_time():
    with running_ollama(slots=1, latency=0.1) as server:
        _chat(server.url)
        server.reset()
        assert server.stats().busy_seconds == pytest.approx(0.0, abs=0.01)
