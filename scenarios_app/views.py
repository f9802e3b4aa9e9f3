"""Scenario pages: list, detail with version history, the designer, diff, clone, delete."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from scenarios_app.forms import ScenarioDesigner, apply_row_op
from scenarios_app.forms.values import to_yaml
from scenarios_app.models import Scenario, ScenarioVersion
from scenarios_app.selectors import (
    llm_model_options,
    scenario_list,
    scenario_usage,
    scenario_version_diff,
    scenario_versions_with_usage,
    visible_run_count,
)
from scenarios_app.services import (
    ScenarioConflict,
    SpecError,
    scenario_clone,
    scenario_create,
    scenario_export,
    scenario_import,
    scenario_update,
)
from scenarios_app.services import scenario_delete as delete_scenario
from simengine.core.spec import decode_document, parse_spec, read_document, spec_limits
from simengine.core.worlds import starter_scenario
from simengine.web.access import Level, fetch, visible
from simengine.web.requests import AuthenticatedHttpRequest
from simengine.web.sharing import sharing_context, sharing_post


def scenario_list_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every scenario with its version count and the count of its runs the viewer sees."""
    scenarios = visible(scenario_list(), request.user).annotate(
        run_count=visible_run_count(request.user, path="versions__runs")
    )
    return render(request, "scenarios_app/scenario_list.html", {"scenarios": scenarios})


def scenario_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A scenario's versions, newest first, with the runs and templates using each."""
    scenario = fetch(Scenario, request.user, pk=pk)
    versions = list(scenario_versions_with_usage(scenario=scenario, user=request.user))
    latest = versions[0] if versions else None
    context = {
        "scenario": scenario,
        "versions": versions,
        "latest": latest,
        "share_url": reverse("scenarios:shares", args=[scenario.pk]),
        **sharing_context(scenario, request.user),
    }
    return render(request, "scenarios_app/scenario_detail.html", context)


