"""Proposing a batch's next parameter sweep from its results: which parameters, values, why.

The rule-based proposer zooms in on the best cell for a target metric (refining around the
best value, extending past an edge, dropping parameters that moved nothing, adding seeds
where intervals are wide); a model can propose instead through the `JsonAsker` port.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from simengine.core.asking import JsonAsker, JsonRequest, Unusable
from simengine.core.decision import LLMCallRecord
from simengine.core.worlds.params import ParamDef

MAX_VALUES = 6
MAX_CELLS = 60
GridCheck = Callable[[dict[str, list[Any]]], list[str]]


@dataclass(frozen=True)
class Target:
    """The metric a sweep tries to explain, and whether more of it is better."""

    metric: str
    maximize: bool = True


@dataclass(frozen=True)
class SweepProposal:
    """The next sweep to run: values per parameter, seeds per cell, and why."""

    grid: dict[str, list[Any]]
    seeds_per_cell: int
    reasons: dict[str, str]  # parameter -> why these values
    rationale: str
    source: str  # "rules" or the model id
    records: tuple[LLMCallRecord, ...] = field(default=(), compare=False)

    def to_json(self) -> dict[str, Any]:
        """The proposal as the console and the API show it (the call records left out)."""
        return {
            "grid": self.grid,
            "seeds_per_cell": self.seeds_per_cell,
            "parameters": [
                {"name": k, "values": v, "why": self.reasons.get(k, "")}
                for k, v in self.grid.items()
            ],
            "rationale": self.rationale,
            "source": self.source,
        }


def target_from_condition(condition: Mapping[str, Any] | None, fallback: str) -> Target:
    """The success condition's metric (maximised for >=, >, ==; minimised for <=, <)."""
    if isinstance(condition, Mapping) and isinstance(condition.get("metric"), str):
        return Target(condition["metric"], condition.get("op") not in ("<=", "<"))
    return Target(fallback)


def _mean(cell: Mapping[str, Any], metric: str) -> float | None:
    value = (cell.get("metrics") or {}).get(metric, {}).get("mean")
    return value if isinstance(value, int | float) and math.isfinite(value) else None


def _half_width(cell: Mapping[str, Any], metric: str) -> float:
    m = (cell.get("metrics") or {}).get(metric, {})
    low, high = m.get("ci_low"), m.get("ci_high")
    if isinstance(low, int | float) and isinstance(high, int | float) and math.isfinite(low + high):
        return (high - low) / 2
    return math.inf


def _nice(value: float) -> float | int:
    if float(value).is_integer():
        return int(value)
    return float(f"{value:.3g}")


def _numeric(values: Sequence[Any]) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def _bounded(values: Sequence[float], spec: ParamDef | None, integer: bool) -> list[Any]:
    low = spec.minimum if spec and spec.minimum is not None else -math.inf
    high = spec.maximum if spec and spec.maximum is not None else math.inf
    kept = {round(min(high, max(low, round(v) if integer else v)), 9) for v in values}
    return sorted({_nice(v) for v in kept})


