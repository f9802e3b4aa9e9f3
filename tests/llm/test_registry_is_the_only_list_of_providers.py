"""The provider registry is the one list of providers.

The client, preflight, the console's model list and the scenario spec's check all read it.
"""

from __future__ import annotations

import pytest

from simengine.core import providers as core_providers
from simengine.core.providers import ProviderTraits, known_providers, register_provider
from simengine.core.spec.fields import check_model_id
from simengine.llm import PROVIDERS, Provider, Readiness, available_models, preflight
from simengine.llm.types import LLMCall, ProviderAnswer

from .helpers import settings_for


class Echo(Provider):
    """A provider that repeats the prompt; ready only for model `yes`."""

    name = "echo"

    async def generate(self, call: LLMCall) -> ProviderAnswer:
        return ProviderAnswer(text=call.messages[-1]["content"])

    @classmethod
    def preflight(cls, model, settings, memo) -> Readiness:
        return Readiness(model == "yes", f"echo {'serves' if model == 'yes' else 'lacks'} {model}")

    @classmethod
    def offered_models(cls, settings, memo) -> list[str]:
        return ["echo/yes"]


@pytest.fixture
def echo_registered(monkeypatch):
    monkeypatch.setitem(PROVIDERS, "echo", Echo)
    monkeypatch.setattr(core_providers, "_registered", dict(core_providers._registered))
    register_provider(ProviderTraits("echo"))


def test_the_core_knows_exactly_the_registered_providers():
    names = ("ollama", "anthropic", "openai", "offline", "replay")
    assert known_providers() == tuple(PROVIDERS) == names
    with pytest.raises(ValueError, match="unknown provider 'olama'"):
        check_model_id("olama/llama3.2")


def test_a_registered_provider_is_checked_offered_and_valid_in_a_spec(echo_registered):
    yes, no = preflight(["echo/yes", "echo/no"], settings_for())

    assert (yes.provider, yes.ok, yes.message) == ("echo", True, "echo serves yes")
    assert (no.ok, no.message) == (False, "echo lacks no")
    assert "echo/yes" in available_models(settings_for())
    assert check_model_id("echo/anything") == "echo/anything"
