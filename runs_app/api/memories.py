"""An agent's long-term memory: its records with filters, in keyset (cursor) pages."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from agents_app.models import Agent, AgentMemory, MemoryKind
from runs_app.api.history import StepRangeSerializer
from runs_app.api.runs import get_run
from runs_app.selectors import memory_list, memory_recall
from simengine.api.base import ApiListView
from simengine.api.pagination import MAX_INT, KeysetPagination

TAGS = ["history"]


class MemoryFilterSerializer(StepRangeSerializer):
    """Query parameters of the memory list."""

    kind = serializers.ChoiceField(choices=MemoryKind.choices, required=False)
    min_importance = serializers.FloatField(
        required=False, min_value=0, max_value=1, help_text="Importance at least this (0..1)."
    )
    q = serializers.CharField(
        required=False, max_length=200, help_text="Text contains this (case-insensitive)."
    )
    recalled_at = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_INT,
        help_text="Only the memories retrieved for the agent's decision at this step; each "
        "then carries its `recall` scores.",
    )


class RecallSerializer(serializers.Serializer):
    """How a memory scored when the decision at `recalled_at` retrieved it."""

    score = serializers.FloatField(help_text="recency + importance + 2 x relevance")
    recency = serializers.FloatField()
    importance = serializers.FloatField()
    relevance = serializers.FloatField()
    rank = serializers.IntegerField(help_text="1 for the best-scored memory of the decision.")


class MemorySerializer(serializers.ModelSerializer):
    """One long-term memory record of an agent (its vector is left out)."""

    step = serializers.IntegerField(source="tick", help_text="The tick it was remembered at.")
    recall = serializers.SerializerMethodField()

    class Meta:
        model = AgentMemory
        fields = [
            "id",
            "seq",
            "step",
            "kind",
            "text",
            "importance",
            "embedding_model",
            "sources",
            "recall",
        ]

    @extend_schema_field(RecallSerializer(allow_null=True))
    def get_recall(self, memory: AgentMemory) -> dict[str, Any] | None:
        """The memory's scores for `recalled_at`, or null."""
        recalled = self.context.get("recalled") or {}
        return recalled.get(memory.seq)


class MemoryPagination(KeysetPagination):
    """Cursor pages in the order memories were made."""

    ordering = ("seq", "id")


class MemoryListApi(ApiListView):
    """`GET /api/runs/{id}/agents/{agent}/memories/`."""

    serializer_class = MemorySerializer
    filter_serializer_class = MemoryFilterSerializer
    pagination_class = MemoryPagination

    def _agent(self) -> Agent:
        if not hasattr(self, "_owner"):
            run = get_run(self.kwargs["run_id"], self.request.user)
            self._owner = get_object_or_404(Agent, run=run, pk=self.kwargs["agent_id"])
        return self._owner

    def get_queryset(self):
        """The agent's memories, filtered."""
        return memory_list(agent=self._agent(), **self.get_filters())

    def get_serializer_context(self) -> dict[str, Any]:
        """With `recalled_at`: each retrieved memory's scores and rank, by seq."""
        context = super().get_serializer_context()
        step = self.get_filters().get("recalled_at")
        if step is not None:
            recalled = memory_recall(agent=self._agent(), step=step)
            context["recalled"] = {
                r["seq"]: {
                    "score": r["score"],
                    "recency": r["recency"],
                    "importance": r["importance"],
                    "relevance": r["relevance"],
                    "rank": rank,
                }
                for rank, r in enumerate(recalled, start=1)
            }
        return context

    @extend_schema(
        tags=TAGS,
        summary="An agent's long-term memories",
        description="Every observation, message heard, own action, outcome and reflection the "
        "agent remembered, in the order remembered. Follow `next` until it is null to read "
        "every page exactly once, even while the run adds memories. With `recalled_at`, only "
        "the memories retrieved for that decision, each with its scores.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """One page of memories."""
        return super().get(request, *args, **kwargs)
