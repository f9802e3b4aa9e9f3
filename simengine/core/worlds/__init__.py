"""Pluggable world kinds: each a self-contained package, all listed in one registry."""

from simengine.core.worlds.base import (
    DEFAULT_POLICY,
    ActionOutcome,
    Impulse,
    Policy,
    Speech,
    WorldContext,
    WorldKind,
    WorldNotice,
)
from simengine.core.worlds.metric import AgentTally, MetricContext, MetricDef, MetricValue
from simengine.core.worlds.registry import (
    WORLD_KINDS,
    compute_metrics,
    find_metric,
    find_policy,
    get_world_kind,
    metric_definitions,
    metric_direction,
    metric_names,
    policy_names,
    register_world,
    starter_scenario,
    unregister_world,
    world_kind_names,
)
from simengine.core.worlds.view import ViewNode, state_tree

__all__ = [
    "DEFAULT_POLICY",
    "WORLD_KINDS",
    "ActionOutcome",
    "AgentTally",
    "Impulse",
    "MetricContext",
    "MetricDef",
    "MetricValue",
    "Policy",
    "Speech",
    "ViewNode",
    "WorldContext",
    "WorldKind",
    "WorldNotice",
    "compute_metrics",
    "find_metric",
    "find_policy",
    "get_world_kind",
    "metric_definitions",
    "metric_direction",
    "metric_names",
    "policy_names",
    "register_world",
    "starter_scenario",
    "state_tree",
    "unregister_world",
    "world_kind_names",
]
