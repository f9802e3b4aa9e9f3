"""GET /api/llm-calls/: filters, sorts and keyset pages across runs; errors name the field."""

from __future__ import annotations

import pytest

from runs_app.models import LLMCall
from tests.api.factories import make_run
from tests.observability.factories import record, store

pytestmark = pytest.mark.django_db

URL = "/api/llm-calls/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.data
    return [row["id"] for row in response.data["results"]]


def read_all(api, params: dict) -> list[int]:
    seen: list[int] = []
    url: str | None = URL
    query: dict | None = params
    while url:
        response = api.get(url, query)
        seen += ids(response)
        url, query = response.data["next"], None
    return seen


@pytest.fixture
def two_runs():
    first, second = make_run(), make_run()
    store(first, 1, record("Rescuer 1"), record("Mayor", model="anthropic/claude-haiku-4-5"))
    store(first, 2, record("Rescuer 1", parsed=None), record("Rescuer 1", purpose="repair"))
    store(first, 3, record("Mayor", error="HTTP 500 from the server"))
    store(second, 1, record("Rescuer 1", error="did not answer within 5s", timed_out=True))
    store(second, 4, record("", model="ollama/llama3.2", purpose="evaluate", latency_ms=900.0))
    return first, second


def test_each_filter_narrows_the_calls(api, two_runs):
    first, second = two_runs
    everything = ids(api.get(URL))
    assert everything == sorted(LLMCall.objects.values_list("id", flat=True))
    by = {}
    for name, value in [
        ("run", first.pk),
        ("agent", "Mayor"),
        ("model", "anthropic/claude-haiku-4-5"),
        ("purpose", "repair"),
        ("outcome", "repaired"),
        ("outcome", "timeout"),
        ("outcome", "provider_error"),
    ]:
        by[(name, value)] = [
            (c["run"], c["step"], c["agent"], c["purpose"], c["outcome"])
            for c in api.get(URL, {name: value}).data["results"]
        ]
    assert len(by[("run", first.pk)]) == 5
    assert by[("agent", "Mayor")] == [
        (first.pk, 1, "Mayor", "decide", "ok"),
        (first.pk, 3, "Mayor", "decide", "provider_error"),
    ]
    assert by[("model", "anthropic/claude-haiku-4-5")] == [(first.pk, 1, "Mayor", "decide", "ok")]
    assert by[("purpose", "repair")] == [(first.pk, 2, "Rescuer 1", "repair", "repaired")]
    assert [row[3] for row in by[("outcome", "repaired")]] == ["decide", "repair"]
    assert by[("outcome", "timeout")] == [(second.pk, 1, "Rescuer 1", "decide", "timeout")]
    assert len(by[("outcome", "provider_error")]) == 1
    steps = api.get(URL, {"run": first.pk, "from_step": 2, "to_step": 2}).data["results"]
    assert [(c["step"], c["purpose"]) for c in steps] == [(2, "decide"), (2, "repair")]
    combined = api.get(URL, {"run": second.pk, "purpose": "evaluate", "outcome": "ok"})
    assert [c["latency_ms"] for c in combined.data["results"]] == [900.0]


def test_sorting_by_latency_and_tokens_pages_every_call_once(api):
    run = make_run()
    for step, latency in enumerate([50.0, 700.0, 50.0, 300.5, 1200.0, 300.5, 5.0], start=1):
        store(run, step, record(latency_ms=latency, tokens=(step * 100, step)))
    slowest = read_all(api, {"sort": "-latency", "limit": 2})
    latencies = dict(LLMCall.objects.values_list("id", "latency_ms"))
    assert sorted(slowest) == sorted(latencies)
    assert [latencies[i] for i in slowest] == sorted(latencies.values(), reverse=True)
    ties = [i for i in slowest if latencies[i] == 300.5]
    assert ties == sorted(ties, reverse=True)  # ties broken by id, in the sort's direction
    largest = read_all(api, {"sort": "-tokens", "limit": 3})
    tokens = dict(LLMCall.objects.values_list("id", "tokens_total"))
    assert [tokens[i] for i in largest] == sorted(tokens.values(), reverse=True)
    assert read_all(api, {"sort": "latency", "limit": 3}) == slowest[::-1]


