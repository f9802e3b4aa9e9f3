"""Cross-run analysis of a batch, and the next sweep it suggests.

Conditions are named by keys: `cell:<cell key>` (a grid cell of the batch), `batch:<id>`
(every completed run of a batch) and `model:<model id>` (completed runs of the batch's
scenario version run with that model override). The statistics are the core's
(`simengine.core.analysis`); this module only selects runs and shapes the answer.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Manager, Q, QuerySet

from runs_app.models import Batch, Evaluation, Event, Run, RunStatus
from runs_app.services.batches import batch_aggregates, batch_create, cell_key, grid_cells
from runs_app.services.config import build_run_spec
from runs_app.services.decisions import llm_settings, model_asker
from runs_app.services.errors import InvalidRunConfig
from simengine.core.analysis import (
    behaviour_counts,
    compare_conditions,
    parameter_effects,
    scores_by_cell,
)
from simengine.core.designer import (
    SweepProposal,
    Target,
    propose_sweep_by_rules,
    propose_sweep_with_model,
    sweep_context,
    target_from_condition,
)
from simengine.core.evaluation import batch_agreement, resolve_dimensions
from simengine.core.stats import summarize
from simengine.core.text import problem_lines
from simengine.core.worlds import get_world_kind
from simengine.llm import model_problem
from simengine.web.access import visible

MAX_BEHAVIOUR_RUNS = 500
BEHAVIOUR_TYPES = ("ActionRejected", "MessageSent", "AgentDecided")


class InvalidCondition(ValueError):
    """A condition key that names nothing comparable (the API answers 400)."""


class SweepUnavailable(Exception):
    """The proposing model cannot be served, or its answers were unusable twice."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []  # what was wrong, each problem once


@dataclass(frozen=True)
class Condition:
    """A named set of completed runs to compare: a grid cell, a whole batch or a model."""

    key: str
    label: str
    runs: QuerySet[Run]

    def to_json(self) -> dict[str, Any]:
        """The condition's key, label and number of runs, as the analysis reports it."""
        return {"key": self.key, "label": self.label, "runs": self.runs.count()}


def label_of(cell: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(cell.items())) or "base"


def _completed(runs: QuerySet[Run] | Manager[Run]) -> QuerySet[Run]:
    return runs.filter(status=RunStatus.COMPLETED)


def batch_conditions(batch: Batch) -> list[Condition]:
    """Every grid cell of the batch, then the batch as a whole."""
    cells = []
    for cell in grid_cells(batch.grid or {}):
        runs = _completed(batch.runs.filter(cell_key=cell_key(cell)))
        cells.append(Condition(f"cell:{cell_key(cell)}", label_of(cell), runs))
    return [*cells, Condition(f"batch:{batch.pk}", f"{batch} (all)", _completed(batch.runs))]


def resolve_condition(batch: Batch, key: str, user: Any = None) -> Condition:
    """The condition a key names (`cell:`, `batch:` or `model:`); `InvalidCondition` otherwise.

    With `user`, other batches and runs count only when that user may read them.
    """
    kind, _, value = key.partition(":")
    if kind == "cell":
        runs = batch.runs.filter(cell_key=value)
        first = runs.first()
        if first is None:
            raise InvalidCondition(f"{key}: batch {batch.pk} has no such grid cell")
        return Condition(key, label_of(first.grid_cell), _completed(runs))
    if kind == "batch" and value.isdigit():
        batches = Batch.objects.all() if user is None else visible(Batch.objects.all(), user)
        other = batches.filter(pk=int(value)).first()
        if other is None:
            raise InvalidCondition(f"{key}: no batch {value}")
        return Condition(key, f"{other} (all)", _completed(other.runs))
    if kind == "model" and value:
        runs = Run.objects.filter(
            scenario_version=batch.scenario_version, overrides__model_override=value
        )
        if user is not None:
            runs = visible(runs, user)
        return Condition(key, value, _completed(runs))
    raise InvalidCondition(f"{key}: use cell:<cell key>, batch:<id> or model:<provider/model>")


def _metrics_of(runs: QuerySet[Run]) -> list[dict[str, Any]]:
    return [m or {} for m in runs.values_list("metrics", flat=True)]


def analysis_compare(*, a: Condition, b: Condition) -> dict[str, Any]:
    """Per metric, condition A against condition B (tests and effect sizes)."""
    comparisons = compare_conditions(_metrics_of(a.runs), _metrics_of(b.runs))
    return {"a": a.to_json(), "b": b.to_json(), "metrics": [c.to_json() for c in comparisons]}


