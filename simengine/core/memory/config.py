"""An agent's resolved memory settings: the scenario's `memory:` merged with its template's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

RELEVANCE_WEIGHT = 2.0  # relevance counts double: the recent window already covers recency
LOCAL_MODEL = "local"  # the deterministic hashed n-gram embedding (see embedding.py)
DEFAULTS: dict[str, Any] = {
    "enabled": True,
    "retrieve_k": 5,
    "token_budget": 300,
    "reflection_every": 20,
    "embedding_model": LOCAL_MODEL,
    "recency_decay": 0.99,
    "importance": "rule",
}
IMPORTANCE_SOURCES = ("rule", "model")  # who rates importance and writes reflections


@dataclass(frozen=True)
class MemoryConfig:
    """Whether an agent keeps long-term memory, and how it retrieves and reflects."""

    enabled: bool = True
    retrieve_k: int = 5
    token_budget: int = 300
    reflection_every: int = 20  # 0: never reflect
    embedding_model: str = LOCAL_MODEL  # "local" | "ollama/<model>"
    recency_decay: float = 0.99
    importance: str = "rule"  # "model": LLM agents' own model rates records and reflects

    def to_json(self) -> dict[str, Any]:
        """The settings as JSON data."""
        return {
            "enabled": self.enabled,
            "retrieve_k": self.retrieve_k,
            "token_budget": self.token_budget,
            "reflection_every": self.reflection_every,
            "embedding_model": self.embedding_model,
            "recency_decay": self.recency_decay,
            "importance": self.importance,
        }


def memory_config_for(
    scenario: Mapping[str, Any] | None, template: Mapping[str, Any] | None
) -> MemoryConfig | None:
    """The agent's settings, or None when neither the scenario nor its template asks for memory.

    Template keys win over scenario keys; unset keys take the defaults.
    """
    if scenario is None and template is None:
        return None
    merged = {**DEFAULTS, **(scenario or {}), **(template or {})}
    config = replace(MemoryConfig(), **merged)
    return config if config.enabled else None
