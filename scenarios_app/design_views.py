"""Designing a scenario from a natural-language brief: the form, progress, and the new draft."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from scenarios_app.forms.brief import DesignBriefForm
from scenarios_app.selectors import llm_model_options
from scenarios_app.services import DesignFailed, design_from_brief
from simengine.web.offload import off_the_shared_thread
from simengine.web.requests import AuthenticatedHttpRequest


def _initial_model(models: list[str]) -> str:
    served = (m for prefix in ("ollama/", "openai/") for m in models if m.startswith(prefix))
    return next(served, "offline/heuristic")


@off_the_shared_thread
def scenario_design_brief(request: AuthenticatedHttpRequest) -> HttpResponse:
    """GET the form; POST designs, validates, repairs, dry-runs and saves a draft (or says why)."""
    options = llm_model_options()
    context: dict[str, Any] = {"options": options}
    if request.method != "POST":
        initial = {"model": _initial_model(options.models)}
        form = DesignBriefForm(initial=initial, models=options.models)
        return render(request, "scenarios_app/scenario_design.html", {**context, "form": form})
    form = DesignBriefForm(request.POST, models=options.models)
    if form.is_valid():
        try:
            outcome = design_from_brief(
                brief=form.cleaned_data["brief"],
                model=form.cleaned_data["model"],
                agent_model=form.agents(),
                user=request.user,
            )
        except DesignFailed as failure:
            context["failure"] = failure
        else:
            version = outcome.result.version
            steps = " → ".join([*outcome.attempts, f"saved as draft v{version.number}"])
            messages.success(
                request,
                f"Designed “{version.scenario.name}” with {outcome.model}: {steps}. "
                "Review it here, then save a version or start a run.",
            )
            url = reverse("scenarios:edit", args=[version.scenario_id])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    context["form"] = form
    template = "scenarios_app/scenario_design.html"
    return render(request, f"{template}#design-form" if request.htmx else template, context)
