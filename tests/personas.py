"""Five people around one researcher's scenario, run and batch, for the access tests.

- `owner`: made them;
- `reader`: in the group "observers", which the objects are shared with at level read;
- `editor`: in the group "operators", shared with at level edit;
- `stranger`: signed in, in no group they are shared with;
- `staff`: `is_staff`, sees and changes everything.

Everything is made through the services, as each person would make it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from runs_app.models import Batch, Run
from runs_app.services.batches import batch_create
from runs_app.services.runs import run_create
from scenarios_app.models import Scenario
from scenarios_app.services import scenario_import
from simengine.web.access import Level, replace_shares
from tests.api.factories import scenario_yaml


@dataclass
class World:
    """The people and the owner's objects, shared with "observers" (read) and "operators" (edit)."""

    owner: Any
    reader: Any
    editor: Any
    stranger: Any
    staff: Any
    scenario: Scenario
    run: Run
    batch: Batch
    observers: Group
    operators: Group

    def people(self) -> dict[str, Any]:
        """Each persona by name."""
        return {
            "owner": self.owner,
            "reader": self.reader,
            "editor": self.editor,
            "stranger": self.stranger,
            "staff": self.staff,
        }


def make_world(*, share: bool = True) -> World:
    """The five people, and the owner's scenario, paused run and batch (shared if `share`)."""
    users = get_user_model()
    owner = users.objects.create_user("olivia")
    reader = users.objects.create_user("rita")
    editor = users.objects.create_user("eddie")
    stranger = users.objects.create_user("sam")
    staff = users.objects.create_user("stella", is_staff=True)
    observers = Group.objects.create(name="observers")
    operators = Group.objects.create(name="operators")
    reader.groups.add(observers)
    editor.groups.add(operators)
    stranger.groups.add(Group.objects.create(name="bystanders"))
    version = scenario_import(text=scenario_yaml("Owned flood"), fmt="yaml", user=owner).version
    run = run_create(version=version, start=False, user=owner)
    batch = batch_create(version=version, seeds_per_cell=1, user=owner)
    world = World(
        owner=owner,
        reader=reader,
        editor=editor,
        stranger=stranger,
        staff=staff,
        scenario=version.scenario,
        run=run,
        batch=batch,
        observers=observers,
        operators=operators,
    )
    if share:
        for obj in (world.scenario, world.run, world.batch):
            replace_shares(obj, owner, [(observers, Level.READ), (operators, Level.EDIT)])
    return world
