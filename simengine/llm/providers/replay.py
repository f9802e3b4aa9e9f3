"""`replay/<run-id>`: answer each call with the response recorded in that run."""

from __future__ import annotations

import asyncio

from ..errors import ProviderUnavailableError, ReplayMissingError
from ..replay import ReplaySource
from ..types import LLMCall, ProviderAnswer


class ReplayProvider:
    """Looks each call up by (run, agent, tick, purpose) in a `ReplaySource`."""

    name = "replay"

    def __init__(self, source: ReplaySource | None) -> None:
        self.source = source

    async def generate(self, call: LLMCall) -> ProviderAnswer:
        """The recorded text; a missing entry is an error, so the agent no-ops as it did."""
        if self.source is None:
            raise ProviderUnavailableError(
                f"{call.model_id} needs a replay source: replays are started from a recorded run"
            )
        ctx = call.context
        text = await asyncio.to_thread(
            self.source.lookup, call.model, ctx.agent_id, ctx.tick, ctx.purpose
        )
        if text is None:
            raise ReplayMissingError(
                f"run {call.model} recorded no {ctx.purpose} response for agent "
                f"{ctx.agent_id} at tick {ctx.tick}"
            )
        return ProviderAnswer(text=text)

    async def aclose(self) -> None:
        """Nothing to close."""
