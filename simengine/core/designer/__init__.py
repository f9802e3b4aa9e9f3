"""The designer / orchestrator agent: scenarios from a brief, next sweeps from a batch.

Pure Python: models are reached only through the `JsonAsker` port the service layer injects;
the dry run uses the engine's offline policy.
"""

from simengine.core.designer.agent import DesignResult, design_scenario
from simengine.core.designer.catalog import EXAMPLE, catalog_text
from simengine.core.designer.check import (
    DRY_RUN_TICKS,
    CheckedDesign,
    DryRun,
    check_design,
    dry_run,
)
from simengine.core.designer.offline import offline_design
from simengine.core.designer.schema import design_schema
from simengine.core.designer.sweep import (
    SweepProposal,
    Target,
    propose_sweep_by_rules,
    propose_sweep_with_model,
    sweep_context,
    target_from_condition,
)

__all__ = [
    "DRY_RUN_TICKS",
    "EXAMPLE",
    "CheckedDesign",
    "DesignResult",
    "DryRun",
    "SweepProposal",
    "Target",
    "catalog_text",
    "check_design",
    "design_scenario",
    "design_schema",
    "dry_run",
    "offline_design",
    "propose_sweep_by_rules",
    "propose_sweep_with_model",
    "sweep_context",
    "target_from_condition",
]
