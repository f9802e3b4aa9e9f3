"""/api/runs/: create, list, detail and the control endpoint."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from runs_app.api.fields import (
    MAX_ID,
    MAX_TICKS,
    OverridesSerializer,
    VersionChoiceSerializer,
    seed_field,
)
from runs_app.api.serializers import (
    PendingControlSerializer,
    RunDetailSerializer,
    RunSerializer,
)
from runs_app.models import PendingControl, Run, RunOutcome, RunStatus
from runs_app.selectors import run_list
from runs_app.services.forks import run_fork
from runs_app.services.runs import (
    run_create,
    run_duplicate,
    run_pause,
    run_reset,
    run_resume,
    run_set_emotion,
    run_set_world_value,
    run_start,
    run_step,
    run_stop,
    run_trigger_event,
)
from scenarios_app.api.serializers import (
    SHARES_DESCRIPTION,
    SHARES_SUMMARY,
    SharesWriteSerializer,
    set_shares,
)
from simengine.api.base import ApiListView, ApiView, request_user, validated_body
from simengine.api.pagination import LimitOffsetPagination
from simengine.web.access import Level, fetch, require, visible

TAGS = ["runs"]


def get_run(run_id: int, user: Any, level: str = Level.READ) -> Run:
    """The run with this id (scenario, batch and creator loaded), checked for `user`.

    404 when the user cannot see it, 403 when it lacks `level` on it.
    """
    return fetch(run_list().prefetch_related("shares__group"), user, level, pk=run_id)


class RunCreateSerializer(VersionChoiceSerializer):
    """A new run: a scenario version, a seed, overrides, and whether to queue it now."""

    seed = seed_field(required=False, help_text="Default: the scenario's seed.")
    overrides = OverridesSerializer(required=False)
    start = serializers.BooleanField(
        default=True, help_text="Queue the run now; false creates it paused."
    )


class RunFilterSerializer(serializers.Serializer):
    """Run list filters: scenario, version, status, batch, parent (forks) and creation time."""

    scenario = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    version = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    status = serializers.ChoiceField(choices=RunStatus.choices, required=False)
    outcome = serializers.ChoiceField(
        choices=[c for c in RunOutcome.choices if c[0]],
        required=False,
        help_text="How the run ended (ended runs only).",
    )
    batch = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    created_after = serializers.DateTimeField(
        required=False, help_text="Created at or after this time (ISO 8601)."
    )
    created_before = serializers.DateTimeField(
        required=False, help_text="Created before this time (ISO 8601)."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # declared here: as a class attribute `parent` would shadow Field.parent
        self.fields["parent"] = serializers.IntegerField(
            required=False, min_value=1, max_value=MAX_ID, help_text="Forks of this run."
        )


class RunListApi(ApiListView):
    """List runs (filtered, paginated) and create one."""

    serializer_class = RunSerializer
    filter_serializer_class = RunFilterSerializer
    pagination_class = LimitOffsetPagination

    def get_queryset(self):
        runs = visible(run_list(**self.get_filters()), self.request.user)
        return runs.prefetch_related("shares__group")

    @extend_schema(tags=TAGS, summary="List runs, newest first")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        summary="Create a run of a scenario (version) with a seed and overrides",
        request=RunCreateSerializer,
        responses={201: RunDetailSerializer},
    )
    def post(self, request: Request) -> Response:
        data = validated_body(request, RunCreateSerializer, context={"request": request})
        run = run_create(
            version=data["scenario_version"],
            seed=data.get("seed"),
            overrides=dict(data.get("overrides") or {}),
            user=request_user(request),
            start=data["start"],
        )
        body = RunDetailSerializer(get_run(run.pk, request.user), context={"request": request})
        return Response(body.data, status=status.HTTP_201_CREATED)


class RunDetailApi(ApiView):
    """One run with its metrics and end reason."""

    @extend_schema(
        tags=TAGS, summary="A run with its metrics and end reason", responses=RunDetailSerializer
    )
    def get(self, request: Request, run_id: int) -> Response:
        return Response(
            RunDetailSerializer(get_run(run_id, request.user), context={"request": request}).data
        )

    @extend_schema(
        tags=TAGS,
        summary=SHARES_SUMMARY,
        description=SHARES_DESCRIPTION,
        request=SharesWriteSerializer,
        responses=RunDetailSerializer,
    )
    def patch(self, request: Request, run_id: int) -> Response:
        obj = get_run(run_id, request.user)
        set_shares(obj, request.user, request.data)
        return Response(RunDetailSerializer(get_run(run_id, request.user)).data)


CONTROL_ACTIONS = ["start", "pause", "resume", "step", "stop", "duplicate", "reset"]
GOD_MODE_ACTIONS = ["set_world_value", "fire_event", "set_emotion"]
# The fields each action takes besides `action` (anything else is refused by name).
_ACTION_FIELDS = {
    "duplicate": {"seed", "overrides", "start"},
    "set_world_value": {"path", "value"},
    "fire_event": {"event"},
    "set_emotion": {"agent", "emotion"},
}
_REQUIRED_FIELDS = {
    "set_world_value": ("path", "value"),
    "fire_event": ("event",),
    "set_emotion": ("agent", "emotion"),
}
_ALL_FIELDS = {"seed", "overrides", "start", "path", "value", "event", "agent", "emotion"}
_SIMPLE_CONTROLS = {
    "start": run_start,
    "pause": run_pause,
    "resume": run_resume,
    "step": run_step,
    "stop": run_stop,
}


class FireEventSerializer(serializers.Serializer):
    """A scripted event to fire: its type and its parameters beside it."""

    type = serializers.CharField(
        help_text="A scripted event type the run's world kind declares (flood: levee_breach, "
        "rain_change, supply_drop, stranded)."
    )

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise serializers.ValidationError('expected an object such as {"type": ...}')
        checked = super().to_internal_value(data)
        return {"type": checked["type"], "params": {k: v for k, v in data.items() if k != "type"}}


class RunControlSerializer(serializers.Serializer):
    """A control action; `seed`, `overrides` and `start` only go with `duplicate`."""

    action = serializers.ChoiceField(
        choices=CONTROL_ACTIONS + GOD_MODE_ACTIONS,
        help_text="`duplicate` and `reset` create a new run (201); `start` ... `stop` change "
        "this one (200); the god-mode actions `set_world_value`, `fire_event` and "
        "`set_emotion` queue a control honoured at the next tick boundary (202).",
    )
    path = serializers.CharField(
        required=False,
        help_text="set_world_value: the dotted path of a world value, e.g. `water_level` or "
        "`locations.school.civilians`.",
    )
    value = serializers.JSONField(
        required=False,
        help_text="set_world_value: the new value, of the same type as the current one.",
    )
    event = FireEventSerializer(
        required=False,
        help_text='fire_event: `{"type": ..., <its parameters>}`, e.g. '
        '`{"type": "rain_change", "intensity": 2.5}`.',
    )
    agent = serializers.CharField(required=False, help_text="set_emotion: the agent's name.")
    emotion = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="set_emotion: feelings to set, each from 0 to 1 (fear, stress, hope, empathy).",
    )
    seed = seed_field(required=False, help_text="duplicate only: the new run's seed.")
    overrides = OverridesSerializer(
        required=False, help_text="duplicate only: merged over this run's overrides."
    )
    start = serializers.BooleanField(
        required=False, help_text="duplicate only: queue the new run at once (default true)."
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        action = data["action"]
        allowed = _ACTION_FIELDS.get(action, set())
        extra = sorted(key for key in _ALL_FIELDS - allowed if key in self.initial_data)
        problems = {key: [f"not used by action '{action}'"] for key in extra}
        for key in _REQUIRED_FIELDS.get(action, ()):
            if key not in self.initial_data:
                problems[key] = [f"required by action '{action}'"]
        if problems:
            raise serializers.ValidationError(problems)
        if action == "set_world_value":
            data["value"] = self.initial_data.get("value")  # JSONField turns null into None
        return data


class RunControlApi(ApiView):
    """POST a control to a run; refused transitions answer 409 with the reason."""

    may_conflict = True

    @extend_schema(
        tags=TAGS,
        summary="Control a run: start, pause, resume, step, stop, duplicate, reset, god mode",
        description="An action the run's state does not allow (any action on a finished run "
        "but duplicate and reset) answers 409 with the reason. God mode: "
        "`set_world_value` (`path`, `value`), `fire_event` (`event`: `{type, ...}`) and "
        "`set_emotion` (`agent`, `emotion`) are checked against the run's world kind and "
        "current state (an unknown path, value type, event type, parameter or agent answers "
        "400 naming it), then queued: 202 with the control, applied at the next tick boundary "
        "and recorded as a control event and a ControlApplied event in the timeline.",
        request=RunControlSerializer,
        responses={
            200: RunDetailSerializer,
            201: RunDetailSerializer,
            202: PendingControlSerializer,
        },
    )
    def post(self, request: Request, run_id: int) -> Response:
        run = get_run(run_id, request.user)
        data = validated_body(request, RunControlSerializer)
        action = data["action"]
        # duplicate and reset make a new run of the caller's: reading this one is enough.
        if action not in ("duplicate", "reset"):
            require(run, request.user, Level.EDIT)
        if action in GOD_MODE_ACTIONS:
            control = _god_mode(run, data, request.user)
            return Response(PendingControlSerializer(control).data, status=status.HTTP_202_ACCEPTED)
        if action == "duplicate":
            new = run_duplicate(
                run=run,
                user=request_user(request),
                seed=data.get("seed"),
                overrides=dict(data.get("overrides") or {}),
                start=data.get("start", True),
            )
        elif action == "reset":
            new = run_reset(run=run, user=request_user(request))
        else:
            _SIMPLE_CONTROLS[action](run=run, user=request_user(request))
            return Response(RunDetailSerializer(get_run(run_id, request.user)).data)
        return Response(
            RunDetailSerializer(get_run(new.pk, request.user)).data, status=status.HTTP_201_CREATED
        )


class ForkOverridesSerializer(OverridesSerializer):
    """A fork's changes: the run's overrides, plus one-time changes for its first tick."""

    world = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text='God mode: world values to set by dotted path (`{"water_level": 2.5}`).',
    )
    events = serializers.ListField(
        child=serializers.DictField(child=serializers.JSONField()),
        required=False,
        help_text='God mode: events to fire (`[{"type": "levee_breach"}]`).',
    )
    emotions = serializers.DictField(
        child=serializers.DictField(child=serializers.JSONField()),
        required=False,
        help_text='Feelings to set per agent name (`{"Mayor": {"fear": 0.9}}`).',
    )
    messages = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()),
        required=False,
        help_text='Operator messages (`[{"to": "all", "text": "..."}]`; `to` as in inject).',
    )


class RunForkSerializer(serializers.Serializer):
    """Where to fork a run and what to change."""

    step = serializers.IntegerField(
        min_value=1, max_value=MAX_TICKS, help_text="A stored tick; the fork's first is step + 1."
    )
    seed = seed_field(required=False, help_text="Default: the parent's seed.")
    overrides = ForkOverridesSerializer(required=False)
    start = serializers.BooleanField(
        default=True, help_text="Queue the fork now; false creates it paused."
    )


class RunForkApi(ApiView):
    """POST: a new run continuing this one from a stored tick, with optional changes."""

    may_conflict = True

    @extend_schema(
        tags=TAGS,
        summary="Fork a run at a stored tick",
        description="Creates a run that continues from exactly the state stored at `step` "
        "(world, agents, emotions, memories, undelivered messages); its first executed tick "
        "is `step + 1`, and its JSON names its `parent` and `fork_step`. Without changes and "
        "on the same seed it repeats the parent's remaining ticks. A step the run has not "
        "stored or an override the scenario validator rejects answers 400 naming it; a run "
        "still queued answers 409. Nothing is created unless the fork is whole.",
        request=RunForkSerializer,
        responses={201: RunDetailSerializer},
    )
    def post(self, request: Request, run_id: int) -> Response:
        run = get_run(run_id, request.user)
        data = validated_body(request, RunForkSerializer)
        fork = run_fork(
            run=run,
            step=data["step"],
            seed=data.get("seed"),
            overrides=dict(data.get("overrides") or {}),
            user=request_user(request),
            start=data["start"],
        )
        return Response(
            RunDetailSerializer(get_run(fork.pk, request.user)).data, status=status.HTTP_201_CREATED
        )


def _god_mode(run: Run, data: dict[str, Any], user: Any) -> PendingControl:
    if data["action"] == "set_world_value":
        return run_set_world_value(run=run, path=data["path"], value=data["value"], user=user)
    if data["action"] == "fire_event":
        event = data["event"]
        return run_trigger_event(
            run=run, event_type=event["type"], params=event["params"], user=user
        )
    return run_set_emotion(run=run, agent_name=data["agent"], emotion=data["emotion"], user=user)
