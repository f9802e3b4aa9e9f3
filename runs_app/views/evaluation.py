"""The run console's evaluation panel and its "Evaluate with model…" form.

The panel shows scores with their reasoning, the narrative, a chart and the agreement
between evaluators.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from runs_app.models import Run
from runs_app.services.evaluation import EvaluationFailed, evaluation_create
from runs_app.services.evaluation_panel import evaluation_context
from scenarios_app.selectors import llm_model_options
from simengine.web.access import Level, fetch
from simengine.web.offload import off_the_shared_thread
from simengine.web.requests import AuthenticatedHttpRequest


def run_evaluation_panel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The evaluation panel alone (polled while an automatic evaluation is on its way)."""
    run = fetch(Run, request.user, pk=pk)
    context = {"run": run, **evaluation_context(run)}
    return render(request, "runs_app/_evaluation_answer.html", context)


@require_POST
@off_the_shared_thread
def run_evaluate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Evaluate the run with the chosen model now, and show the refreshed panel."""
    run = fetch(Run, request.user, Level.EDIT, pk=pk)
    model = request.POST.get("model", "").strip()
    error = notice = ""
    attempts: list[str] = []
    if model not in llm_model_options().models:
        error = f"choose one of the models that can be served now (got {model!r})"
    elif run.current_step == 0:
        error = "the run has no ticks yet: there is nothing to evaluate"
    else:
        try:
            evaluation = evaluation_create(run=run, model=model, user=request.user)
            notice = f"Evaluated by {evaluation.evaluator_model}."
        except EvaluationFailed as exc:
            error, attempts = exc.headline, exc.problems
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif notice:
            messages.success(request, notice)
        return redirect("runs:console", pk=pk)
    context = {
        "run": run,
        **evaluation_context(run, error=error, notice=notice, chosen=model, attempts=attempts),
    }
    return render(request, "runs_app/_evaluation_answer.html", context)