def _refine(values: list[Any], best: Any, spec: ParamDef | None) -> tuple[list[Any], str]:
    ordered = sorted(values)
    integer = all(isinstance(v, int) for v in ordered)
    gaps = [b - a for a, b in zip(ordered, ordered[1:], strict=False)] or [abs(best) or 1]
    step = min(gaps)
    if best == ordered[-1]:
        return _bounded([best, best + step, best + 2 * step], spec, integer), (
            f"the best cell sits at the top value {best}: extend upward"
        )
    if best == ordered[0]:
        return _bounded([best - 2 * step, best - step, best], spec, integer), (
            f"the best cell sits at the lowest value {best}: extend downward"
        )
    half = max(1, step // 2) if integer else step / 2
    return _bounded([best - half, best, best + half], spec, integer), (
        f"the best value {best} lies inside the range: refine around it"
    )


def _effect(cells: Sequence[Mapping[str, Any]], name: str, target: Target) -> tuple[float, float]:
    """Spread of the target's mean across this parameter's levels, and the typical CI half."""
    levels: dict[str, list[float]] = {}
    halves = []
    for cell in cells:
        mean = _mean(cell, target.metric)
        if mean is None:
            continue
        level = json.dumps((cell.get("params") or {}).get(name), sort_keys=True)
        levels.setdefault(level, []).append(mean)
        halves.append(_half_width(cell, target.metric))
    means = [sum(v) / len(v) for v in levels.values()]
    finite = [h for h in halves if math.isfinite(h)]
    spread = max(means) - min(means) if len(means) > 1 else 0.0
    return spread, (sum(finite) / len(finite)) if finite else math.inf


def propose_sweep_by_rules(
    *,
    grid: Mapping[str, list[Any]],
    cells: Sequence[Mapping[str, Any]],
    target: Target,
    params: Sequence[ParamDef],
    current: Mapping[str, Any],
    seeds_per_cell: int,
) -> SweepProposal:
    """The next grid: zoom in on the best cell, or open a first sweep when there was none."""
    scored = [c for c in cells if _mean(c, target.metric) is not None]
    if not grid or not scored:
        return _first_sweep(params, current, target, max(seeds_per_cell, 5))
    sign = 1 if target.maximize else -1
    best = max(scored, key=lambda c: (sign * (_mean(c, target.metric) or 0.0), -_half(c, target)))
    defs = {p.name: p for p in params}
    new_grid: dict[str, list[Any]] = {}
    reasons: dict[str, str] = {}
    for name, values in grid.items():
        value = (best.get("params") or {}).get(name)
        spec = defs.get(name.split(".")[-1])
        new_grid[name], reasons[name] = _next_values(name, values, value, scored, target, spec)
    if all(len(values) == 1 for values in new_grid.values()):
        return _widen(new_grid, reasons, params, current, target, seeds_per_cell)
    wide = any(_half(c, target) > 0.1 * abs(_mean(c, target.metric) or 1) for c in scored)
    seeds = min(50, seeds_per_cell * 2) if wide else seeds_per_cell
    label = ", ".join(f"{k}={v}" for k, v in (best.get("params") or {}).items())
    goal = "highest" if target.maximize else "lowest"
    rationale = (
        f"The {goal} mean {target.metric} ({_mean(best, target.metric):.3g}) came from {label}."
    )
    if wide:
        rationale += " Intervals are wide, so each cell gets more seeds."
    return SweepProposal(new_grid, seeds, reasons, rationale, "rules")


def _half(cell: Mapping[str, Any], target: Target) -> float:
    return _half_width(cell, target.metric)


def _next_values(
    name: str,
    values: list[Any],
    best: Any,
    cells: Sequence[Mapping[str, Any]],
    target: Target,
    spec: ParamDef | None,
) -> tuple[list[Any], str]:
    spread, noise = _effect(cells, name, target)
    if spread <= noise and len(values) > 1:
        return [best], (
            f"moved {target.metric} by {spread:.3g}, within the noise (±{noise:.3g}): "
            f"fixed at {best}"
        )
    if _numeric(values):
        return _refine(list(values), best, spec)
    return [best], f"{best} gave the best {target.metric}: keep it"


def _widen(
    grid: dict[str, list[Any]],
    reasons: dict[str, str],
    params: Sequence[ParamDef],
    current: Mapping[str, Any],
    target: Target,
    seeds: int,
) -> SweepProposal:
    """Nothing swept moved the target: keep those values and try other parameters."""
    others = [p for p in params if p.name not in grid and f"world.params.{p.name}" not in grid]
    fresh = _first_sweep(others, current, target, seeds)
    rationale = (
        f"No swept parameter clearly moved {target.metric}; they stay at their best values "
        f"and the next sweep tries {', '.join(fresh.grid) or 'more seeds'} instead."
    )
    return SweepProposal(
        {**grid, **fresh.grid}, max(seeds, 5), {**reasons, **fresh.reasons}, rationale, "rules"
    )


def _first_sweep(
    params: Sequence[ParamDef], current: Mapping[str, Any], target: Target, seeds: int
) -> SweepProposal:
    grid: dict[str, list[Any]] = {}
    reasons: dict[str, str] = {}
    for p in params:
        if p.type not in ("number", "integer") or len(grid) >= 2:
            continue
        base = current.get(p.name, p.default)
        if not isinstance(base, int | float) or isinstance(base, bool):
            continue
        values = [base * 0.5, base, base * 1.5] if base else [0, 1, 2]
        grid[p.name] = _bounded(values, p, p.type == "integer")
        reasons[p.name] = f"{p.doc or p.name}: half, current ({base}) and one and a half times"
    rationale = f"A first sweep of the main world parameters to see what moves {target.metric}."
    return SweepProposal(grid, seeds, reasons, rationale, "rules")


SWEEP_SYSTEM = """You plan parameter sweeps for a multi-agent simulation study.
Given a finished batch (its grid, and per grid cell the mean and 95% confidence interval
of each metric over seeded runs) propose the NEXT sweep that best answers what drives the
target metric. Use only parameter names from the list (a bare name is a world parameter,
or a dotted path into the scenario). At most 3 parameters, at most 6 values each, at most
60 cells in all. Explain each choice in one line and the plan in two sentences."""


def sweep_schema() -> dict[str, Any]:
    """JSON schema of a model's sweep answer, with the size limits the grid must respect."""
    value = {"anyOf": [{"type": "number"}, {"type": "string"}, {"type": "boolean"}]}
    parameter = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "values": {"type": "array", "items": value, "minItems": 1, "maxItems": MAX_VALUES},
            "why": {"type": "string"},
        },
        "required": ["name", "values", "why"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {
            "parameters": {"type": "array", "items": parameter, "minItems": 1, "maxItems": 3},
            "seeds_per_cell": {"type": "integer", "minimum": 1, "maximum": 50},
            "rationale": {"type": "string"},
        },
        "required": ["parameters", "seeds_per_cell", "rationale"],
        "additionalProperties": False,
    }


