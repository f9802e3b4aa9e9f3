"""/api/runs/{id}/agents/: a run's agents, their status, and operator injections."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from agents_app.models import Agent, AgentStatus
from agents_app.selectors import agent_list
from runs_app.api.runs import get_run
from runs_app.api.serializers import PendingControlSerializer
from runs_app.models import Run
from runs_app.services.runs import agent_set_status, run_inject_command, run_inject_message
from simengine.api.base import ApiListView, ApiView, request_user, validated_body
from simengine.api.pagination import LimitOffsetPagination
from simengine.web.access import Level

TAGS = ["agents"]
MAX_TEXT = 20_000


class AgentSerializer(serializers.ModelSerializer):
    """An agent of a run: who it is, its model, status, emotion, place and token use."""

    class Meta:
        model = Agent
        fields = [
            "id",
            "name",
            "template_id",
            "kind",
            "role",
            "persona",
            "model",
            "status",
            "emotion",
            "location",
            "tokens_in",
            "tokens_out",
            "updated_at",
        ]
        read_only_fields = fields


class AgentFilterSerializer(serializers.Serializer):
    """Filters of the agent list."""

    status = serializers.ChoiceField(choices=AgentStatus.choices, required=False)


class AgentStatusSerializer(serializers.Serializer):
    """The status an operator sets on an agent."""

    status = serializers.ChoiceField(
        choices=AgentStatus.choices, help_text="Applied at the run's next tick boundary."
    )


class AgentControlSerializer(serializers.Serializer):
    """An agent and the control queued to change it."""

    agent = AgentSerializer()
    control = PendingControlSerializer()


class InjectSerializer(serializers.Serializer):
    """An operator message (to an agent, a room or all) or command (to one agent)."""

    kind = serializers.ChoiceField(
        choices=["message", "command"],
        help_text="`message`: delivered like any message, to `to`. `command`: an operator "
        "instruction in `agent`'s next prompt.",
    )
    to = serializers.CharField(
        required=False,
        max_length=300,
        help_text="message only: `agent:<name>`, `room:<id>` or `all`.",
    )
    agent = serializers.CharField(required=False, max_length=200, help_text="command only.")
    text = serializers.CharField(max_length=MAX_TEXT)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        """A message needs a known recipient, a command a known agent of the run."""
        run: Run = self.context["run"]
        if data["kind"] == "message":
            if "to" not in data:
                raise serializers.ValidationError({"to": ["required for a message"]})
            self._check_recipient(run, data["to"])
        else:
            if "agent" not in data:
                raise serializers.ValidationError({"agent": ["required for a command"]})
            if not run.agents.filter(name=data["agent"]).exists():
                raise serializers.ValidationError(
                    {"agent": [f"run {run.pk} has no agent named {data['agent']!r}"]}
                )
        return data

    @staticmethod
    def _check_recipient(run: Run, to: str) -> None:
        kind, _, name = to.partition(":")
        if to == "all":
            return
        if kind == "agent" and run.agents.filter(name=name).exists():
            return
        if kind == "room" and name in {
            r.get("id") for r in run.scenario_version.spec.get("rooms", [])
        }:
            return
        raise serializers.ValidationError(
            {
                "to": [
                    f"{to!r} is not a recipient in run {run.pk}: use agent:<name>, room:<id> or all"
                ]
            }
        )


def _get_agent(run: Run, agent_id: int) -> Agent:
    return get_object_or_404(agent_list(run=run), pk=agent_id)


class AgentListApi(ApiListView):
    """A run's agents, paginated."""

    serializer_class = AgentSerializer
    filter_serializer_class = AgentFilterSerializer
    pagination_class = LimitOffsetPagination

    def get_queryset(self):
        return agent_list(
            run=get_run(self.kwargs["run_id"], self.request.user), **self.get_filters()
        )

    @extend_schema(tags=TAGS, summary="A run's agents", description="A run's agents, paginated.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class AgentDetailApi(ApiView):
    """One agent of a run; PATCH queues a status change."""

    may_conflict = True

    @extend_schema(
        tags=TAGS,
        summary="One agent of a run",
        description="One agent of a run; PATCH queues a status change.",
        responses=AgentSerializer,
    )
    def get(self, request: Request, run_id: int, agent_id: int) -> Response:
        return Response(AgentSerializer(_get_agent(get_run(run_id, request.user), agent_id)).data)

    @extend_schema(
        tags=TAGS,
        summary="Pause, mute, terminate or reactivate an agent",
        description="Queued for the run's next tick boundary (202). A terminated agent "
        "cannot be changed, nor can agents of a finished run (409).",
        request=AgentStatusSerializer,
        responses={202: AgentControlSerializer},
    )
    def patch(self, request: Request, run_id: int, agent_id: int) -> Response:
        run = get_run(run_id, request.user, Level.EDIT)
        agent = _get_agent(run, agent_id)
        data = validated_body(request, AgentStatusSerializer)
        control = agent_set_status(
            run=run, agent_name=agent.name, status=data["status"], user=request_user(request)
        )
        body = {
            "agent": AgentSerializer(agent).data,
            "control": PendingControlSerializer(control).data,
        }
        return Response(body, status=status.HTTP_202_ACCEPTED)


class AgentInjectApi(ApiView):
    """Operator injections into a run."""

    may_conflict = True

    @extend_schema(
        tags=TAGS,
        summary="Inject an operator message or command",
        description="Delivered at the run's next tick boundary (202); refused for a "
        "finished run (409).",
        request=InjectSerializer,
        responses={202: PendingControlSerializer},
    )
    def post(self, request: Request, run_id: int) -> Response:
        run = get_run(run_id, request.user, Level.EDIT)
        data = validated_body(request, InjectSerializer, context={"run": run})
        if data["kind"] == "message":
            control = run_inject_message(
                run=run, to=data["to"], text=data["text"], user=request_user(request)
            )
        else:
            control = run_inject_command(
                run=run, agent_name=data["agent"], text=data["text"], user=request_user(request)
            )
        return Response(PendingControlSerializer(control).data, status=status.HTTP_202_ACCEPTED)