def _default_pair(batch: Batch) -> tuple[str, str] | None:
    cells = grid_cells(batch.grid or {})
    if len(cells) < 2:
        return None
    return f"cell:{cell_key(cells[0])}", f"cell:{cell_key(cells[-1])}"


def batch_analysis(
    *, batch: Batch, a: str | None = None, b: str | None = None, user: Any = None
) -> dict[str, Any]:
    """Comparison of two conditions, parameter effects, scores and behaviours per cell.

    With `user`, conditions naming other batches or runs see only what that user may read.
    """
    pair = (a, b) if a and b else _default_pair(batch)
    comparison = None
    if pair:
        first, second = (resolve_condition(batch, key, user) for key in pair)
        comparison = analysis_compare(a=first, b=second)
    samples = [
        (p or {}, m or {}) for p, m in _completed(batch.runs).values_list("grid_cell", "metrics")
    ]
    return {
        "batch": batch.pk,
        "completed_runs": len(samples),
        "conditions": [c.to_json() for c in batch_conditions(batch)],
        "comparison": comparison,
        "effects": [e.to_json() for e in parameter_effects(samples)],
        "scores": batch_scores(batch),
        "agreement": batch_score_agreement(batch),
        "behaviours": batch_behaviours(batch),
    }


def _evaluations(batch: Batch) -> QuerySet[Evaluation]:
    return Evaluation.objects.filter(run__batch=batch).order_by("run_id", "-created_at", "-id")


def batch_scores(batch: Batch) -> dict[str, Any]:
    rows = _evaluations(batch).values_list(
        "run__cell_key", "run__grid_cell", "evaluator_model", "scores"
    )
    return scores_by_cell((key, cell or {}, model, scores) for key, cell, model, scores in rows)


def batch_score_agreement(batch: Batch) -> list[dict[str, Any]]:
    runs: dict[int, dict[str, dict[str, Any]]] = {}
    for run_id, model, scores in _evaluations(batch).values_list(
        "run_id", "evaluator_model", "scores"
    ):
        runs.setdefault(run_id, {}).setdefault(model, scores)
    models = {m for scores in runs.values() for m in scores}
    if len(models) < 2:
        return []
    names = sorted({d for scores in runs.values() for s in scores.values() for d in s})
    dimensions = resolve_dimensions(names)
    return [a.to_json() for a in batch_agreement(list(runs.values()), dimensions)]


def _behaviour_events(run_ids: list[int]) -> Iterator[tuple[int, dict[str, Any]]]:
    events = Event.objects.filter(run_id__in=run_ids).filter(
        Q(type__in=BEHAVIOUR_TYPES) | Q(type="AgentActed", data__action__type="share")
    )
    rows = events.order_by("run_id", "step", "id").values_list("run_id", "type", "agent", "data")
    for run_id, kind, agent, data in rows.iterator(chunk_size=2000):
        yield run_id, {"type": kind, "agent": agent, "data": data}


def batch_behaviours(batch: Batch) -> dict[str, Any]:
    """Per cell: mean and CI of each behaviour count per run (first 500 completed runs)."""
    runs = dict(
        _completed(batch.runs).order_by("id").values_list("id", "cell_key")[:MAX_BEHAVIOUR_RUNS]
    )
    counts: dict[int, dict[str, int]] = {run_id: behaviour_counts(()) for run_id in runs}
    for run_id, group in itertools.groupby(_behaviour_events(list(runs)), key=lambda r: r[0]):
        counts[run_id] = behaviour_counts(event for _, event in group)
    by_cell: dict[str, list[dict[str, int]]] = {}
    for run_id, key in runs.items():
        by_cell.setdefault(key, []).append(counts[run_id])
    return {
        "runs": len(runs),
        "cells": {
            key: summarize(samples, dict.fromkeys(samples[0], (0, None)) if samples else None)
            for key, samples in sorted(by_cell.items())
        },
        "totals": {
            name: sum(c[name] for c in counts.values())
            for name in ("sharing", "refusals", "panic_messages", "fear_spikes")
        },
    }


# -- the next sweep --------------------------------------------------------------------------


