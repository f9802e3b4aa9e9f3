"""`python -m bench --quick` runs every scenario end to end and reports every figure.

Speed and memory targets live in the benchmark only: this test checks that the bench
runs and reports, never how fast anything is.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from bench.environment import admin_database_url, bench_redis_url
from tests.services import port_open, unavailable

ROOT = Path(__file__).resolve().parents[2]
FIGURES = (
    "saturation",
    "saturation_single",
    "minimal_loop",
    "saturation_openai",
    "fast_ollama",
    "fast_openai",
    "overhead",
    "growth",
    "live_latency",
    "calls",
    "scaling",
    "batch",
    "memory",
    "llm_cpu",
    "snapshots",
)
TABLE_ROWS = (
    "1 saturation",
    "2 overhead",
    "3 growth",
    "4 live latency",
    "5 calls",
    "6 scaling",
    "8 memory",
    "9 LLM-path CPU",
    "10 snapshots",
)

pytestmark = pytest.mark.timeout(300)


def _require(url: str, default_port: int, what: str) -> None:
    parsed = urlparse(url)
    if not port_open(parsed.hostname or "127.0.0.1", parsed.port or default_port):
        unavailable(f"{what} at {url}")


def test_the_quick_bench_prints_the_table_and_writes_every_figure(tmp_path):
    _require(admin_database_url(), 5432, "PostgreSQL")
    _require(bench_redis_url(), 6379, "Redis")
    output = tmp_path / "results.json"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--output", str(output)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert done.returncode == 0, done.stderr[-4000:] + done.stdout[-2000:]
    for row in (*TABLE_ROWS, "7 batch"):
        assert f"| {row}" in done.stdout
    for row in (
        "1 saturation, OpenAI-compatible",
        "1 fast server, Ollama",
        "1 fast server, OpenAI",
    ):
        assert f"| {row}" in done.stdout
    assert "Short of target:" in done.stdout
    results = json.loads(output.read_text())
    assert results["mode"] == "quick"
    assert set(FIGURES) <= set(results["figures"])
    for key in ("cpu_count", "python", "postgresql", "redis", "load_average_at_start"):
        assert key in results["machine"]
    assert {"figure", "measured", "ideal", "ratio", "target", "verdict"} <= set(results["table"][0])
    overhead = results["figures"]["overhead"]
    assert set(overhead["worker_cpu_ms_per_decision"]) >= {"decide", "apply", "persist", "notify"}
    assert results["figures"]["calls"]["per_decision"] > 0
    for name in ("saturation_openai", "fast_openai"):  # the same targets, on the OpenAI stand-in
        figure = results["figures"][name]
        assert figure["model"].startswith("openai/")
        assert figure["calls"]["per_decision"] == 1
        assert figure["calls"]["max_in_flight"] <= figure["slots"]
