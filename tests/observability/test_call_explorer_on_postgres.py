"""100,000 calls: every explorer page is an index scan on PostgreSQL, never a seq scan.

The console explorer's model and purpose filters list what was recorded without reading
every call (a loose scan of the `(model, id)` and `(purpose, id)` indexes).
"""

from __future__ import annotations

import time
from contextlib import contextmanager

import pytest
from django.db import connection
from django.urls import reverse

from runs_app.models import LLMCall
from tests.api.factories import make_run
from tests.services import unavailable

pytestmark = [pytest.mark.django_db, pytest.mark.postgres, pytest.mark.timeout(600)]

CALLS = 100_000
RUNS = 20


def _fill(run_ids: list[int]) -> None:
    """100,000 calls spread over the runs, models, purposes and outcomes, in one statement."""
    table = connection.ops.quote_name(LLMCall._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (run_id, step, agent, provider, model, purpose, messages_packed,
                response_text, parsed, tokens_in, tokens_out, latency_ms, retries, error,
                outcome, output_mode, created_at)
            SELECT (%s::bigint[])[1 + (i %% {RUNS})], i / ({RUNS} * 10), 'Agent ' || (i %% 10),
                split_part(m.model, '/', 1), m.model,
                CASE WHEN i %% 50 = 0 THEN 'evaluate' WHEN i %% 33 = 0 THEN 'repair'
                     ELSE 'decide' END,
                ''::bytea, '{{}}', '{{}}'::jsonb, 200 + i %% 3000, i %% 400,
                (i %% 9973) * 1.5, 0, '',
                CASE WHEN i %% 200 = 0 THEN 'timeout' WHEN i %% 97 = 0 THEN 'provider_error'
                     WHEN i %% 33 = 0 THEN 'repaired' ELSE 'ok' END,
                '', now()
            FROM generate_series(1, {CALLS}) AS i,
            LATERAL (SELECT CASE WHEN i %% 100 = 0 THEN 'anthropic/claude-sonnet-4-5'
                                 WHEN i %% 5 = 0 THEN 'anthropic/claude-haiku-4-5'
                                 ELSE 'ollama/llama3.2' END AS model) AS m
            """,
            [run_ids],
        )
        cursor.execute(f"ANALYZE {table}")


@contextmanager
def page_queries():
    """The SELECTs of LLM calls the request runs, with their parameters."""
    seen: list[tuple[str, tuple]] = []

    def capture(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(("SELECT", "WITH")) and LLMCall._meta.db_table in sql:
            seen.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        yield seen


def plan(sql: str, params: tuple) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_explorer_pages_over_100000_calls_use_indexes(api):
    if connection.vendor != "postgresql":
        unavailable("PostgreSQL (set DATABASE_URL to a PostgreSQL database)")
    runs = [make_run() for _ in range(RUNS)]
    _fill([run.pk for run in runs])
    assert LLMCall.objects.count() == CALLS
    one = runs[7].pk
    first_page = api.get("/api/llm-calls/", {"run": one, "limit": 100}).data
    cases = {
        "everything": {},
        "one run": {"run": one},
        "one run, next page": {
            "run": one,
            "cursor": first_page["next"].split("cursor=")[1].split("&")[0],
        },
        "one run, agent and ticks": {
            "run": one,
            "agent": "Agent 7",
            "from_step": 10,
            "to_step": 40,
        },
        "a rare model": {"model": "anthropic/claude-sonnet-4-5"},
        "timeouts": {"outcome": "timeout"},
        "evaluations": {"purpose": "evaluate"},
        "slowest first": {"sort": "-latency"},
        "largest first": {"sort": "-tokens"},
        "slowest of one run": {"run": one, "sort": "-latency"},
    }
    timings = {}
    for name, params in cases.items():
        with page_queries() as seen:
            started = time.perf_counter()
            response = api.get("/api/llm-calls/", {**params, "limit": 100})
            timings[name] = time.perf_counter() - started
        assert response.status_code == 200, (name, response.data)
        assert response.data["results"], name
        pages = [(sql, p) for sql, p in seen if "LIMIT" in sql.upper()]
        assert len(pages) == 1, (name, seen)
        text = plan(*pages[0])
        # the access check may scan the (here empty) share and batch tables; the 100,000
        # calls must never be scanned whole
        assert f"Seq Scan on {LLMCall._meta.db_table}" not in text, f"{name}:\n{text}"
        assert "Index" in text, f"{name}:\n{text}"
    assert max(timings.values()) < 1.0, timings
    started = time.perf_counter()
    stats = api.get("/api/llm-calls/stats/", {"run": one})
    stats_one_run = time.perf_counter() - started
    assert stats.status_code == 200 and stats.data["totals"]["calls"] == CALLS // RUNS
    assert stats_one_run < 2.0
    print("page seconds:", {k: round(v, 4) for k, v in timings.items()})
    print("stats of one run (5,000 calls):", round(stats_one_run, 3))


def test_the_console_explorers_filter_lists_probe_the_indexes_only(admin_client):
    if connection.vendor != "postgresql":
        unavailable("PostgreSQL (set DATABASE_URL to a PostgreSQL database)")
    runs = [make_run() for _ in range(RUNS)]
    _fill([run.pk for run in runs])
    with page_queries() as seen:
        page = admin_client.get(reverse("runs:llm_calls"))
    assert page.status_code == 200
    form = page.context["form"]
    assert [value for value, _ in form.fields["model"].choices][1:] == [
        "anthropic/claude-haiku-4-5",
        "anthropic/claude-sonnet-4-5",
        "ollama/llama3.2",
    ]
    assert [value for value, _ in form.fields["purpose"].choices][1:] == [
        "decide",
        "evaluate",
        "repair",
    ]
    lists = [(sql, p) for sql, p in seen if "RECURSIVE" in sql.upper()]
    assert len(lists) == 2, seen
    for sql, params in lists:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
            tree = cursor.fetchone()[0][0]["Plan"]
        read = sum(
            node.get("Actual Rows", 0) * node.get("Actual Loops", 1)
            for node in _nodes(tree)
            if node.get("Relation Name") == LLMCall._meta.db_table
        )
        # a handful of index probes per distinct value, never the 100,000 calls
        assert read < 100, (read, plan(sql, params))


def _nodes(node: dict) -> list[dict]:
    return [node, *(n for child in node.get("Plans", []) for n in _nodes(child))]
