"""A run executed by workers (the sink's COPY path) stores each agent's system prompt once."""

import pytest

from runs_app.models import LLMCall, PromptText
from runs_app.services.runs import run_create
from tests.runs_app.factories import small_flood_version, wait_until_final

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_worker_run_stores_each_system_prompt_once_and_reads_every_prompt_back():
    run = wait_until_final(run_create(version=small_flood_version(max_ticks=12), seed=3))
    calls = LLMCall.objects.filter(run=run, purpose="decide").select_related(
        "system_text", "messages_base"
    )
    agents = set(calls.values_list("agent", flat=True))
    assert run.status == "completed" and len(agents) > 1
    assert calls.count() == len(agents) * run.current_step
    assert calls.values("system_text").distinct().count() == len(agents)
    for call in calls:
        assert call.system.startswith(f"You are {call.agent}")
        (message,) = call.messages
        assert message["role"] == "user"
        assert message["content"].endswith(
            f"Decide for tick {call.step}: answer with one JSON object that matches the schema.\n"
        )
    assert PromptText.objects.count() < calls.count() / 3
