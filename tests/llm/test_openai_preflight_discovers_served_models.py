"""Preflight and discovery for OpenAI-compatible servers, one or several.

GET /models names what a server serves; an unknown model or a missing base URL gets one line
saying what to do; named servers (`OPENAI_BASE_URL_<NAME>`, model ids
`openai/@<name>/<model>`) each get their own key and limiter.
"""

from __future__ import annotations

import asyncio

import pytest

from simengine.llm import LLMClient, ProviderUnavailableError, available_models, preflight
from simengine.llm.providers.openai_servers import normalize_base_url
from tests.fakes import FakeOpenAI

from .helpers import generate, openai_settings


def test_a_served_model_is_ready_and_an_unknown_one_lists_what_the_server_serves(openai_server):
    ready, unknown = preflight(
        ["openai/Qwen/Qwen2.5-7B-Instruct", "openai/phi-9"], openai_settings(openai_server)
    )

    assert (ready.ok, ready.message) == (
        True,
        f"ready on the OpenAI-compatible server at {openai_server.base_url} (OPENAI_BASE_URL)",
    )
    assert (unknown.ok, unknown.message) == (
        False,
        f"the OpenAI-compatible server at {openai_server.base_url} (OPENAI_BASE_URL) does not "
        "serve model 'phi-9'; it serves: llama-3.2-3b-instruct, Qwen/Qwen2.5-7B-Instruct "
        "(GET /models)",
    )
    assert openai_server.bodies("/v1/models") == [None]  # one probe for both models


def test_without_a_base_url_preflight_says_to_set_it_and_minds_vllms_port():
    [status] = preflight(["openai/llama-3.2-3b-instruct"], openai_settings(None))

    assert not status.ok
    assert status.message == (
        "OPENAI_BASE_URL is not set: set it to the OpenAI-compatible server's URL, e.g. "
        "OPENAI_BASE_URL=http://127.0.0.1:8001/v1 (vLLM serves on port 8000 by default, the "
        "console's own port: start it with `vllm serve <model> --port 8001`), or use an "
        "ollama/ or offline/ model"
    )


def test_an_unreachable_server_is_named_with_its_variable():
    server = FakeOpenAI().start()
    server.stop()

    [status] = preflight(["openai/llama-3.2-3b-instruct"], openai_settings(server))

    assert status.message.startswith(
        f"the OpenAI-compatible server at {server.base_url} (OPENAI_BASE_URL) is not reachable: "
    )


def test_a_bad_parallel_setting_is_named_in_the_preflight(openai_server):
    settings = openai_settings(openai_server, SIMENGINE_OPENAI_PARALLEL="many")

    [status] = preflight(["openai/llama-3.2-3b-instruct"], settings)

    assert (
        status.message
        == "SIMENGINE_OPENAI_PARALLEL='many' is not an integer: expected a whole number"
    )


def test_the_console_is_offered_every_model_of_every_configured_server(openai_server):
    with FakeOpenAI(models=("mistral-7b",)) as gpu2:
        settings = openai_settings(openai_server, OPENAI_BASE_URL_GPU2=gpu2.url)

        offered = available_models(settings)

    assert [m for m in offered if m.startswith("openai/")] == [
        "openai/llama-3.2-3b-instruct",
        "openai/Qwen/Qwen2.5-7B-Instruct",
        "openai/@gpu2/mistral-7b",
    ]


def test_a_named_server_gets_its_own_calls_key_and_slot_bound(openai_server):
    with FakeOpenAI(models=("mistral-7b",), api_key="sk-gpu2", latency=0.05) as gpu2:
        settings = openai_settings(
            openai_server,
            OPENAI_BASE_URL_GPU2=gpu2.url,
            OPENAI_API_KEY_GPU2="sk-gpu2",
            SIMENGINE_OPENAI_PARALLEL_GPU2="2",
        )
        [status] = preflight(["openai/@gpu2/mistral-7b"], settings)
        client = LLMClient(settings)

        async def many() -> list[str]:
            try:
                answers = await asyncio.gather(
                    *(
                        client.generate(
                            "openai/@gpu2/mistral-7b", [{"role": "user", "content": "Hi"}]
                        )
                        for _ in range(6)
                    )
                )
            finally:
                await client.aclose()
            return [a.model for a in answers]

        models = asyncio.run(many())

        assert status.ok and status.message.endswith("(OPENAI_BASE_URL_GPU2)")
        assert models == ["openai/@gpu2/mistral-7b"] * 6
        assert gpu2.stats().total == 6 and gpu2.stats().max_in_flight == 2
        assert {b["model"] for b in gpu2.completions()} == {"mistral-7b"}
    assert openai_server.stats().total == 0


def test_a_server_name_that_is_not_configured_says_which_variable_to_set(openai_server):
    [status] = preflight(["openai/@lab/x"], openai_settings(openai_server))
    with pytest.raises(ProviderUnavailableError) as raised:
        generate(LLMClient(openai_settings(openai_server)), "openai/@lab/x")

    assert status.message.startswith("OPENAI_BASE_URL_LAB is not set: set it to ")
    assert str(raised.value) == status.message
    assert openai_server.stats().total == 0


def test_a_base_url_without_a_path_gets_v1_and_one_with_a_path_is_kept():
    assert normalize_base_url("http://gpu:8001") == "http://gpu:8001/v1"
    assert normalize_base_url("gpu:8001/") == "http://gpu:8001/v1"
    assert normalize_base_url("https://api.example.com/openai/v1/") == (
        "https://api.example.com/openai/v1"
    )
