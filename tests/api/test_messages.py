from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from tests.api.factories import make_message, make_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def run():
    return make_run()


@pytest.fixture
def history(run):
    """One message of every kind at steps 1-3, an hour apart, named by what it is."""
    start = timezone.now() - timedelta(hours=5)
    at = iter(start + timedelta(hours=h) for h in range(10))
    return {
        "mayor_to_all": make_message(run, step=1, sender="Mayor", channel="all", at=next(at)),
        "r1_to_mayor": make_message(
            run, step=1, sender="Rescuer 1", channel="direct", recipient="Mayor", at=next(at)
        ),
        "r2_to_r1": make_message(
            run, step=2, sender="Rescuer 2", channel="direct", recipient="Rescuer 1", at=next(at)
        ),
        "mayor_in_command": make_message(
            run, step=2, sender="Mayor", channel="room", recipient="command", at=next(at)
        ),
        "r2_in_dock": make_message(
            run, step=3, sender="Rescuer 2", channel="room", recipient="dock", at=next(at)
        ),
        "r1_to_all": make_message(run, step=3, sender="Rescuer 1", channel="all", at=next(at)),
    }


def names(history, response):
    assert response.status_code == 200, response.data
    by_id = {message.pk: name for name, message in history.items()}
    return [by_id[m["id"]] for m in response.data["results"]]


def test_it_lists_every_message_in_step_order(api, run, history):
    response = api.get(f"/api/runs/{run.pk}/messages/")
    assert names(history, response) == list(history)
    assert response.data["next"] is None
    assert response.data["previous"] is None
    first = response.data["results"][0]
    assert first["sender"] == "Mayor"
    assert first["channel"] == "all"


def test_order_is_by_step_then_id_even_when_rows_arrive_out_of_step(api, run, history):
    late = make_message(run, step=1, sender="Mayor", channel="all")
    response = api.get(f"/api/runs/{run.pk}/messages/")
    ids = [m["id"] for m in response.data["results"]]
    assert ids.index(late.pk) == 2  # after the two step-1 messages, before step 2


def test_agent_filter_gives_what_the_agent_sent_or_could_read(api, run, history):
    mayor = api.get(f"/api/runs/{run.pk}/messages/", {"agent": "Mayor"})
    assert names(history, mayor) == ["mayor_to_all", "r1_to_mayor", "mayor_in_command", "r1_to_all"]
    rescuer_2 = api.get(f"/api/runs/{run.pk}/messages/", {"agent": "Rescuer 2"})
    assert names(history, rescuer_2) == ["mayor_to_all", "r2_to_r1", "r2_in_dock", "r1_to_all"]
    rescuer_1 = api.get(f"/api/runs/{run.pk}/messages/", {"agent": "Rescuer 1"})
    assert names(history, rescuer_1) == [
        "mayor_to_all",
        "r1_to_mayor",
        "r2_to_r1",
        "mayor_in_command",  # Rescuer 1 is a member of the command room
        "r1_to_all",
    ]


def test_room_filter_gives_what_was_said_in_the_room(api, run, history):
    response = api.get(f"/api/runs/{run.pk}/messages/", {"room": "command"})
    assert names(history, response) == ["mayor_in_command"]


def test_step_range_is_inclusive(api, run, history):
    response = api.get(f"/api/runs/{run.pk}/messages/", {"from_step": 2, "to_step": 2})
    assert names(history, response) == ["r2_to_r1", "mayor_in_command"]
    response = api.get(f"/api/runs/{run.pk}/messages/", {"from_step": 3})
    assert names(history, response) == ["r2_in_dock", "r1_to_all"]
    response = api.get(f"/api/runs/{run.pk}/messages/", {"to_step": 1})
    assert names(history, response) == ["mayor_to_all", "r1_to_mayor"]


def test_time_range_is_since_inclusive_and_until_exclusive(api, run, history):
    since = history["r2_to_r1"].created_at.isoformat()
    until = history["r2_in_dock"].created_at.isoformat()
    response = api.get(f"/api/runs/{run.pk}/messages/", {"since": since, "until": until})
    assert names(history, response) == ["r2_to_r1", "mayor_in_command"]


