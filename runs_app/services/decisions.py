"""Who decides for a run's agents: the LLM router, with replays served from the database."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection

from agents_app.models import Agent, AgentMemory
from runs_app.models import LLMCall
from runs_app.services.adapters import decode_vector
from simengine.core.spec import DEFAULT_MODEL, ScenarioSpec
from simengine.llm import (
    EmbeddingRouter,
    LLMDecisionMaker,
    LLMSettings,
    ModelAsker,
    RecordedEmbeddings,
    build_decision_maker,
    preflight,
)

OFFLINE_MODEL = "offline/heuristic"


def llm_settings() -> LLMSettings:
    """The LLM layer's settings, read from the environment now."""
    return LLMSettings.from_env()


class DatabaseReplaySource:
    """Answers `replay/<run-id>` calls with the responses recorded in that run.

    Recorded calls are loaded a window of ticks at a time (one query for every agent of
    `WINDOW` ticks, a slice's worth, plus one for the run's agent names); calls without a
    tick (evaluations) are loaded per purpose.
    """

    WINDOW = 20

    def __init__(self) -> None:
        self._names: dict[int, dict[str, str]] = {}
        self._calls: dict[tuple[int, int | None, str | None], list[_Recorded]] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Forget every loaded call (a new slice sees what is recorded now)."""
        with self._lock:
            self._names.clear()
            self._calls.clear()

    def lookup(
        self, run_id: str, agent_id: str | None, tick: int | None, purpose: str
    ) -> str | None:
        """The latest recorded response for this agent, tick and purpose, or None."""
        if not run_id.isdigit():
            return None
        run = int(run_id)
        with self._lock:
            key = (run, tick, None if tick is not None else purpose)
            if run not in self._names or key not in self._calls:
                try:
                    self._load(run, tick, purpose)
                finally:
                    # called from a worker thread of the event loop: leave no connection open
                    connection.close()
            names, calls = self._names[run], self._calls.get(key, [])
        agent = None if agent_id is None else names.get(agent_id) or agent_id
        for call in calls:
            if call.purpose == purpose and agent in (None, call.agent):
                return call.text
        return None

    def _load(self, run: int, tick: int | None, purpose: str) -> None:
        if run not in self._names:
            agents = Agent.objects.filter(run_id=run).values_list("key", "name")
            self._names[run] = dict(agents)
        calls = LLMCall.objects.filter(run_id=run, error="")
        if tick is None:
            rows = calls.filter(purpose=purpose).order_by("-id")
            self._calls[(run, None, purpose)] = [
                _Recorded(*row) for row in rows.values_list("agent", "purpose", "response_text")
            ]
            return
        if (run, tick, None) in self._calls:
            return
        window = calls.filter(step__gte=tick, step__lt=tick + self.WINDOW).order_by("-id")
        by_tick: dict[int, list[_Recorded]] = {}
        for step, *row in window.values_list("step", "agent", "purpose", "response_text"):
            by_tick.setdefault(step, []).append(_Recorded(*row))
        # ticks past the last one recorded so far may still be recorded: ask again for those
        last = max(by_tick, default=tick)
        for step in range(tick, last + 1):
            self._calls[(run, step, None)] = by_tick.get(step, [])


@dataclass(frozen=True)
class _Recorded:
    agent: str
    purpose: str
    text: str


def decision_maker_for_run() -> LLMDecisionMaker:
    """The decision maker a run's agents use: every provider, replays from the database."""
    return build_decision_maker(llm_settings(), replay_source=DatabaseReplaySource())


def embeddings_for_run(
    models: Iterable[str], router: EmbeddingRouter | None = None
) -> EmbeddingRouter | RecordedEmbeddings:
    """The embedding models a run's memory uses; a replay reuses its source runs' vectors.

    `models` are the run's agents' model ids: each `replay/<run-id>` names a source run.
    `router` is the one to use for the models' own servers (a new one by default).
    """
    router = router or EmbeddingRouter(llm_settings())
    sources = sorted(
        {int(m.split("/", 1)[1]) for m in models if m.startswith("replay/") and m[7:].isdigit()}
    )
    if not sources:
        return router
    return RecordedEmbeddings(_recorded_vectors(sources), fallback=router)


