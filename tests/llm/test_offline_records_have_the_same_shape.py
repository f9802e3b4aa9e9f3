from simengine.core.decision import DecisionRequest, LLMCallRecord
from simengine.core.offline import OfflineDecisionMaker
from simengine.llm import LLMClient, LLMDecisionMaker, preflight
from simengine.llm.providers import PROVIDERS, OfflineProvider, ProviderFactory

from .factories import decision_request, valid_decision
from .flood import run_flood
from .helpers import decide, settings_for


def test_offline_models_are_answered_by_the_engines_policy_through_the_same_path():
    maker = LLMDecisionMaker(LLMClient(settings_for()))

    _, [tick] = run_flood(maker, model_override="offline/heuristic", max_ticks=1)
    _, [reference] = run_flood(
        OfflineDecisionMaker(), model_override="offline/heuristic", max_ticks=1
    )

    by_agent = {c.agent_id: c.parsed for c in reference.calls}
    assert {c.agent_id: c.parsed for c in tick.calls} == by_agent
    assert {(c.provider, c.model, c.purpose, c.error) for c in tick.calls} == {
        ("offline", "offline/heuristic", "decide", None)
    }
    assert all(c.system.startswith("You are ") and c.messages for c in tick.calls)


def stand_in_policy(request: DecisionRequest) -> dict:
    return valid_decision(thought=f"Offline rule for {request.agent.name} at tick {request.tick}.")


def client_with_policy(policy=stand_in_policy, **settings) -> LLMClient:
    providers: dict[str, ProviderFactory] = {
        **PROVIDERS,
        "offline": lambda s, replay: OfflineProvider(s, policy=policy),
    }
    return LLMClient(settings_for(**settings), providers=providers)


def test_an_offline_answer_yields_the_same_record_shape_as_a_model_call(ollama_server):
    offline_maker = LLMDecisionMaker(client_with_policy())
    model_maker = LLMDecisionMaker(LLMClient(settings_for(ollama_server)))

    [offline] = decide(offline_maker, decision_request(model="offline/heuristic", tick=5))
    [model] = decide(model_maker, decision_request(tick=5))

    [record] = offline.calls
    assert isinstance(record, LLMCallRecord)
    assert record.to_json().keys() == model.calls[0].to_json().keys()
    assert (record.provider, record.model, record.purpose) == (
        "offline",
        "offline/heuristic",
        "decide",
    )
    assert record.system == model.calls[0].system
    assert record.messages == model.calls[0].messages
    assert record.parsed == stand_in_policy(decision_request(tick=5))
    assert (record.tokens_in, record.tokens_out, record.retries, record.error) == (0, 0, 0, None)
    assert offline.decision.thought == "Offline rule for Rescuer 1 at tick 5."


def test_an_offline_policy_that_fails_is_a_recorded_noop():
    def broken(request):
        raise KeyError("school")

    [outcome] = decide(
        LLMDecisionMaker(client_with_policy(broken)), decision_request(model="offline/heuristic")
    )

    assert outcome.calls[0].error == "the offline policy failed for rescuer-1: KeyError('school')"
    assert outcome.decision.actions == ({"type": "wait"},)


def test_preflight_knows_the_registered_offline_policies():
    good, bad = preflight(["offline/heuristic", "offline/genius"], settings_for())

    assert (good.ok, good.message) == (True, "the rule-based offline policy (no model)")
    assert (bad.ok, bad.message) == (
        False,
        "no offline policy 'genius': use one of offline/heuristic",
    )