def test_filters_combine(api, run, history):
    response = api.get(f"/api/runs/{run.pk}/messages/", {"agent": "Mayor", "from_step": 2})
    assert names(history, response) == ["mayor_in_command", "r1_to_all"]


def test_messages_of_other_runs_never_show(api, run, history):
    other = make_run()
    make_message(other, step=1, sender="Mayor")
    response = api.get(f"/api/runs/{run.pk}/messages/")
    assert len(response.data["results"]) == len(history)


def cursor_of(link):
    return parse_qs(urlparse(link).query)["cursor"][0]


def test_pagination_walks_every_message_once_with_no_gaps_or_repeats(api, run):
    expected = [
        make_message(run, step=step, sender=f"Rescuer {n % 2 + 1}").pk
        for step in range(1, 8)
        for n in range(step % 4 + 1)  # uneven pages straddle steps
    ]
    seen, url, pages = [], f"/api/runs/{run.pk}/messages/?limit=4", 0
    while url:
        response = api.get(url)
        assert response.status_code == 200
        seen += [m["id"] for m in response.data["results"]]
        url, pages = response.data["next"], pages + 1
    assert seen == expected
    assert pages == -(-len(expected) // 4)


def test_pages_stay_stable_while_new_messages_arrive(api, run):
    early = [make_message(run, step=1, sender="Mayor").pk for _ in range(3)]
    first = api.get(f"/api/runs/{run.pk}/messages/", {"limit": 2})
    newer = [make_message(run, step=2, sender="Mayor").pk for _ in range(2)]
    second = api.get(first.data["next"])
    third = api.get(second.data["next"])
    ids = [m["id"] for page in (first, second, third) for m in page.data["results"]]
    assert ids == early + newer
    assert third.data["next"] is None


def test_previous_link_walks_back_to_the_same_pages(api, run):
    ids = [make_message(run, step=step, sender="Mayor").pk for step in (1, 1, 2, 2, 3)]
    first = api.get(f"/api/runs/{run.pk}/messages/", {"limit": 2})
    second = api.get(first.data["next"])
    third = api.get(second.data["next"])
    assert [m["id"] for m in third.data["results"]] == ids[4:]
    back = api.get(third.data["previous"])
    assert [m["id"] for m in back.data["results"]] == ids[2:4]
    start = api.get(back.data["previous"])
    assert [m["id"] for m in start.data["results"]] == ids[:2]
    assert start.data["previous"] is None


def test_pagination_keeps_the_filters(api, run, history):
    first = api.get(f"/api/runs/{run.pk}/messages/", {"agent": "Mayor", "limit": 3})
    assert "agent=Mayor" in first.data["next"]
    second = api.get(first.data["next"])
    assert names(history, first) + names(history, second) == [
        "mayor_to_all",
        "r1_to_mayor",
        "mayor_in_command",
        "r1_to_all",
    ]


@pytest.mark.parametrize(
    "params, path",
    [
        ({"from_step": -1}, "from_step"),
        ({"from_step": "one"}, "from_step"),
        ({"from_step": 5, "to_step": 2}, "to_step"),
        ({"to_step": 2**40}, "to_step"),
        ({"since": "last tuesday"}, "since"),
        ({"until": "2026-13-01T00:00:00Z"}, "until"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "eyJkIjoibmV4dCIsImsiOlsiYSIsMV19"}, "cursor"),
        ({"limit": 5000}, "limit"),
    ],
)
def test_bad_history_queries_are_400_with_the_parameter(api, run, params, path):
    response = api.get(f"/api/runs/{run.pk}/messages/", params)
    assert response.status_code == 400
    assert response.data["errors"][0]["path"] == path


def test_messages_of_an_unknown_run_are_404(api):
    assert api.get("/api/runs/31337/messages/").status_code == 404
