import pytest

from runs_app.models import Message
from runs_app.selectors import message_list
from runs_app.services.runs import run_create
from tests.runs_app.factories import small_flood_version

pytestmark = pytest.mark.django_db


def test_words_spoken_at_a_place_reach_exactly_the_agents_who_heard_them():
    run = run_create(version=small_flood_version(), start=False)
    Message.objects.create(
        run=run,
        step=1,
        message_id="m1",
        sender="Rescuer 1",
        channel="local",
        recipient="docks",
        audience="|Rescuer 2|Rescuer 3|",
        text="Boats are ready.",
    )
    heard = {
        name: list(message_list(run=run, agent=name).values_list("text", flat=True))
        for name in ("Rescuer 1", "Rescuer 2", "Rescuer 3", "Mayor")
    }
    assert heard == {
        "Rescuer 1": ["Boats are ready."],
        "Rescuer 2": ["Boats are ready."],
        "Rescuer 3": ["Boats are ready."],
        "Mayor": [],
    }
