"""Every object the MCP tools read or change is found here, and only here.

The functions take the acting user and return what that user may see (or change, with
`edit=True`): the REST API's selectors narrowed by `simengine.web.access`, the one place
that decides owners, group shares and staff rights for pages, API, WebSockets and MCP.
Something the user may not see is "not found", as the API's 404; something they may see
but not change is `Forbidden`, as its 403.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.db.models import Model, QuerySet

from runs_app.models import Batch, Run
from runs_app.selectors import batch_list, run_list
from scenarios_app.models import Scenario, ScenarioVersion
from scenarios_app.selectors import scenario_list, scenario_version_get
from simengine.web.access import Level, can, visible

ModelT = TypeVar("ModelT", bound=Model)


class NotFound(Exception):
    """No such object, or not one this user may see (the API answers 404 for both)."""


class Forbidden(Exception):
    """An object the user may see but not change (the API answers 403)."""


FORBIDDEN = "You do not have permission to perform this action."


def _checked(obj: ModelT, user: User, edit: bool) -> ModelT:
    if edit and not can(obj, user, Level.EDIT):
        raise Forbidden(FORBIDDEN)
    return obj


def visible_scenarios(user: User) -> QuerySet[Scenario]:
    """The scenarios `user` may see, by name (the API's scenario list)."""
    return visible(scenario_list(), user)


def get_scenario(user: User, scenario_id: int, *, edit: bool = False) -> Scenario:
    """One scenario `user` may see (or save versions of, with `edit`); NotFound otherwise."""
    scenario = visible_scenarios(user).filter(pk=scenario_id).first()
    if scenario is None:
        raise NotFound(f"No scenario {scenario_id}.")
    return _checked(scenario, user, edit)


def get_version(user: User, scenario_id: int, number: int | None = None) -> ScenarioVersion:
    """Version `number` (latest when None) of a scenario `user` may see; NotFound otherwise."""
    scenario = get_scenario(user, scenario_id)
    try:
        return scenario_version_get(scenario=scenario, number=number)
    except ScenarioVersion.DoesNotExist:
        which = "no version" if number is None else f"no version {number}"
        raise NotFound(f"Scenario {scenario_id} has {which}.") from None


def get_version_by_id(user: User, version_id: int) -> ScenarioVersion:
    """A scenario version by its own id, if its scenario is one `user` may see."""
    version = ScenarioVersion.objects.select_related("scenario").filter(pk=version_id).first()
    if version is None or not visible_scenarios(user).filter(pk=version.scenario_id).exists():
        raise NotFound(f"No scenario version {version_id}.")
    return version


def visible_runs(user: User, **filters: Any) -> QuerySet[Run]:
    """The runs `user` may see, newest first, narrowed like the API's run list."""
    return visible(run_list(**filters), user)


def get_run(user: User, run_id: int, *, edit: bool = False) -> Run:
    """One run `user` may see (or steer, with `edit`); NotFound otherwise."""
    run = visible_runs(user).filter(pk=run_id).first()
    if run is None:
        raise NotFound(f"No run {run_id}.")
    return _checked(run, user, edit)


def visible_batches(user: User, **filters: Any) -> QuerySet[Batch]:
    """The batches `user` may see, narrowed like the API's batch list."""
    return visible(batch_list(**filters), user)


def get_batch(user: User, batch_id: int, *, edit: bool = False) -> Batch:
    """One batch `user` may see (or change, with `edit`); NotFound otherwise."""
    batch = visible_batches(user).filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(f"No batch {batch_id}.")
    return _checked(batch, user, edit)
