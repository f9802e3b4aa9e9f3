"""The run explorer, starting runs, and a run's console with its controls."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from agents_app.models import Agent
from runs_app.forms import DuplicateForm, InjectForm, RunCreateForm, RunFilterForm
from runs_app.models import ACTIVE_RUN_STATUSES, Run
from runs_app.selectors import run_get, run_list
from runs_app.services.errors import ControlRefused, InvalidRunConfig
from runs_app.services.live import agents_with_pending, header_context
from runs_app.services.runs import (
    agent_set_status,
    run_create,
    run_duplicate,
    run_inject_command,
    run_inject_message,
    run_pause,
    run_resume,
    run_start,
    run_step,
    run_stop,
)
from runs_app.views.context import console_context, forks_of, inject_targets
from scenarios_app.models import Scenario
from scenarios_app.selectors import llm_model_options
from simengine.web.access import Level, require, visible
from simengine.web.requests import AuthenticatedHttpRequest
from simengine.web.sharing import sharing_post

CONTROLS = {
    "start": run_start,
    "pause": run_pause,
    "resume": run_resume,
    "step": run_step,
    "stop": run_stop,
}
AGENT_ACTIONS = {"pause": "paused", "resume": "active", "mute": "muted", "terminate": "terminated"}


def run_list_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every run, filtered by scenario, status, batch, parameter and seed, 50 per page."""
    form = RunFilterForm(request.GET or None, user=request.user)
    runs = run_list()
    if form.is_valid():
        data = form.cleaned_data
        runs = run_list(
            scenario=data["scenario"].pk if data["scenario"] else None,
            status=data["status"] or None,
            outcome=data["outcome"] or None,
            batch=data["batch"].pk if data["batch"] else None,
            seed=data["seed"],
            param=data["param"] or None,
            parent=data["parent"],
        )
    runs = visible(runs, request.user)
    page = Paginator(runs.prefetch_related("evaluations"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "runs": page.object_list,
        "query": query.urlencode(),
        "live": any(run.status in ACTIVE_RUN_STATUSES for run in page.object_list),
    }
    if request.htmx and request.htmx.target == "run-explorer":
        return render(request, "runs_app/run_list.html#explorer", context)
    return render(request, "runs_app/run_list.html", context)


def run_table_fragment(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The home page's recent runs, re-polled while any of them is live."""
    runs = list(visible(run_list(), request.user)[:15])
    live = any(run.status in ACTIVE_RUN_STATUSES for run in runs)
    return render(request, "runs_app/_run_table.html", {"runs": runs, "live": live, "poll": True})


def run_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Start a run of a scenario version with a seed, a length, a model and parameters."""
    if request.method == "POST":
        data = request.POST.copy()
        scenario_id = data.get("scenario", "")
        missing = ""
        if not data.get("version") and scenario_id:
            scenario = _scenario_by_id(request, scenario_id)
            latest = scenario.latest_version if scenario else None
            data["version"] = str(latest.pk) if latest else ""
            if latest is None:
                missing = f"There is no scenario {scenario_id!r} with a version to run."
        form = RunCreateForm(data, user=request.user)
        if missing:
            form.add_error(None, missing)
        elif form.is_valid():
            try:
                run = run_create(
                    version=form.cleaned_data["version"],
                    seed=form.cleaned_data["seed"],
                    overrides=form.overrides(),
                    user=request.user,
                    start=form.cleaned_data["start"],
                )
            except InvalidRunConfig as exc:
                for line in exc.errors:
                    form.add_error(None, line)
            else:
                return redirect("runs:console", pk=run.pk)
    else:
        form = RunCreateForm(
            initial={"version": _initial_version(request), "start": True}, user=request.user
        )
    return render(request, "runs_app/run_new.html", {"form": form, "models": llm_model_options()})


def _initial_version(request: AuthenticatedHttpRequest) -> int | None:
    version = request.GET.get("version", "")
    if version.isdigit() and len(version) <= 18:
        return int(version)
    scenario_id = request.GET.get("scenario", "")
    scenario = _scenario_by_id(request, scenario_id)
    latest = scenario.latest_version if scenario else None
    return latest.pk if latest else None


def _run_or_404(request: AuthenticatedHttpRequest, pk: int, level: str = Level.READ) -> Run:
    """The run, if the user may see it (404) and has `level` on it (403)."""
    try:
        run = run_get(pk=pk)
    except Run.DoesNotExist:
        raise Http404(f"no run {pk}") from None
    require(run, request.user, level)
    return run


def _scenario_by_id(request: AuthenticatedHttpRequest, text: str) -> Scenario | None:
    """The readable scenario whose id is `text`, or None (also for text that is no id)."""
    if not text.isdigit() or len(text) > 18:
        return None
    return visible(Scenario.objects.all(), request.user).filter(pk=int(text)).first()


def run_console(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The live console of one run."""
    run = _run_or_404(request, pk)
    context = {**console_context(request, run), "forks": forks_of(run, request.user)}
    return render(request, "runs_app/run_console.html", context)


@require_POST
def run_control(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    """Start, pause, resume, step or stop; answers the refreshed header (or why not)."""
    run = _run_or_404(request, pk, Level.EDIT)
    if action not in CONTROLS:
        raise Http404(f"unknown control {action!r}")
    error = ""
    try:
        CONTROLS[action](run=run, user=request.user)
    except ControlRefused as exc:
        error = exc.reason
    run = run_get(pk=pk)
    context = console_context(request, run, control_error=error)
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("runs:console", pk=pk)
    return render(request, "runs_app/run_console.html#header", context)


@require_POST
def agent_control(
    request: AuthenticatedHttpRequest, pk: int, agent_pk: int, action: str
) -> HttpResponse:
    """Pause, resume, mute or terminate one agent at the next tick."""
    run = _run_or_404(request, pk, Level.EDIT)
    agent = get_object_or_404(Agent, pk=agent_pk, run=run)
    if action not in AGENT_ACTIONS:
        raise Http404(f"unknown agent action {action!r}")
    error = ""
    try:
        agent_set_status(
            run=run, agent_name=agent.name, status=AGENT_ACTIONS[action], user=request.user
        )
    except ControlRefused as exc:
        error = exc.reason
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("runs:console", pk=pk)
    run = run_get(pk=pk)
    header = header_context(run)
    [agent] = [a for a in agents_with_pending(run, header["pending"]) if a.pk == agent_pk]
    context = {**header, "agent": agent, "agent_error": error}
    return render(request, "runs_app/run_console.html#agent-control-result", context)


@require_POST
def run_inject(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Queue an operator message (agent, room or all) or command (agent) for the next tick."""
    run = _run_or_404(request, pk, Level.EDIT)
    form = InjectForm(request.POST, targets=inject_targets(run))
    sent = ""
    if form.is_valid():
        to, text = form.cleaned_data["to"], form.cleaned_data["text"]
        try:
            if form.cleaned_data["kind"] == "command":
                run_inject_command(
                    run=run, agent_name=to.removeprefix("agent:"), text=text, user=request.user
                )
            else:
                run_inject_message(run=run, to=to, text=text, user=request.user)
        except ControlRefused as exc:
            form.add_error(None, exc.reason)
        else:
            sent = f"Queued for {to}: it is delivered at the next tick."
            form = InjectForm(
                initial={"kind": form.cleaned_data["kind"], "to": to}, targets=inject_targets(run)
            )
    if not request.htmx:
        if sent:
            messages.success(request, sent)
        return redirect("runs:console", pk=pk)
    context = console_context(request, run, inject_form=form, inject_sent=sent)
    return render(request, "runs_app/run_console.html#inject", context)


@require_POST
def run_shares(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Save who the run is shared with (owner and staff only)."""
    run = _run_or_404(request, pk)
    return sharing_post(request, run, reverse("runs:console", args=[pk]))


def run_duplicate_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A new run of the same version with the same settings, changed by the tweaks given."""
    run = _run_or_404(request, pk)
    if request.method == "POST":
        form = DuplicateForm(request.POST)
        if form.is_valid():
            try:
                new = run_duplicate(
                    run=run,
                    user=request.user,
                    seed=form.cleaned_data["seed"],
                    overrides=form.overrides(),
                    start=form.cleaned_data["start"],
                )
            except InvalidRunConfig as exc:
                for line in exc.errors:
                    form.add_error(None, line)
            else:
                url = reverse("runs:console", args=[new.pk])
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    else:
        form = DuplicateForm(initial={"seed": run.seed, "start": True})
    context = {"run": run, "form": form, "models": llm_model_options()}
    if request.htmx:
        return render(request, "runs_app/run_duplicate.html#duplicate-form", context)
    return render(request, "runs_app/run_duplicate.html", context)
