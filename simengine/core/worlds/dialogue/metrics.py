"""Dialogue metrics: votes, agreement, proposals and how the talk went."""

from __future__ import annotations

from simengine.core.worlds.metric import MetricContext, MetricDef


def votes_cast(ctx: MetricContext) -> int:
    """Voters who have cast a vote."""
    return len(ctx.state.votes)


def agreement(ctx: MetricContext) -> float:
    """Share of voters behind the most popular option (0 before any vote)."""
    voters = len(ctx.state.voters)
    tally = ctx.state.tally()
    return round(max(tally.values(), default=0) / voters, 4) if voters else 0.0


def decided(ctx: MetricContext) -> int:
    """1 once enough votes settle on one option."""
    return int(ctx.state.decided() is not None)


def consensus(ctx: MetricContext) -> int:
    """1 when every voter has voted for the same option."""
    state = ctx.state
    return int(len(state.votes) == len(state.voters) > 0 and len(set(state.votes.values())) == 1)


def goal_completion(ctx: MetricContext) -> float:
    """Share of agents with a private preference whose option currently leads."""
    state = ctx.state
    wanting = [p for p in state.preferences.values() if p is not None]
    leader = state.leader()
    if not wanting or leader is None:
        return 0.0
    return round(sum(1 for p in wanting if p == leader) / len(wanting), 4)


def proposals(ctx: MetricContext) -> int:
    """Proposals put on the table."""
    return len(ctx.state.proposals)


def acceptances(ctx: MetricContext) -> int:
    """Times an agent accepted another's proposal."""
    return ctx.state.acceptances


def rejections(ctx: MetricContext) -> int:
    """Times an agent rejected another's proposal."""
    return ctx.state.rejections


def vote_changes(ctx: MetricContext) -> int:
    """Times an agent changed its vote."""
    return ctx.state.vote_changes


def decided_tick(ctx: MetricContext) -> int | None:
    """The tick the question was decided (undefined until then)."""
    return ctx.state.decided_tick


METRICS = (
    MetricDef("votes_cast", votes_cast, "higher", low=0, unit="votes"),
    MetricDef("agreement", agreement, "higher", low=0, high=1),
    MetricDef("decided", decided, "higher", low=0, high=1),
    MetricDef("consensus", consensus, "higher", low=0, high=1),
    MetricDef("goal_completion", goal_completion, "higher", low=0, high=1),
    MetricDef("proposals", proposals, "higher", low=0),
    MetricDef("acceptances", acceptances, "higher", low=0),
    MetricDef("rejections", rejections, "higher", low=0),
    MetricDef("vote_changes", vote_changes, "higher", low=0),
    MetricDef("decided_tick", decided_tick, "lower", low=1, unit="tick"),
)
