"""`replay/<run-id>`: answer each call with the response recorded in that run."""

from __future__ import annotations

import asyncio

from ..errors import ProviderUnavailableError, ReplayMissingError
from ..settings import LLMSettings
from ..types import LLMCall, ProviderAnswer
from .base import Memo, Provider, Readiness


class ReplayProvider(Provider):
    """Looks each call up by (run, agent, tick, purpose) in the client's `ReplaySource`."""

    runs_locally = True  # nothing is billed

    name = "replay"
    context_chars = 24_000

    async def generate(self, call: LLMCall) -> ProviderAnswer:
        """The recorded text; a missing entry is an error, so the agent no-ops as it did."""
        if self.replay is None:
            raise ProviderUnavailableError(
                f"{call.model_id} needs a replay source: replays are started from a recorded run"
            )
        ctx = call.context
        text = await asyncio.to_thread(
            self.replay.lookup, call.model, ctx.agent_id, ctx.tick, ctx.purpose
        )
        if text is None:
            raise ReplayMissingError(
                f"run {call.model} recorded no {ctx.purpose} response for agent "
                f"{ctx.agent_id} at tick {ctx.tick}"
            )
        return ProviderAnswer(text=text)

    @classmethod
    def preflight(cls, model: str, settings: LLMSettings, memo: Memo) -> Readiness:
        """Always ready: a missing recording fails the one call, as it did when recorded."""
        return Readiness(True, f"replays the responses recorded in run {model}")
