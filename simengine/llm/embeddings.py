"""Embeddings for long-term memory: the local model, Ollama's `/api/embed`, recorded replays.

`EmbeddingRouter` implements the core's `Embeddings` port: `local` is the core's hashed
n-gram embedding; `ollama/<model>` asks the Ollama server at OLLAMA_HOST (one request for
all of a tick's texts). When the server or the model is missing it raises
`EmbeddingUnavailable` with the same one-line advice as chats, and the engine moves the
agent's memory to the local embedding. An embed request holds one of the server's slots,
the same slot limiter its chats use (`SIMENGINE_OLLAMA_PARALLEL`, shared through Redis).
`RecordedEmbeddings` serves vectors a run recorded (a replay reuses them instead of asking
the server again).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence

import httpx
import numpy as np
import ollama

from simengine.core.memory import LOCAL_MODEL, Embeddings, EmbeddingUnavailable, embed_local

from .limits import SlotLimiter, slot_limiter
from .loops import PerLoop
from .messages import not_pulled_message, unreachable_message
from .providers.ollama import OllamaProvider
from .settings import LLMSettings
from .transport import StreamTransport

OLLAMA_PREFIX = "ollama/"


class OllamaEmbeddings:
    """`/api/embed` on one Ollama server, through the official client, within its slots."""

    def __init__(self, settings: LLMSettings, *, limiter: SlotLimiter | None = None) -> None:
        self.settings = settings
        ((name, slots),) = OllamaProvider.server_slots(settings)
        self.limiter = limiter or slot_limiter(
            name, slots, redis_url=settings.redis_url, lease_seconds=settings.slot_lease_seconds
        )
        self._clients: PerLoop[ollama.AsyncClient] = PerLoop(self._make_client)

    def _make_client(self) -> ollama.AsyncClient:
        timeout = httpx.Timeout(
            self.settings.ollama_timeout, connect=self.settings.ollama_connect_timeout
        )
        transport = StreamTransport(max_idle=self.settings.ollama_parallel)
        return ollama.AsyncClient(host=self.host, timeout=timeout, transport=transport)

    @property
    def host(self) -> str:
        """The server's normalised OLLAMA_HOST."""
        return self.settings.ollama_host

    async def embed(self, model: str, texts: Sequence[str]) -> list[np.ndarray]:
        """One vector per text from the Ollama model `ollama/<name>`."""
        name = model.removeprefix(OLLAMA_PREFIX)
        client = self._clients.get()
        try:
            async with self.limiter.slot():
                response = await client.embed(model=name, input=list(texts))
        except ollama.ResponseError as exc:
            if exc.status_code == 404:
                raise EmbeddingUnavailable(not_pulled_message(self.host, name)) from exc
            raise EmbeddingUnavailable(
                f"Ollama at {self.host} answered HTTP {exc.status_code} to /api/embed: {exc.error}"
            ) from exc
        except httpx.TimeoutException as exc:
            raise EmbeddingUnavailable(
                f"Ollama at {self.host} did not embed within {self.settings.ollama_timeout:g}s"
            ) from exc
        except (ConnectionError, httpx.TransportError) as exc:
            raise EmbeddingUnavailable(unreachable_message(self.host)) from exc
        vectors = [np.asarray(v, dtype=np.float32) for v in response.embeddings]
        if len(vectors) != len(texts) or any(v.ndim != 1 or not len(v) for v in vectors):
            raise EmbeddingUnavailable(
                f"Ollama at {self.host} sent {len(vectors)} embeddings for {len(texts)} texts"
            )
        return vectors

    async def aclose(self) -> None:
        """Close the running loop's client connections (and the limiter's, if any)."""
        client = self._clients.pop()
        if client is not None:
            await client.close()
        close = getattr(self.limiter, "aclose", None)
        if close is not None:
            await close()


class EmbeddingRouter:
    """The `Embeddings` port over every embedding model the engine knows."""

    def __init__(self, settings: LLMSettings | None = None) -> None:
        self.settings = settings or LLMSettings.from_env()
        self._ollama: OllamaEmbeddings | None = None

    async def embed(self, model: str, texts: Sequence[str]) -> list[np.ndarray]:
        """Vectors from `local` or `ollama/<model>`; EmbeddingUnavailable for anything else."""
        if model == LOCAL_MODEL:
            return [embed_local(text) for text in texts]
        if model.startswith(OLLAMA_PREFIX):
            if self._ollama is None:
                self._ollama = OllamaEmbeddings(self.settings)
            return await self._ollama.embed(model, texts)
        raise EmbeddingUnavailable(f"unknown embedding model '{model}'")

    async def aclose(self) -> None:
        """Close the running loop's connections (call before the loop ends)."""
        if self._ollama is not None:
            await self._ollama.aclose()


Lookup = Callable[[str, Sequence[str]], Mapping[str, np.ndarray]]


class RecordedEmbeddings:
    """Serves vectors a run recorded; texts it never embedded go to `fallback`.

    `lookup(model, texts)` returns the recorded vector of each text it knows. It runs in a
    worker thread, so a blocking lookup (a database query) is fine.
    """

    def __init__(self, lookup: Lookup, fallback: Embeddings) -> None:
        self.lookup = lookup
        self.fallback = fallback

    async def embed(self, model: str, texts: Sequence[str]) -> list[np.ndarray]:
        """Recorded vectors where there are some, the fallback's for the rest."""
        known = await asyncio.to_thread(self.lookup, model, texts) if model != LOCAL_MODEL else {}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        fresh = await self.fallback.embed(model, missing) if missing else []
        vectors = {**known, **dict(zip(missing, fresh, strict=True))}
        return [vectors[text] for text in texts]

    async def aclose(self) -> None:
        """Close the fallback's connections."""
        close = getattr(self.fallback, "aclose", None)
        if close is not None:
            await close()
