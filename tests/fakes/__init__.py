"""Loopback stand-ins for the LLM servers (Ollama, Anthropic, OpenAI), shared by tests and bench/.

    with running_ollama(slots=4, latency=0.5) as server:   # P slots, L seconds per answer
        os.environ["OLLAMA_HOST"] = server.url
        ...                                                 # run anything against it
        print(server.stats())   # total, in_flight/max_in_flight, active, queued, busy_seconds

Script faults with `server.script(Reply.error(500), Reply.slow(5), ...)` and decide the
content with `server.answer = lambda body: {...}`.
"""

from .anthropic_server import FakeAnthropic, running_anthropic
from .http import LoopbackServer, Reply, Request, Stats
from .ollama_server import FakeOllama, running_ollama
from .openai_server import FakeOpenAI, running_openai
from .schema_example import example_for_schema

__all__ = [
    "FakeAnthropic",
    "FakeOllama",
    "FakeOpenAI",
    "LoopbackServer",
    "Reply",
    "Request",
    "Stats",
    "example_for_schema",
    "running_anthropic",
    "running_ollama",
    "running_openai",
]