SliceTools = tuple[asyncio.Runner, LLMDecisionMaker, EmbeddingRouter | RecordedEmbeddings]


class _Kept(threading.local):
    """What one thread keeps between slices: its event loop and the LLM clients on it."""

    settings: LLMSettings | None = None
    runner: asyncio.Runner | None = None
    maker: LLMDecisionMaker | None = None
    router: EmbeddingRouter | None = None
    replay: DatabaseReplaySource | None = None

    def open(self, settings: LLMSettings) -> None:
        if self.runner is not None and self.settings == settings:
            return
        self.close()
        self.replay = DatabaseReplaySource()
        self.runner = asyncio.Runner()
        self.maker = build_decision_maker(settings, replay_source=self.replay)
        self.router = EmbeddingRouter(settings)
        self.settings = settings

    def close(self) -> None:
        runner, self.runner, self.settings = self.runner, None, None
        if runner is None:
            return
        try:
            for closable in (self.maker, self.router):
                if closable is not None:
                    runner.run(closable.aclose())
        finally:
            self.maker = self.router = self.replay = None
            runner.close()


_kept = _Kept()


@contextmanager
def slice_tools(models: Iterable[str], *, keep: bool) -> Iterator[SliceTools]:
    """An event loop, the decision maker and the embeddings for one slice of a run.

    With `keep` (a Celery worker process, one slice at a time) the thread keeps its loop
    and LLM clients from slice to slice, so HTTP keep-alive connections to the model
    servers and the slot limiter's Redis connections are opened once, not per slice;
    recorded replays are loaded afresh each slice. After a failure they are closed and
    the next slice starts clean. Without `keep`, everything is made and closed here.
    """
    models = list(models)
    if not keep:
        with asyncio.Runner() as runner:
            maker = decision_maker_for_run()
            embeddings = embeddings_for_run(models)
            try:
                yield runner, maker, embeddings
            finally:
                runner.run(maker.aclose())
                runner.run(embeddings.aclose())
        return
    _kept.open(llm_settings())
    assert _kept.runner and _kept.maker and _kept.router and _kept.replay
    _kept.replay.clear()
    try:
        yield _kept.runner, _kept.maker, embeddings_for_run(models, _kept.router)
    except BaseException:
        _kept.close()
        raise


def _recorded_vectors(sources: list[int]):
    def lookup(model: str, texts: Sequence[str]) -> dict[str, np.ndarray]:
        rows = AgentMemory.objects.filter(
            run_id__in=sources, embedding_model=model, text__in=set(texts)
        ).values_list("text", "embedding")
        try:
            found = {text: decode_vector(bytes(raw), model) for text, raw in rows}
            return {text: vector for text, vector in found.items() if vector is not None}
        finally:
            connection.close()  # called in the event loop's thread: leave no connection open

    return lookup


def model_asker() -> ModelAsker:
    """The JSON asker for evaluations and sweep proposals (replays from the database)."""
    return ModelAsker.from_env(llm_settings(), replay_source=DatabaseReplaySource())


def with_offline_fallbacks(
    spec: ScenarioSpec, overrides: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Overrides that move every model that cannot be served now to the offline policy.

    Returns the new overrides and one note per replaced model saying why.
    """
    override = overrides.get("model_override") or None
    # A loaded spec has every template's model written out; the default is for the type.
    models = {t.id: override or t.model or DEFAULT_MODEL for t in spec.agent_templates}
    statuses = {s.model_id: s for s in preflight(models.values(), llm_settings())}
    result = dict(overrides)
    notes: list[str] = []
    if override and not statuses[override].ok:
        result["model_override"] = OFFLINE_MODEL
        return result, [
            f"{override} is unavailable ({statuses[override].message}); "
            f"all agents run on {OFFLINE_MODEL}"
        ]
    templates = {k: dict(v) for k, v in overrides.get("templates", {}).items()}
    for template_id, model in models.items():
        if not statuses[model].ok:
            templates.setdefault(template_id, {})["model"] = OFFLINE_MODEL
            notes.append(
                f"{template_id}: {model} is unavailable ({statuses[model].message}); "
                f"runs on {OFFLINE_MODEL}"
            )
    if templates:
        result["templates"] = templates
    return result, notes
