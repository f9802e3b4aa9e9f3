from simengine.core.decision import InboxMessage
from simengine.llm import LLMClient, LLMDecisionMaker, build_prompt

from .factories import decision_request
from .helpers import decide, settings_for


def ticks():
    quiet = decision_request(tick=1)
    busy = decision_request(
        tick=9,
        observation={"location": "school", "water_level": 2.75, "civilians_here": 12},
        memory_summary="Took eight people to the hilltop.",
        recent_memory=("Rescued 6 at the school.",),
        inbox=(InboxMessage(id="m7", tick=8, sender="Mayor", channel="all", text="Hurry."),),
        emotion={"fear": 0.8, "hope": 0.3},
        operator_commands=("Prioritise the hospital.",),
    )
    return quiet, busy


def test_the_system_prompt_and_scenario_prefix_do_not_change_between_ticks():
    first, later = (build_prompt(r) for r in ticks())

    assert first.system == later.system
    assert first.prefix == later.prefix
    assert first.turn != later.turn
    assert first.messages[0]["content"].startswith(first.prefix)


def test_the_bytes_sent_to_ollama_share_the_stable_prefix(ollama_server):
    maker = LLMDecisionMaker(LLMClient(settings_for(ollama_server)))
    quiet, busy = ticks()

    decide(maker, quiet)
    decide(maker, busy)

    sent = [
        (b["messages"][0]["content"] + "\x00" + b["messages"][1]["content"]).encode()
        for b in ollama_server.chats()
    ]
    stable = (build_prompt(quiet).system + "\x00" + build_prompt(quiet).prefix).encode()
    assert sent[0].startswith(stable) and sent[1].startswith(stable)
    assert sent[0] != sent[1]
