import pytest

from simengine.env import EnvError
from simengine.llm import LLMSettings


def test_defaults_apply_when_nothing_is_set():
    settings = LLMSettings.from_env({})

    assert settings.ollama_host == "http://127.0.0.1:11434"
    assert settings.ollama_parallel == 4
    assert settings.anthropic_api_key is None
    assert settings.redis_url is None


def test_every_documented_variable_is_read():
    settings = LLMSettings.from_env(
        {
            "OLLAMA_HOST": "gpu-box:11500",
            "SIMENGINE_OLLAMA_PARALLEL": "8",
            "SIMENGINE_OLLAMA_TIMEOUT": "45",
            "ANTHROPIC_API_KEY": "sk-ant-1",
            "ANTHROPIC_BASE_URL": "http://proxy.local:8080",
            "SIMENGINE_ANTHROPIC_RPM": "20",
            "SIMENGINE_ANTHROPIC_TPM": "9000",
            "REDIS_URL": "redis://127.0.0.1:6379/3",
        }
    )

    assert settings.ollama_host == "http://gpu-box:11500"
    assert (settings.ollama_parallel, settings.ollama_timeout) == (8, 45.0)
    assert settings.anthropic_api_key == "sk-ant-1"
    assert settings.anthropic_base_url == "http://proxy.local:8080"
    assert (settings.anthropic_rpm, settings.anthropic_tpm) == (20, 9000)
    assert settings.redis_url == "redis://127.0.0.1:6379/3"


def test_a_redis_celery_broker_serves_the_slot_limiter_when_redis_url_is_unset():
    settings = LLMSettings.from_env({"CELERY_BROKER_URL": "redis://10.0.0.5:6379/1"})

    assert settings.redis_url == "redis://10.0.0.5:6379/1"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "SIMENGINE_OLLAMA_PARALLEL",
            "four",
            "SIMENGINE_OLLAMA_PARALLEL='four' is not an integer: expected a whole number",
        ),
        (
            "SIMENGINE_OLLAMA_PARALLEL",
            "0",
            "SIMENGINE_OLLAMA_PARALLEL=0 is too small: expected an integer >= 1",
        ),
        (
            "SIMENGINE_ANTHROPIC_TPM",
            "40k",
            "SIMENGINE_ANTHROPIC_TPM='40k' is not an integer: expected a whole number",
        ),
        (
            "SIMENGINE_OLLAMA_TIMEOUT",
            "soon",
            "SIMENGINE_OLLAMA_TIMEOUT='soon' is not a number: expected e.g. 30 or 2.5",
        ),
    ],
)
def test_a_bad_value_names_the_variable_and_what_it_expects(name, value, message):
    with pytest.raises(EnvError) as error:
        LLMSettings.from_env({name: value})

    assert str(error.value) == message


def test_a_provider_reads_its_own_variables_from_the_same_environment():
    settings = LLMSettings.from_env({"OPENAI_BASE_URL": " http://127.0.0.1:8001/v1 "})

    assert settings.env("OPENAI_BASE_URL") == "http://127.0.0.1:8001/v1"
    assert settings.env("OPENAI_API_KEY", "none") == "none"
    assert "OPENAI_BASE_URL" not in repr(settings)
