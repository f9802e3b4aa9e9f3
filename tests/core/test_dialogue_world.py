"""The dialogue world: proposals, responses and votes, and the metrics built on them."""

from __future__ import annotations

from simengine.core.metrics import MetricContext, compute_metrics
from tests.core.helpers import ctx, spec_of, world_of

DIALOGUE = {
    "name": "Vote",
    "world": {"kind": "dialogue", "params": {"topic": "Which way?", "options": ["north", "south"]}},
    "agent_templates": [
        {"id": "a", "name": "Ann", "params": {"prefers": "north"}},
        {"id": "b", "name": "Ben", "params": {"prefers": "south"}},
        {"id": "c", "name": "Cai"},
        {"id": "d", "name": "Dee", "actions": ["say", "wait"]},
    ],
}


def fresh():
    return world_of(spec_of(DIALOGUE))


def metrics(state) -> dict:
    return compute_metrics(
        MetricContext("dialogue", 1, state, {}, messages_sent=0, cooperative_actions=frozenset())
    )


def act(kind, state, agent, **action):
    return kind.apply_action(state, agent, action, ctx())


def test_a_proposal_gets_an_id_and_reaches_the_others() -> None:
    kind, state = fresh()
    outcome = act(kind, state, "Ann", type="propose", option="north", text="It is higher ground")
    assert outcome.text == "proposed p1: 'north'"
    assert outcome.notices[0].witnesses == ("Ben", "Cai", "Dee")
    assert state.proposals[0]["accepted_by"] == ["Ann"]


def test_accepting_builds_trust_and_rejecting_erodes_it() -> None:
    kind, state = fresh()
    act(kind, state, "Ann", type="propose", option="north", text="")
    accepted = act(kind, state, "Cai", type="accept", proposal="p1")
    rejected = act(kind, state, "Ben", type="reject", proposal="p1", reason="too far")
    assert accepted.notices[0].impulses[0].trust == {"Cai": 0.1}
    assert rejected.notices[0].impulses[0].trust == {"Ben": -0.1}
    assert rejected.notices[0].text == "Ben rejected your proposal p1: too far"
    assert act(kind, state, "Ann", type="accept", proposal="p1").text == "p1 is your own proposal"
    assert (
        act(kind, state, "Cai", type="accept", proposal="p9").text
        == "no proposal 'p9' (on the table: p1)"
    )


def test_votes_decide_once_the_quorum_agrees() -> None:
    kind, state = fresh()
    assert state.voters == ["Ann", "Ben", "Cai"] and state.needed() == 3
    act(kind, state, "Ann", type="vote", option="north")
    act(kind, state, "Cai", type="vote", option="north")
    assert metrics(state)["decided"] == 0
    assert act(kind, state, "Dee", type="vote", option="north").text == "you have no vote"
    act(kind, state, "Ben", type="vote", option="south")
    changed = act(kind, state, "Ben", type="vote", option="north")
    assert changed.text == "voted for 'north' (was 'south')"
    result = metrics(state)
    assert (result["decided"], result["consensus"], result["agreement"]) == (1, 1, 1.0)
    assert result["goal_completion"] == 0.5  # Ann wanted north, Ben wanted south
    assert result["vote_changes"] == 1


def test_a_tie_has_no_leader() -> None:
    kind, state = fresh()
    act(kind, state, "Ann", type="vote", option="north")
    act(kind, state, "Ben", type="vote", option="south")
    assert state.leader() is None
    assert metrics(state)["goal_completion"] == 0.0
    assert metrics(state)["agreement"] == round(1 / 3, 4)


def test_saying_something_speaks_to_everyone() -> None:
    kind, state = fresh()
    outcome = act(kind, state, "Dee", type="say", text="Listen")
    assert outcome.speech.channel == "all" and outcome.speech.text == "Listen"


def test_an_announcement_reaches_everyone() -> None:
    kind, state = fresh()
    [notice] = kind.apply_event(state, "announcement", {"text": "The bridge is out"}, ctx())
    assert notice.witnesses is None and notice.text == "announcement: The bridge is out"
