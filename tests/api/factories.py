"""Small factories for API tests: data made through the services, as users would make it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from runs_app.models import Event, LLMCall, Message, Run, Step
from runs_app.services.runs import run_create
from runs_app.services.snapshots import snapshot_fields
from scenarios_app.models import ScenarioVersion
from scenarios_app.services import scenario_import

SMALL_FLOOD = """\
name: NAME
description: A small flood for API tests.
seed: 7
world:
  kind: flood
  params: {rain_intensity: 0.5}
  locations:
    - {id: hilltop, elevation: 30, shelter: true, capacity: 100}
    - {id: docks, elevation: 1, civilians: 4, boats: 1}
  routes: [[docks, hilltop, 1]]
agent_templates:
  - id: rescuer
    count: 2
    name: "Rescuer {n}"
    model: offline/heuristic
    start: docks
  - id: mayor
    name: Mayor
    model: offline/heuristic
    start: hilltop
rooms:
  - {id: command, members: ["Mayor", "Rescuer 1"]}
termination:
  max_ticks: 5
"""


def scenario_yaml(name: str = "Small flood", **replace: str) -> str:
    text = SMALL_FLOOD.replace("NAME", name)
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


# The API tests' signed-in user (the `user` fixture); what the factories make is theirs.
DEFAULT_OWNER = "ana"


def make_user(username: str = DEFAULT_OWNER):
    return get_user_model().objects.create_user(username)  # no password: hashing is slow


def default_owner():
    """The test's own user when it has one: factories make objects as that user would."""
    return get_user_model().objects.filter(username=DEFAULT_OWNER).first()


class TokenClient(APIClient):
    """An API client that remembers the user its token belongs to."""

    user: Any


def token_client(user=None) -> TokenClient:
    user = user or make_user()
    token, _ = Token.objects.get_or_create(user=user)
    client = TokenClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    client.user = user
    return client


def make_version(name: str = "Small flood", *, user: Any = None, **replace: str) -> ScenarioVersion:
    text = scenario_yaml(name, **replace)
    return scenario_import(text=text, fmt="yaml", user=user or default_owner()).version


def make_run(version: ScenarioVersion | None = None, **kwargs: Any) -> Run:
    kwargs.setdefault("start", False)
    kwargs.setdefault("user", default_owner())
    return run_create(version=version or make_version(user=kwargs["user"]), **kwargs)


def make_message(
    run: Run,
    *,
    step: int,
    sender: str,
    channel: str = "all",
    recipient: str = "",
    text: str = "",
    at: datetime | None = None,
) -> Message:
    message = Message.objects.create(
        run=run,
        step=step,
        message_id=f"m{Message.objects.count() + 1}",
        sender=sender,
        channel=channel,
        recipient=recipient,
        text=text or f"{sender} at step {step}",
    )
    if at is not None:
        Message.objects.filter(pk=message.pk).update(created_at=at)
        message.refresh_from_db()
    return message


def make_step(run: Run, index: int, **metrics: float) -> Step:
    stored = snapshot_fields(index, {"tick": index}, None)
    return Step.objects.create(run=run, index=index, metrics=metrics, **stored)


def make_event(run: Run, *, step: int, type: str = "action", agent: str = "", **data: Any) -> Event:
    return Event.objects.create(run=run, step=step, type=type, agent=agent, data=data)


def make_llm_call(run: Run, *, step: int, agent: str = "Mayor", purpose: str = "decide") -> LLMCall:
    return LLMCall.objects.create(
        run=run,
        step=step,
        agent=agent,
        provider="offline",
        model="offline/heuristic",
        purpose=purpose,
        response_text="{}",
        tokens_in=10,
        tokens_out=5,
    )
