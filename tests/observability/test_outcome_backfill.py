"""The migration that adds `outcome` classifies the calls recorded before it existed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(300)]

BEFORE = [("runs_app", "0002_llmcall_output_mode")]
AFTER = [("runs_app", "0003_llmcall_outcome_and_explorer_indexes")]


def test_older_calls_get_their_outcomes_from_what_was_recorded():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    run = _old_run(apps)
    LLMCall = apps.get_model("runs_app", "LLMCall")

    def call(step, agent, purpose="decide", parsed=True, error=""):
        return LLMCall.objects.create(
            run_id=run.pk,
            step=step,
            agent=agent,
            provider="ollama",
            model="ollama/x",
            purpose=purpose,
            parsed={"thought": "t"} if parsed else None,
            error=error,
        ).pk

    ids = {
        "ok": call(1, "A"),
        "repaired_first": call(1, "B", parsed=False),
        "noop_first": call(1, "C", parsed=False),
        "repaired": call(1, "B", purpose="repair"),
        "noop": call(1, "C", purpose="repair", parsed=False),
        "error": call(2, "A", parsed=False, error="HTTP 500"),
        "timeout": call(2, "B", parsed=False, error="Ollama did not answer within 30s"),
        "lone_invalid": call(3, "C", parsed=False),
    }
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    from runs_app.models import LLMCall as Current

    outcomes = dict(Current.objects.values_list("id", "outcome"))
    assert {name: outcomes[pk] for name, pk in ids.items()} == {
        "ok": "ok",
        "repaired_first": "repaired",
        "noop_first": "noop",
        "repaired": "repaired",
        "noop": "noop",
        "error": "provider_error",
        "timeout": "timeout",
        "lone_invalid": "noop",
    }
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _old_run(apps):
    Scenario = apps.get_model("scenarios_app", "Scenario")
    Version = apps.get_model("scenarios_app", "ScenarioVersion")
    Run = apps.get_model("runs_app", "Run")
    scenario = Scenario.objects.create(name="Backfill")
    version = Version.objects.create(scenario=scenario, number=1, spec={"name": "Backfill"})
    return Run.objects.create(scenario_version=version)