def _sweep_inputs(batch: Batch) -> dict[str, Any]:
    spec = batch.scenario_version.spec
    cells = list((batch.aggregates or batch_aggregates(batch)).values())
    metrics = [name for cell in cells for name in cell.get("metrics", {})]
    success = (spec.get("termination") or {}).get("success")
    while isinstance(success, dict) and ("all" in success or "any" in success):
        success = (success.get("all") or success.get("any") or [None])[0]
    failure = (spec.get("termination") or {}).get("failure")
    kind = get_world_kind(spec["world"]["kind"])
    return {
        "grid": batch.grid or {},
        "cells": cells,
        "target": _target(success, failure, metrics),
        "params": kind.params,
        "current": (spec.get("world") or {}).get("params") or {},
        "seeds_per_cell": batch.seeds_per_cell,
    }


PREFERRED_TARGETS = ("rescued_fraction", "agreement", "goal_completion", "cooperation")


def _target(success: Any, failure: Any, metrics: list[str]) -> Target:
    """What the sweep optimises: the success metric, else away from failure, else a known one."""
    if isinstance(success, dict) and "metric" in success:
        return target_from_condition(success, "")
    if isinstance(failure, dict) and isinstance(failure.get("metric"), str):
        return Target(failure["metric"], maximize=failure.get("op") in ("<=", "<"))
    known = [m for m in PREFERRED_TARGETS if m in metrics]
    return Target(known[0] if known else (metrics[0] if metrics else "cooperation"))


def _grid_errors(batch: Batch, grid: dict[str, list[Any]]) -> list[str]:
    errors: list[str] = []
    for cell in grid_cells(grid)[:60]:
        try:
            build_run_spec(batch.scenario_version, grid_cell=cell, overrides=batch.overrides)
        except InvalidRunConfig as exc:
            errors.extend(_grid_problem(line) for line in exc.errors)
    return list(dict.fromkeys(errors))[:10]


def _grid_problem(line: str) -> str:
    """A run-config error about a proposed parameter, in the sweep's terms."""
    path, sep, message = line.rpartition(": ")
    if sep and message == "unknown field":
        return f"'{path}' is not a parameter of this scenario"
    return line


def batch_sweep_proposal(*, batch: Batch, model: str = "offline/heuristic") -> SweepProposal:
    """The next sweep for a batch: by rules for `offline/...`, else by `model`."""
    inputs = _sweep_inputs(batch)
    if model.startswith("offline/"):
        return propose_sweep_by_rules(**inputs)
    if problem := model_problem(model, llm_settings()):
        raise SweepUnavailable(problem)
    context = sweep_context(**inputs)

    async def ask() -> tuple[SweepProposal | None, Any, str | None]:
        async with model_asker() as asker:
            return await propose_sweep_with_model(
                ask=asker,
                model=model,
                context=context,
                grid_check=lambda grid: _grid_errors(batch, grid),
            )

    proposal, _records, error = asyncio.run(ask())
    if proposal is None:
        raise SweepUnavailable(
            f"{model} gave no usable proposal (its answer and one repair)",
            problem_lines(error),
        )
    return proposal


def batch_sweep_start(
    *,
    batch: Batch,
    grid: dict[str, list[Any]],
    seeds_per_cell: int,
    user: User | None = None,
    name: str = "",
) -> Batch:
    """Start the confirmed sweep as a new batch of the same version, overrides and seeds."""
    return batch_create(
        version=batch.scenario_version,
        grid=grid,
        seeds_per_cell=seeds_per_cell,
        base_seed=batch.base_seed,
        concurrency=batch.concurrency,
        overrides=batch.overrides,
        name=name or f"{batch} — next sweep",
        user=user,
    )


def sweep_grid_from_text(text: str) -> dict[str, list[Any]]:
    """The grid a confirmation form posts back (JSON); InvalidRunConfig if malformed."""
    try:
        grid = json.loads(text)
    except ValueError:
        raise InvalidRunConfig(["grid: expected a JSON object of parameter -> values"]) from None
    if not isinstance(grid, dict) or not all(isinstance(v, list) for v in grid.values()):
        raise InvalidRunConfig(["grid: expected a JSON object of parameter -> list of values"])
    return grid


__all__ = [
    "Condition",
    "InvalidCondition",
    "SweepUnavailable",
    "Target",
    "analysis_compare",
    "batch_analysis",
    "batch_conditions",
    "batch_sweep_proposal",
    "batch_sweep_start",
    "resolve_condition",
    "sweep_grid_from_text",
]
