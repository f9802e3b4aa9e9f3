"""Factories for run tests: scenarios from files or dicts, through the real services."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml

from runs_app.models import FINAL_RUN_STATUSES, Batch, Run
from runs_app.services import leases
from scenarios_app.models import ScenarioVersion
from scenarios_app.services import scenario_import

ROOT = Path(__file__).resolve().parents[2]


def sample_version(name: str = "riverside_flood", *, user: Any = None) -> ScenarioVersion:
    text = (ROOT / "scenarios" / f"{name}.yaml").read_text()
    return scenario_import(text=text, fmt="yaml", user=user).version


def small_flood_version(
    *,
    max_ticks: int = 12,
    name: str = "Small flood",
    budget: dict[str, int] | None = None,
    memory: dict[str, Any] | None = None,
    user: Any = None,
    **params: Any,
) -> ScenarioVersion:
    """A flood with four agents, no success/failure condition: it always runs max_ticks.

    `memory` becomes the scenario's `memory:` section (long-term memory on); `user` owns it.
    """
    spec: dict[str, Any] = {
        "name": name,
        "seed": 3,
        "world": {
            "kind": "flood",
            "params": {
                "rain_intensity": 0.6,
                "water_rise_per_tick": 0.25,
                "levee_height": 3.0,
                **params,
            },
            "locations": [
                {"id": "hilltop", "elevation": 30, "shelter": True, "capacity": 200},
                {"id": "school", "elevation": 4, "civilians": 25},
                {"id": "hospital", "elevation": 6, "civilians": 20, "injured": 5},
                {"id": "docks", "elevation": 1, "boats": 2},
            ],
            "routes": [
                ["docks", "school", 1],
                ["school", "hospital", 2],
                ["hospital", "hilltop", 2],
            ],
            "resources": {"food": 50, "medkits": 10},
        },
        "agent_templates": [
            {
                "id": "rescuer",
                "count": 3,
                "name": "Rescuer {n}",
                "role": "Rescue boat crew",
                "persona": "Calm former fisher.",
                "model": "offline/heuristic",
                "start": "docks",
            },
            {
                "id": "mayor",
                "name": "Mayor",
                "role": "Mayor",
                "persona": "Worried but decisive.",
                "model": "offline/heuristic",
                "start": "hilltop",
            },
        ],
        "rooms": [{"id": "command", "members": ["template:rescuer", "Mayor"]}],
        "termination": {"max_ticks": max_ticks},
    }
    if budget is not None:
        spec["budget"] = budget
    if memory is not None:
        spec["memory"] = memory
    return scenario_import(text=yaml.safe_dump(spec), fmt="yaml", user=user).version


RunOrBatch = TypeVar("RunOrBatch", Run, Batch)


def wait_for_run(
    run: RunOrBatch, predicate: Callable[[RunOrBatch], bool], *, timeout: float = 60.0
) -> RunOrBatch:
    deadline = time.monotonic() + timeout
    while True:
        run.refresh_from_db()
        if predicate(run):
            return run
        if time.monotonic() > deadline:
            raise AssertionError(
                f"run {run.pk} did not reach the expected state in {timeout}s: "
                f"status={run.status} step={getattr(run, 'current_step', None)} "
                f"error={getattr(run, 'error', '')!r}"
            )
        time.sleep(0.05)


def wait_until_final(run: Run, *, timeout: float = 60.0) -> Run:
    return wait_for_run(run, lambda r: r.status in FINAL_RUN_STATUSES, timeout=timeout)


def recorded_slices(monkeypatch) -> list[int]:
    """The run ids of every slice message sent from now on (each still sent for real)."""
    sent: list[int] = []
    real_send = leases.enqueue_slice

    def recording_send(run_id: int, token: str | None = None) -> None:
        sent.append(run_id)
        real_send(run_id, token)

    monkeypatch.setattr(leases, "enqueue_slice", recording_send)
    return sent