def check_sweep(data: dict[str, Any], model: str, grid_check: GridCheck | None) -> SweepProposal:
    """The proposal in a schema-valid answer; `Unusable` if the grid is too big or rejected.

    `grid_check` lists problems with the parameters themselves (unknown names, bad values).
    """
    grid = {str(p["name"]): list(p["values"]) for p in data.get("parameters", [])}
    reasons = {str(p["name"]): str(p.get("why", "")) for p in data.get("parameters", [])}
    cells = math.prod(len(v) for v in grid.values())
    problems = [f"parameters: {cells} cells is more than {MAX_CELLS}"] if cells > MAX_CELLS else []
    problems += grid_check(grid) if grid_check else []
    if problems:
        raise Unusable("; ".join(problems))
    seeds = int(data.get("seeds_per_cell", 1))
    return SweepProposal(grid, seeds, reasons, str(data.get("rationale", "")), model)


async def propose_sweep_with_model(
    *, ask: JsonAsker, model: str, context: str, grid_check: GridCheck | None = None
) -> tuple[SweepProposal | None, tuple[LLMCallRecord, ...], str | None]:
    """A model's proposal for the batch described in `context`, validated and repaired once."""
    request = JsonRequest(
        model=model,
        system=SWEEP_SYSTEM,
        messages=({"role": "user", "content": context},),
        schema=sweep_schema(),
        purpose="sweep",
        max_tokens=1200,
    )
    outcome = await ask.ask(request, lambda d: check_sweep(d, model, grid_check))
    proposal = outcome.value
    if proposal is not None:
        proposal = replace(proposal, records=outcome.records)
    return proposal, outcome.records, outcome.error


def sweep_context(
    *,
    grid: Mapping[str, list[Any]],
    cells: Sequence[Mapping[str, Any]],
    target: Target,
    params: Sequence[ParamDef],
    current: Mapping[str, Any],
    seeds_per_cell: int,
) -> str:
    """The batch's results as the text a proposing model reads."""
    goal = "maximise" if target.maximize else "minimise"
    lines = [
        f"TARGET: {goal} {target.metric}",
        f"CURRENT GRID: {json.dumps(dict(grid))}; {seeds_per_cell} seed(s) per cell",
        "RESULTS PER CELL (mean [95% CI], runs):",
    ]
    for cell in cells[:MAX_CELLS]:
        metrics = cell.get("metrics") or {}
        shown = ", ".join(
            f"{name}={m.get('mean', float('nan')):.3g} [{m.get('ci_low', float('nan')):.3g}, "
            f"{m.get('ci_high', float('nan')):.3g}]"
            for name, m in list(metrics.items())[:8]
            if isinstance(m, Mapping)
        )
        lines.append(f"- {json.dumps(cell.get('params') or {})} ({cell.get('runs', 0)}): {shown}")
    lines.append("WORLD PARAMETERS (name: current value; meaning):")
    lines += [f"- {p.name}: {current.get(p.name, p.default)!r}; {p.doc}" for p in params]
    lines.append("Answer with one JSON object: the next sweep.")
    return "\n".join(lines)
