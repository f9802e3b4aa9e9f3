"""Where `replay/<run-id>` finds the responses a run recorded."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

from simengine.core.decision import LLMCallRecord

ReplayKey = tuple[str, str | None, int | None, str]


class ReplaySource(Protocol):
    """Looks up the response text a run recorded for one agent's call at one tick.

    Called from a worker thread, so a blocking (e.g. database-backed) implementation is fine.
    """

    def lookup(
        self, run_id: str, agent_id: str | None, tick: int | None, purpose: str
    ) -> str | None:
        """The recorded response text, or None when the run has none for this call."""
        ...


def _as_dict(record: LLMCallRecord | Mapping[str, Any]) -> Mapping[str, Any]:
    return record.to_json() if isinstance(record, LLMCallRecord) else record


class InMemoryReplaySource:
    """A replay source held in a dict: built from call records or a JSONL file."""

    def __init__(self, responses: Mapping[ReplayKey, str] | None = None) -> None:
        self._responses: dict[ReplayKey, str] = dict(responses or {})

    def __len__(self) -> int:
        return len(self._responses)

    def add(
        self, run_id: str, agent_id: str | None, tick: int | None, purpose: str, text: str
    ) -> None:
        """Record one response (a later one for the same key wins)."""
        self._responses[(run_id, agent_id, tick, purpose)] = text

    def add_record(self, run_id: str, record: LLMCallRecord | Mapping[str, Any]) -> None:
        """Add a call record; calls the provider failed are left out, so a replay fails alike."""
        data = _as_dict(record)
        if data.get("error") or "response_text" not in data:
            return
        self.add(
            run_id,
            data.get("agent_id"),
            data.get("tick"),
            data.get("purpose", "decide"),
            data["response_text"],
        )

    @classmethod
    def from_records(
        cls, run_id: str, records: Iterable[LLMCallRecord | Mapping[str, Any]]
    ) -> InMemoryReplaySource:
        """Build from one run's call records (dataclasses or their `to_json()` dicts)."""
        source = cls()
        for record in records:
            source.add_record(run_id, record)
        return source

    @classmethod
    def from_jsonl(cls, path: str | Path, run_id: str | None = None) -> InMemoryReplaySource:
        """Build from a JSONL file of call records (flat, or nested under "call"/"record").

        Each line's own "run_id" wins over `run_id`; lines that are not calls are ignored.
        """
        source = cls()
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                entry = json.loads(line) if line.strip() else None
                if not isinstance(entry, dict):
                    continue
                record = entry.get("call") or entry.get("record") or entry
                if not isinstance(record, dict):
                    continue
                line_run = entry.get("run_id") or record.get("run_id") or run_id
                if line_run is not None:
                    source.add_record(str(line_run), record)
        return source

    def lookup(
        self, run_id: str, agent_id: str | None, tick: int | None, purpose: str
    ) -> str | None:
        """The recorded text for this call, or None."""
        return self._responses.get((run_id, agent_id, tick, purpose))
