import pytest

from runs_app.models import Run
from runs_app.services.errors import InvalidRunConfig
from runs_app.services.runs import run_create
from tests.api.factories import make_user, token_client
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


def test_a_replay_of_a_missing_run_is_refused_naming_it():
    version = small_flood_version(max_ticks=3)
    with pytest.raises(InvalidRunConfig) as caught:
        run_create(version=version, overrides={"model_override": "replay/999999"})
    assert caught.value.errors == [
        "overrides.model_override: replay/999999: there is no run 999999 to replay"
    ]
    assert not Run.objects.exists()


def test_a_replay_of_a_run_without_recorded_calls_is_refused():
    version = small_flood_version(max_ticks=3)
    silent = run_create(version=version, start=False)
    with pytest.raises(InvalidRunConfig) as caught:
        run_create(version=version, overrides={"model_override": f"replay/{silent.pk}"})
    assert caught.value.errors == [
        f"overrides.model_override: replay/{silent.pk}: run {silent.pk} recorded no model"
        " answers to replay"
    ]
    assert Run.objects.count() == 1


def test_the_api_answers_400_naming_the_missing_run(django_user_model):
    user = make_user()
    version = small_flood_version(max_ticks=3, user=user)
    api = token_client(user)
    response = api.post(
        "/api/runs/",
        {"version": version.pk, "overrides": {"model_override": "replay/424242"}},
        format="json",
    )
    assert response.status_code == 400, response.json()
    assert response.json()["errors"] == [
        {
            "path": "overrides.model_override",
            "message": "replay/424242: there is no run 424242 to replay",
        }
    ]


def test_replay_answers_come_from_one_query_per_window_of_ticks():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from runs_app.models import LLMCall
    from runs_app.services.decisions import DatabaseReplaySource

    original = wait_until_final(run_create(version=small_flood_version(max_ticks=10), seed=4))
    recorded = list(
        original.llm_calls.filter(purpose="decide", error="").values_list(
            "step", "agent", "response_text"
        )
    )
    assert {step for step, _, _ in recorded} == set(range(1, 11))
    keys = dict(original.agents.values_list("name", "key"))
    source = DatabaseReplaySource()
    with CaptureQueriesContext(connection) as queries:
        answers = [
            (step, agent, source.lookup(str(original.pk), keys[agent], step, "decide"))
            for step, agent, _ in sorted(recorded)
        ]
    assert answers == sorted(recorded)
    table = LLMCall._meta.db_table
    assert len([q for q in queries.captured_queries if table in q["sql"]]) == 1
    assert source.lookup(str(original.pk), keys[recorded[0][1]], 11, "decide") is None
