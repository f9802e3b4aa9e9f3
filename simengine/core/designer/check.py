"""Is a designed scenario usable? Tidy the model's JSON, validate it, then run a few ticks.

Nothing is saved here: the check either returns the valid spec with its dry run or raises
`Unusable` listing every problem, which the designer shows the model for one repair.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from simengine.core.asking import Unusable
from simengine.core.offline import OfflineDecisionMaker
from simengine.core.simulation import Simulation
from simengine.core.spec import ScenarioSpec, SpecError, parse_spec

DRY_RUN_TICKS = 3
MAX_ERRORS_SHOWN = 30
ExtraCheck = Callable[[dict[str, Any]], list[str]]


@dataclass(frozen=True)
class DryRun:
    """What a few ticks on the offline policy showed: the scenario runs."""

    ticks: int
    finished: bool
    end_reason: str | None
    metrics: dict[str, Any]
    events: int
    messages: int

    def describe(self) -> str:
        """One line for the designer's attempt log: ticks run, how it ended, what happened."""
        ended = f", ended early ({self.end_reason})" if self.finished else ""
        return (
            f"dry run: {self.ticks} tick(s) on the offline policy{ended}; "
            f"{self.events} events, {self.messages} messages"
        )

    def to_json(self) -> dict[str, Any]:
        """Every field as plain JSON, shown with the designed scenario."""
        return {
            "ticks": self.ticks,
            "finished": self.finished,
            "end_reason": self.end_reason,
            "metrics": self.metrics,
            "events": self.events,
            "messages": self.messages,
        }


@dataclass(frozen=True)
class CheckedDesign:
    """A designed scenario that validated and ran: the spec and its dry run."""

    spec: ScenarioSpec
    dry_run: DryRun


def _without_nulls(value: Any) -> Any:
    """Drop `null` members of mappings (models write them for every optional field)."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def normalize_design(data: dict[str, Any], *, agent_model: str) -> dict[str, Any]:
    """The model's scenario with nulls dropped and every deciding agent on `agent_model`."""
    document = _without_nulls(data)
    for template in document.get("agent_templates") or []:
        if isinstance(template, dict) and template.get("kind") != "environment":
            template["model"] = agent_model
    return document


async def dry_run(spec: ScenarioSpec, ticks: int = DRY_RUN_TICKS) -> DryRun:
    """Run up to `ticks` ticks with every agent on the offline policy (no model, no I/O)."""
    simulation = Simulation.create(
        spec, seed=spec.seed, run_id="dry-run", model_override="offline/heuristic"
    )
    maker = OfflineDecisionMaker()
    events = messages = 0
    while simulation.tick < ticks and not simulation.finished:
        result = await simulation.step(maker)
        events += len(result.events)
        messages += len(result.messages)
    return DryRun(
        simulation.tick,
        simulation.finished,
        simulation.end_reason,
        simulation.metrics,
        events,
        messages,
    )


def _problems(lines: list[str], what: str) -> Unusable:
    shown = lines[:MAX_ERRORS_SHOWN]
    more = f"\n- … and {len(lines) - len(shown)} more" if len(lines) > len(shown) else ""
    return Unusable(f"{what}:\n" + "\n".join(f"- {line}" for line in shown) + more)


async def check_design(
    data: dict[str, Any], *, agent_model: str, extra: ExtraCheck | None = None
) -> CheckedDesign:
    """The valid spec and its dry run, or `Unusable` with every problem as `path: message`."""
    document = normalize_design(data, agent_model=agent_model)
    try:
        spec = parse_spec(document)
    except SpecError as exc:
        raise _problems(exc.errors, "the scenario is invalid") from None
    problems = extra(spec.to_dict()) if extra else []
    if problems:
        raise _problems(problems, "the scenario cannot be stored")
    try:
        run = await dry_run(spec)
    except Exception as exc:  # the engine refused a valid-looking spec: show the model why
        raise Unusable(f"the scenario failed its dry run: {type(exc).__name__}: {exc}") from exc
    return CheckedDesign(spec, run)