def test_keyset_pages_have_no_gaps_or_repeats_while_new_calls_arrive(api):
    run = make_run()
    for step in range(1, 6):
        store(run, step, record("A"), record("B"))
    seen, previous_links = [], []
    response = api.get(URL, {"run": run.pk, "limit": 3})
    step = 6
    while True:
        seen += ids(response)
        store(run, step, record("A"), record("B"))  # a tick lands between every two pages
        step += 1
        if response.data["next"] is None or step > 9:
            break
        previous_links.append(response.data["next"])
        response = api.get(response.data["next"])
    while response.data["next"]:
        response = api.get(response.data["next"])
        seen += ids(response)
    all_ids = sorted(LLMCall.objects.filter(run=run).values_list("id", flat=True))
    assert seen == all_ids  # every call once, in order, including those added while paging
    second_page = api.get(previous_links[0])
    assert ids(api.get(second_page.data["previous"])) == seen[:3]


def test_newest_first_pages_do_not_shift_when_calls_arrive(api):
    run = make_run()
    for step in range(1, 7):
        store(run, step, record())
    first = api.get(URL, {"sort": "-id", "limit": 2})
    store(run, 7, record(), record())
    rest = read_all(api, {"sort": "-id", "limit": 2, "cursor": _cursor(first.data["next"])})
    older = sorted(LLMCall.objects.filter(step__lte=6).values_list("id", flat=True), reverse=True)
    assert ids(first) + rest == older


def _cursor(link: str) -> str:
    from urllib.parse import parse_qs, urlparse

    return parse_qs(urlparse(link).query)["cursor"][0]


@pytest.mark.parametrize(
    ("params", "path", "message"),
    [
        ({"outcome": "great"}, "outcome", '"great" is not a valid choice.'),
        ({"from_step": "soon"}, "from_step", "A valid integer is required."),
        ({"from_step": 5, "to_step": 2}, "to_step", "must be >= from_step"),
        ({"run": "x"}, "run", "A valid integer is required."),
        ({"run": 0}, "run", "Ensure this value is greater than or equal to 1."),
        ({"sort": "cost"}, "sort", '"cost" is not a valid choice.'),
        (
            {"purpose": "Decide!"},
            "purpose",
            "expected a purpose such as decide, repair or evaluate",
        ),
        ({"limit": 0}, "limit", "must be between 1 and 1000, got 0"),
        (
            {"cursor": "bogus"},
            "cursor",
            "invalid cursor for this sort: use the next or previous link",
        ),
    ],
)
def test_bad_filters_answer_400_naming_the_field(api, params, path, message):
    response = api.get(URL, params)
    assert response.status_code == 400
    assert {"path": path, "message": message} in response.data["errors"]


def test_a_misspelt_filter_is_refused_not_ignored(api):
    response = api.get(URL, {"modle": "ollama/llama3.2"})
    assert response.status_code == 400
    assert response.data["errors"][0]["path"] == "modle"
    assert response.data["errors"][0]["message"].startswith("unknown parameter; known: agent,")


def test_a_cursor_from_another_sort_is_refused(api):
    run = make_run()
    for step in range(1, 4):
        store(run, step, record())
    link = api.get(URL, {"sort": "latency", "limit": 1}).data["next"]
    response = api.get(URL, {"sort": "id", "cursor": _cursor(link)})
    assert response.status_code == 400
    assert response.data["errors"][0]["path"] == "cursor"


def test_unknown_run_and_call_ids_answer_404(api, two_runs):
    assert api.get(URL, {"run": 999999}).status_code == 404
    assert api.get(URL, {"run": 999999}).data["detail"] == "No run 999999."
    assert api.get(f"{URL}stats/", {"run": 999999}).status_code == 404
    assert api.get(f"{URL}999999/").status_code == 404
    assert api.get(f"{URL}999999/").data["detail"] == "No LLM call 999999."


def test_one_call_shows_its_prompt_response_and_outcome(api, two_runs):
    call = LLMCall.objects.get(purpose="repair")
    data = api.get(f"{URL}{call.pk}/").data
    assert data["run"] == call.run_id
    assert data["outcome"] == "repaired"
    assert data["messages"] == [{"role": "user", "content": "Tick 1: water is rising."}]
    assert data["tokens_total"] == 460


def test_anonymous_clients_get_401(client, two_runs):
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}stats/").status_code == 401