@require_POST
def scenario_shares(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Save who the scenario is shared with (owner and staff only)."""
    scenario = fetch(Scenario, request.user, pk=pk)
    return sharing_post(request, scenario, reverse("scenarios:detail", args=[pk]))


def scenario_version_page(request: AuthenticatedHttpRequest, pk: int, number: int) -> HttpResponse:
    """One version's spec as YAML, linked to the version before it."""
    fetch(Scenario, request.user, pk=pk)
    version = get_object_or_404(
        ScenarioVersion.objects.select_related("scenario", "created_by"),
        scenario_id=pk,
        number=number,
    )
    return render(
        request,
        "scenarios_app/scenario_version.html",
        {
            "scenario": version.scenario,
            "version": version,
            "yaml": scenario_export(version=version),
            "previous": version.scenario.versions.filter(number__lt=number)
            .order_by("-number")
            .first(),
        },
    )


def scenario_diff(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A diff of two versions (`?a=&b=`; default: the latest against the one before)."""
    scenario = fetch(Scenario, request.user, pk=pk)
    versions = list(scenario.versions.order_by("-number"))
    numbers = [version.number for version in versions]
    new_number = _int(request.GET.get("b"), numbers[0] if numbers else 0)
    old_number = _int(request.GET.get("a"), numbers[1] if len(numbers) > 1 else new_number)
    by_number = {version.number: version for version in versions}
    old, new = by_number.get(old_number), by_number.get(new_number)
    lines = scenario_version_diff(old=old, new=new) if old and new else []
    return render(
        request,
        "scenarios_app/scenario_diff.html",
        {
            "scenario": scenario,
            "versions": versions,
            "old": old,
            "new": new,
            "lines": lines,
            "added": sum(1 for line in lines if line.kind == "add"),
            "removed": sum(1 for line in lines if line.kind == "del"),
        },
    )


def scenario_designer(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    """Create (no pk) or edit a scenario; every button posts here with an `op`."""
    scenario = fetch(Scenario, request.user, Level.EDIT, pk=pk) if pk is not None else None
    if request.method != "POST":
        designer = ScenarioDesigner.from_document(_starting_document(request, scenario))
        return _render_designer(request, scenario, designer, full=True)
    op = request.POST.get("op") or "save"
    designer, document = _designer_for(request.POST, op)
    if op in ("save", "check") and document is not None:
        try:
            spec = parse_spec(document)
            if op == "save":
                return _save(request, scenario, spec, designer)
            designer.valid_summary = _summary(spec)
        except SpecError as exc:
            designer.place_errors(exc.errors)
    return _render_designer(request, scenario, designer, full=not request.htmx)


def _starting_document(
    request: AuthenticatedHttpRequest, scenario: Scenario | None
) -> dict[str, Any]:
    source = None
    if scenario is not None:
        number = _int(request.GET.get("version"), 0)
        versions = scenario.versions.order_by("-number")
        source = versions.filter(number=number).first() if number else versions.first()
    elif request.GET.get("from"):
        readable = visible(Scenario.objects.all(), request.user).values("pk")
        versions = ScenarioVersion.objects.filter(scenario__in=readable)
        source = versions.filter(pk=_int(request.GET["from"], 0)).first()
    if source is None:
        if scenario is not None:
            return {"name": scenario.name}
        return {**starter_scenario("flood"), "name": ""}
    document = dict(source.spec)
    if scenario is None:
        document["name"] = f"{document.get('name', 'Scenario')} (new)"
    return document


def _designer_for(data, op: str) -> tuple[ScenarioDesigner, dict[str, Any] | None]:
    """The designer for a posted op, and the document to validate (None when unreadable)."""
    tab = data.get("tab") if data.get("tab") in ("form", "yaml") else "form"
    if tab == "yaml" and op in ("tab:form", "save", "check"):
        try:
            document = read_document(data.get("yaml", ""), "yaml")
        except SpecError as exc:
            designer = ScenarioDesigner(data)
            designer.place_errors(exc.errors)
            return designer, None
        if not isinstance(document, dict):
            designer = ScenarioDesigner(data)
            designer.place_errors(["(root): expected a mapping of scenario fields"])
            return designer, None
        if op == "tab:form":
            return ScenarioDesigner.from_document(document), document
        designer = ScenarioDesigner(data)
        return designer, document
    if op.split(":")[0] in ("add", "remove", "up", "down"):
        return ScenarioDesigner(apply_row_op(data, op)), None
    designer = ScenarioDesigner(data)
    document = designer.document()
    if op == "tab:yaml":
        designer = ScenarioDesigner(data)
        designer.tab = "yaml"
        designer.yaml_text = to_yaml(document)
        return designer, document
    return designer, document


def _save(
    request: AuthenticatedHttpRequest, scenario: Scenario | None, spec, designer
) -> HttpResponse:
    note = designer.data.get("s-note", "")[:300]
    try:
        if scenario is None:
            result = scenario_create(spec=spec, user=request.user, note=note)
        else:
            result = scenario_update(scenario=scenario, spec=spec, user=request.user, note=note)
    except SpecError as exc:
        designer.place_errors(exc.errors)
        return _render_designer(request, scenario, designer, full=not request.htmx)
    version = result.version
    if result.created:
        messages.success(request, f"Saved {version.scenario.name} as version {version.number}.")
    else:
        messages.info(request, f"No changes: {version.scenario.name} stays at v{version.number}.")
    url = reverse("scenarios:detail", args=[version.scenario_id])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _render_designer(
    request: AuthenticatedHttpRequest,
    scenario: Scenario | None,
    designer: ScenarioDesigner,
    *,
    full: bool,
) -> HttpResponse:
    template = "scenarios_app/scenario_designer.html"
    context = {
        "scenario": scenario,
        "designer": designer,
        "models": llm_model_options(),
        "action_url": request.path,
    }
    return render(request, template if full else f"{template}#designer", context)


def _summary(spec) -> str:
    agents = len(spec.agents())
    return (
        f"Valid: {agents} agent{'s' if agents != 1 else ''} from "
        f"{len(spec.agent_templates)} template(s), {len(spec.world.locations)} location(s), "
        f"{len(spec.rooms)} room(s), at most {spec.termination.max_ticks} ticks."
    )


@require_POST
def scenario_clone_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Copy the scenario's latest version into a new scenario and open it in the designer."""
    scenario = fetch(Scenario, request.user, pk=pk)
    try:
        result = scenario_clone(
            scenario=scenario, name=request.POST.get("name", "").strip(), user=request.user
        )
    except (ScenarioConflict, SpecError) as exc:
        messages.error(request, "; ".join(getattr(exc, "errors", None) or [str(exc)]))
        return redirect("scenarios:detail", pk=pk)
    messages.success(request, f"Cloned {scenario.name} as {result.version.scenario.name}.")
    return redirect("scenarios:edit", pk=result.version.scenario_id)


def scenario_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Confirm, then delete; a scenario whose versions runs use is kept (runs keep versions)."""
    scenario = fetch(Scenario, request.user, Level.EDIT, pk=pk)
    run_count, batch_count = scenario_usage(scenario=scenario)
    if request.method == "POST":
        try:
            delete_scenario(scenario=scenario)
        except ScenarioConflict:
            messages.error(
                request,
                f"{scenario.name} was not deleted: {run_count} run(s) and {batch_count} batch(es) "
                "use its versions, and runs keep the version they ran.",
            )
            return redirect("scenarios:detail", pk=pk)
        messages.success(request, f"Deleted scenario {scenario.name} and its versions.")
        return redirect("scenarios:list")
    return render(
        request,
        "scenarios_app/scenario_delete.html",
        {
            "scenario": scenario,
            "run_count": run_count,
            "batch_count": batch_count,
            "version_count": scenario.versions.count(),
        },
    )


def scenario_export_view(request: AuthenticatedHttpRequest, pk: int, number: int) -> HttpResponse:
    """Download a version's spec as a YAML (default) or JSON file."""
    fetch(Scenario, request.user, pk=pk)
    version = get_object_or_404(ScenarioVersion, scenario_id=pk, number=number)
    fmt = "json" if request.GET.get("format") == "json" else "yaml"
    response = HttpResponse(
        scenario_export(version=version, fmt=fmt),
        content_type="application/json" if fmt == "json" else "application/yaml",
    )
    filename = f"{_slug(version.scenario.name)}-v{version.number}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def scenario_import_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Import an uploaded or pasted scenario file; errors are shown with the text kept."""
    errors: list[str] = []
    text = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        fmt = "json" if (upload and (upload.name or "").lower().endswith(".json")) else None
        try:
            # An upload is read only up to the scenario limit (the rest is never decoded).
            text = (
                decode_document(upload.read(spec_limits().max_bytes + 1))
                if upload
                else request.POST.get("text", "")
            )
            result = scenario_import(text=text, fmt=fmt, user=request.user, note="imported")
        except SpecError as exc:
            errors = exc.errors
            if len(text) > spec_limits().max_bytes:
                text = ""  # not echoed back into the page
        else:
            version = result.version
            if result.created:
                messages.success(request, f"Imported {version.scenario.name} v{version.number}.")
            else:
                messages.info(request, f"{version.scenario.name} is unchanged (v{version.number}).")
            return redirect("scenarios:detail", pk=version.scenario_id)
    context = {"errors": errors, "text": text}
    status = 400 if errors else 200
    return render(request, "scenarios_app/scenario_import.html", context, status=status)


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-") or "scenario"
