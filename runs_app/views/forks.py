"""The fork page: continue a run from one of its stored ticks as a new run, with changes."""

from __future__ import annotations

from dataclasses import replace

from django.http import HttpResponse
from django.shortcuts import redirect, render

from runs_app.forms import ForkForm
from runs_app.services.errors import ControlRefused, InvalidControl, InvalidRunConfig
from runs_app.services.forks import run_fork
from runs_app.services.snapshots import latest_step_index
from runs_app.views.context import inject_targets
from runs_app.views.runs import _run_or_404
from scenarios_app.selectors import llm_model_options
from simengine.web.requests import AuthenticatedHttpRequest


def run_fork_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET: the fork form (`?step=k` prefills the tick); POST: fork and open the new run."""
    run = _run_or_404(request, pk)
    targets = inject_targets(run)
    last = latest_step_index(run.pk)
    if request.method == "POST":
        form = ForkForm(request.POST, targets=targets)
        if form.is_valid():
            try:
                fork = run_fork(
                    run=run,
                    step=form.cleaned_data["step"],
                    seed=form.cleaned_data["seed"],
                    overrides=form.overrides(),
                    user=request.user,
                    start=form.cleaned_data["start"],
                )
            except (InvalidRunConfig, InvalidControl) as exc:
                for line in exc.errors:
                    form.add_error(None, line)
            except ControlRefused as exc:
                form.add_error(None, exc.reason)
            else:
                return redirect("runs:console", pk=fork.pk)
    else:
        step = request.GET.get("step", "")
        initial_step = int(step) if step.isdigit() and len(step) <= 9 else last
        form = ForkForm(initial={"step": initial_step, "start": True}, targets=targets)
    models = llm_model_options()
    replay = f"replay/{run.pk}"  # the parent's recorded answers: reproduces it exactly
    if replay not in models.models:
        models = replace(models, models=[*models.models, replay])
    context = {"run": run, "form": form, "models": models, "last_step": last}
    return render(request, "runs_app/run_fork.html", context)
