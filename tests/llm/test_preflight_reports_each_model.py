from simengine.llm import available_models, check_ollama_sync, preflight

from .helpers import settings_for


def test_preflight_gives_one_status_per_distinct_model(ollama_server, anthropic_server):
    settings = settings_for(ollama_server, anthropic_server)
    models = [
        "ollama/llama3.2",
        "ollama/llama3.2",
        "anthropic/claude-haiku-4-5",
        "replay/run-3",
        "olama/x",
    ]

    statuses = preflight(models, settings)

    assert [(s.model_id, s.provider, s.ok) for s in statuses] == [
        ("ollama/llama3.2", "ollama", True),
        ("anthropic/claude-haiku-4-5", "anthropic", True),
        ("replay/run-3", "replay", True),
        ("olama/x", "olama", False),
    ]
    assert statuses[1].message == f"ANTHROPIC_API_KEY is set; calls go to {anthropic_server.url}"
    assert statuses[2].message == "replays the responses recorded in run run-3"


def test_claude_without_a_key_cannot_be_served():
    [status] = preflight(["anthropic/claude-haiku-4-5"], settings_for())

    assert status.ok is False
    assert status.message.startswith("ANTHROPIC_API_KEY is not set")


def test_the_model_picker_lists_pulled_models_claude_when_keyed_and_offline(
    ollama_server, anthropic_server
):
    with_key = available_models(settings_for(ollama_server, anthropic_server))
    without = available_models(settings_for())

    assert with_key == [
        "ollama/llama3.2",
        "ollama/qwen2.5:7b",
        "anthropic/claude-sonnet-4-5",
        "anthropic/claude-haiku-4-5",
        "offline/heuristic",
    ]
    assert without == ["offline/heuristic"]


def test_the_model_picker_reuses_a_health_check_it_is_given(ollama_server):
    settings = settings_for(ollama_server)
    health = check_ollama_sync(settings)
    asked = len(ollama_server.requests)

    models = available_models(settings, health=health)

    assert models == ["ollama/llama3.2", "ollama/qwen2.5:7b", "offline/heuristic"]
    assert len(ollama_server.requests) == asked
