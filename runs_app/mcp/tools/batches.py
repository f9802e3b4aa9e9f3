"""Batch tools: start many seeded runs over a parameter grid, read progress and aggregates."""

from collections.abc import Callable
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp_types import CallToolResult
from pydantic import Field

from runs_app.api.batches import BatchCreateSerializer
from runs_app.api.serializers import BatchDetailSerializer
from runs_app.mcp import lookup
from runs_app.mcp.context import acting, result
from runs_app.mcp.errors import validated
from runs_app.mcp.tools.fields import (
    BatchId,
    OptionalScenarioId,
    OptionalVersionId,
    Overrides,
    check_visible,
)
from runs_app.models import Batch, BatchStatus
from runs_app.services.batches import MAX_BATCH_RUNS, batch_aggregates, batch_create, batch_progress


def _detail(batch: Batch) -> dict[str, Any]:
    data = dict(BatchDetailSerializer(batch, context={"progress": batch_progress(batch)}).data)
    cells = batch.aggregates if batch.status == BatchStatus.COMPLETED else batch_aggregates(batch)
    data["aggregates"] = cells
    return data


def _line(data: dict[str, Any]) -> str:
    progress = data["progress"]
    return (
        f"Batch {data['id']} is {data['status']}: {progress['done']}/{progress['total']} runs "
        f"done ({progress['running']} running, {progress['queued']} queued, "
        f"{progress['failed']} failed), {len(data['aggregates'])} grid cells aggregated."
    )


def start_batch(
    ctx: Context,
    scenario: OptionalScenarioId = None,
    version: OptionalVersionId = None,
    grid: Annotated[
        dict[str, list[Any]] | None,
        Field(
            description="Parameter -> values to try; every combination is a cell "
            '(`{"rain_intensity": [0.3, 0.6]}`).'
        ),
    ] = None,
    seeds_per_cell: Annotated[
        int, Field(ge=1, le=MAX_BATCH_RUNS, description="Runs per grid cell.")
    ] = 1,
    base_seed: Annotated[
        int | None, Field(ge=0, le=2**31 - 1, description="Seed of each cell's first run.")
    ] = None,
    concurrency: Annotated[
        int, Field(ge=1, le=1000, description="Runs of this batch executing at once.")
    ] = 10,
    overrides: Overrides = None,
    name: Annotated[str, Field(max_length=200, description="A name for the batch.")] = "",
) -> CallToolResult:
    """Start a batch: seeds_per_cell seeded runs for every cell of a parameter grid."""
    with acting(ctx) as user:
        check_visible(user, scenario=scenario, version=version)
        data = validated(
            BatchCreateSerializer,
            {
                "scenario": scenario,
                "version": version,
                "grid": grid,
                "seeds_per_cell": seeds_per_cell,
                "base_seed": base_seed,
                "concurrency": concurrency,
                "overrides": overrides,
                "name": name,
            },
        )
        batch = batch_create(
            version=data["scenario_version"],
            grid=data["grid"],
            seeds_per_cell=data["seeds_per_cell"],
            base_seed=data.get("base_seed"),
            concurrency=data["concurrency"],
            overrides=dict(data.get("overrides") or {}),
            name=data["name"],
            user=user,
        )
        body = _detail(lookup.get_batch(user, batch.pk))
        return result(f"Started. {_line(body)}", body)


def get_batch(ctx: Context, batch_id: BatchId) -> CallToolResult:
    """Read a batch: progress of its runs and, per grid cell, each metric's mean, std and 95% CI."""
    with acting(ctx) as user:
        body = _detail(lookup.get_batch(user, batch_id))
        return result(_line(body), body)


TOOLS: list[Callable[..., Any]] = [start_batch, get_batch]
