"""A run's history: messages, steps, events and LLM calls, cursor-paginated in step order."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from runs_app.api.runs import get_run
from runs_app.api.serializers import (
    EventSerializer,
    LLMCallSerializer,
    MessageSerializer,
    StepSerializer,
)
from runs_app.selectors import event_list, llm_call_list, message_list, step_list
from runs_app.services.snapshots import SnapshotReader
from runs_app.services.world_view import TickNotStored, run_at_tick
from simengine.api.base import ApiListView, ApiView
from simengine.api.pagination import MAX_INT, KeysetPagination, StepKeysetPagination

TAGS = ["history"]


class StepRangeSerializer(serializers.Serializer):
    """An inclusive step range (`from_step` <= `to_step`) for history queries."""

    from_step = serializers.IntegerField(
        required=False, min_value=0, max_value=MAX_INT, help_text="First step (inclusive)."
    )
    to_step = serializers.IntegerField(
        required=False, min_value=0, max_value=MAX_INT, help_text="Last step (inclusive)."
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        low, high = data.get("from_step"), data.get("to_step")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"to_step": ["must be >= from_step"]})
        return data


class MessageFilterSerializer(StepRangeSerializer):
    """Message history filters: step range, reader agent, room and creation time."""

    agent = serializers.CharField(
        required=False,
        max_length=200,
        help_text="Messages this agent sent or could read: direct to it, in its rooms, to all.",
    )
    room = serializers.CharField(
        required=False, max_length=200, help_text="Messages said in this room (by room id)."
    )
    since = serializers.DateTimeField(
        required=False, help_text="Created at or after this time (ISO 8601)."
    )
    until = serializers.DateTimeField(
        required=False, help_text="Created before this time (ISO 8601)."
    )


class EventFilterSerializer(StepRangeSerializer):
    """Event history filters: step range, event type and agent."""

    type = serializers.CharField(required=False, max_length=60)
    agent = serializers.CharField(required=False, max_length=200)


class LLMCallFilterSerializer(StepRangeSerializer):
    """Model-call history filters: step range, agent and purpose."""

    agent = serializers.CharField(required=False, max_length=200)
    purpose = serializers.CharField(required=False, max_length=30)


class _RunHistoryApi(ApiListView):
    pagination_class = KeysetPagination
    selector: Any = None

    def get_queryset(self):
        run = get_run(self.kwargs["run_id"], self.request.user)
        return type(self).selector(run=run, **self.get_filters())


class MessageListApi(_RunHistoryApi):
    """A run's messages, keyset-paginated so pages stay stable while the run writes."""

    serializer_class = MessageSerializer
    filter_serializer_class = MessageFilterSerializer
    selector = staticmethod(message_list)

    @extend_schema(
        tags=TAGS,
        summary="A run's message history",
        description="In (step, id) order; follow `next` until it is null to read every page "
        "exactly once, even while the run adds messages.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class StepListApi(_RunHistoryApi):
    """A run's committed steps, paginated by step index."""

    serializer_class = StepSerializer
    filter_serializer_class = StepRangeSerializer
    pagination_class = StepKeysetPagination
    selector = staticmethod(step_list)

    def get_serializer_context(self) -> dict[str, Any]:
        """One snapshot reader for the page: each step decodes from the one before."""
        context = super().get_serializer_context()
        context["snapshot_reader"] = SnapshotReader(int(self.kwargs["run_id"]))
        return context

    @extend_schema(tags=TAGS, summary="A run's committed steps with state snapshots")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class StepAgentSerializer(serializers.Serializer):
    """One agent as it stood at the tick: status, where it was and its feelings."""

    name = serializers.CharField()
    status = serializers.CharField()
    location = serializers.CharField(help_text="Empty for kinds without a map.")
    emotion = serializers.DictField(help_text="fear, stress, hope, empathy (0..1) and trust.")


class StepViewSerializer(serializers.Serializer):
    """The world kind's view model at the tick (what the console draws)."""

    template = serializers.ChoiceField(
        choices=["tree", "map", "table"], help_text="The renderer: tree, map or table."
    )
    title = serializers.CharField()
    # DRF moves declared fields off the class, so `data` does not hide `Serializer.data`.
    data = serializers.DictField(help_text="The renderer's model (see the README).")  # type: ignore[assignment]


class StepAtSerializer(serializers.Serializer):
    """A run at one tick, from its stored state (tick 0: before the first tick)."""

    index = serializers.IntegerField(help_text="The tick shown.")
    last = serializers.IntegerField(help_text="The run's newest stored tick (N).")
    metrics = serializers.DictField(help_text="The metrics committed with this tick.")
    snapshot = serializers.DictField(help_text="The whole run state stored for this tick.")
    view = StepViewSerializer(allow_null=True, help_text="Null when the state has no world.")
    agents = StepAgentSerializer(many=True)


class StepDetailApi(ApiView):
    """A run at one tick: its stored state, metrics, world view and agents, by tick index."""

    @extend_schema(
        tags=TAGS,
        summary="A run at tick k: state, metrics, world view and agents",
        responses=StepAtSerializer,
    )
    def get(self, request: Request, run_id: int, index: int) -> Response:
        try:
            at = run_at_tick(get_run(run_id, request.user), index)
        except TickNotStored as exc:
            raise NotFound(f"{exc}.") from None
        return Response(
            StepAtSerializer(
                {
                    "index": at.index,
                    "last": at.last,
                    "metrics": at.metrics,
                    "snapshot": at.snapshot,
                    "view": at.view.to_json() if at.view else None,
                    "agents": [
                        {
                            "name": a.name,
                            "status": a.status,
                            "location": a.location,
                            "emotion": a.emotion,
                        }
                        for a in at.agents
                    ],
                }
            ).data
        )


class EventListApi(_RunHistoryApi):
    """A run's events in step order, keyset-paginated."""

    serializer_class = EventSerializer
    filter_serializer_class = EventFilterSerializer
    selector = staticmethod(event_list)

    @extend_schema(tags=TAGS, summary="A run's events: actions, decisions, controls")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class LLMCallListApi(_RunHistoryApi):
    """A run's recorded model calls in step order, keyset-paginated."""

    serializer_class = LLMCallSerializer
    filter_serializer_class = LLMCallFilterSerializer
    selector = staticmethod(llm_call_list)

    @extend_schema(tags=TAGS, summary="A run's recorded model calls")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
