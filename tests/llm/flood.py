"""Running the sample flood scenario end to end, for tests that need the real engine."""

from __future__ import annotations

import asyncio
from pathlib import Path

from simengine.core.decision import DecisionMaker
from simengine.core.simulation import Simulation, TickResult
from simengine.core.spec import ScenarioSpec, load_spec_file

FLOOD_SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "riverside_flood.yaml"


def flood_spec() -> ScenarioSpec:
    """The sample Riverside flood scenario."""
    return load_spec_file(FLOOD_SCENARIO)


def run_flood(
    maker: DecisionMaker, *, model_override: str, max_ticks: int | None = None, seed: int = 42
) -> tuple[Simulation, list[TickResult]]:
    """Step the flood run until it ends (or `max_ticks`), closing the maker's connections."""
    simulation = Simulation.create(
        flood_spec(), seed=seed, run_id="flood-test", model_override=model_override
    )

    async def main() -> list[TickResult]:
        results: list[TickResult] = []
        try:
            while not simulation.finished and (max_ticks is None or len(results) < max_ticks):
                results.append(await simulation.step(maker))
        finally:
            aclose = getattr(maker, "aclose", None)
            if aclose is not None:
                await aclose()
        return results

    return simulation, asyncio.run(main())
