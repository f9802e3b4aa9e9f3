import pytest

from runs_app.services.runs import run_create
from tests.runs_app.factories import small_flood_version, wait_until_final

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_replay_run_re_executes_a_recorded_run_exactly():
    version = small_flood_version(max_ticks=10)
    original = wait_until_final(run_create(version=version, seed=4))
    replay = wait_until_final(
        run_create(version=version, seed=4, overrides={"model_override": f"replay/{original.pk}"})
    )
    assert replay.status == "completed" and replay.notes == []
    assert set(replay.llm_calls.values_list("provider", flat=True)) == {"replay"}
    assert replay.metrics == original.metrics
    said = [list(r.messages.values_list("step", "sender", "text")) for r in (original, replay)]
    assert said[0] == said[1]
