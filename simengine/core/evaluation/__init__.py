"""The evaluation agent: dimensions as data, bounded run summaries, LLM and rule scoring.

Pure Python: models are reached only through the `JsonAsker` port the service layer injects.
"""

from simengine.core.asking import AskOutcome, JsonAsker, JsonRequest, Unusable
from simengine.core.evaluation.agreement import (
    DimensionAgreement,
    batch_agreement,
    krippendorff_alpha,
    run_agreement,
)
from simengine.core.evaluation.dimensions import DEFAULT_DIMENSIONS, Dimension, resolve_dimensions
from simengine.core.evaluation.evaluator import (
    EvaluationResult,
    evaluate_by_rules,
    evaluate_run,
    is_offline,
    summary_budget,
)
from simengine.core.evaluation.prompt import ScoredAnswer, check_answer, evaluation_schema
from simengine.core.evaluation.render import render_summary
from simengine.core.evaluation.summary import (
    AgentInfo,
    RunFacts,
    RunSummary,
    SummaryBuilder,
    SummaryLimits,
    build_summary,
    event_tone,
    sample_ticks,
)

__all__ = [
    "DEFAULT_DIMENSIONS",
    "AgentInfo",
    "AskOutcome",
    "Dimension",
    "DimensionAgreement",
    "EvaluationResult",
    "JsonAsker",
    "JsonRequest",
    "RunFacts",
    "RunSummary",
    "ScoredAnswer",
    "SummaryBuilder",
    "SummaryLimits",
    "Unusable",
    "batch_agreement",
    "build_summary",
    "check_answer",
    "evaluate_by_rules",
    "evaluate_run",
    "evaluation_schema",
    "event_tone",
    "is_offline",
    "krippendorff_alpha",
    "render_summary",
    "resolve_dimensions",
    "run_agreement",
    "sample_ticks",
    "summary_budget",
]
