"""The one-line messages people see when a model cannot be served, shared by calls and checks."""

from __future__ import annotations

ANTHROPIC_DEFAULT_BASE_URL = "https://api.anthropic.com"
MISSING_ANTHROPIC_KEY = (
    "ANTHROPIC_API_KEY is not set: export your Claude API key (and ANTHROPIC_BASE_URL for a "
    "proxy), or use an ollama/ or offline/ model"
)


def unreachable_message(host: str) -> str:
    """Nothing answers at OLLAMA_HOST: say where we looked and what to do."""
    return (
        f"Ollama is not reachable at OLLAMA_HOST={host}: start it with `ollama serve` "
        "(or set OLLAMA_HOST to a running server), or use an offline/ model"
    )


def not_pulled_message(host: str, model: str) -> str:
    """The server is up but lacks the model: give the pull command."""
    return f"Ollama at {host} does not have model '{model}': run `ollama pull {model}`"
