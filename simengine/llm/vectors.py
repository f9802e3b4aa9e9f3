"""Long-term memory search in Qdrant: the optional `VectorIndex` beside the numpy default.

`SIMENGINE_VECTOR_STORE=qdrant` makes every agent's memory store keep its vectors in a
Qdrant collection of its own too (through `qdrant-client`): on a server at
`SIMENGINE_QDRANT_URL`, or embedded in this process (on disk at `SIMENGINE_QDRANT_PATH`,
else in memory). Qdrant finds the records most similar to the situation; the store scores
them exactly with the documented formula, so the recalled memories and their order are
those of the numpy search. `numpy` (the default) keeps the search in process.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from simengine.core.memory.index import IndexFactory, use_vector_index
from simengine.env import EnvError, env_str

STORE_VARIABLE = "SIMENGINE_VECTOR_STORE"
BACKENDS = ("numpy", "qdrant")


def vector_store_backend(environ: Mapping[str, str] = os.environ) -> str:
    """The backend SIMENGINE_VECTOR_STORE names (`numpy` unset); EnvError for any other."""
    backend = env_str(STORE_VARIABLE, "numpy", environ).lower()
    if backend not in BACKENDS:
        raise EnvError(
            f"{STORE_VARIABLE}={backend!r} is not a vector store: use {' or '.join(BACKENDS)}"
        )
    return backend


def vector_indexes_from_env(environ: Mapping[str, str] = os.environ) -> IndexFactory | None:
    """The index factory SIMENGINE_VECTOR_STORE names (None: the numpy default)."""
    if vector_store_backend(environ) == "numpy":
        return None
    from .qdrant_index import qdrant_indexes_from_env

    return qdrant_indexes_from_env(environ)


def configure_vector_store(environ: Mapping[str, str] = os.environ) -> None:
    """Make the memory stores of this process search where SIMENGINE_VECTOR_STORE says."""
    use_vector_index(vector_indexes_from_env(environ))
