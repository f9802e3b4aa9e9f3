"""The console's sharing panel: which groups see an object, at which level, and saving it.

Every owned page (a scenario, a run's console, a batch) includes
`templates/_sharing.html` with `sharing_context(obj, user)` and posts the form to a view
that calls `save_sharing(obj, user, post)`; the rules live in `simengine.web.access`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import Group
from django.db import models
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect

from simengine.web.access import Level, can, may_share, replace_shares

NOT_SHARED = ""


def sharing_context(obj: models.Model, user: Any) -> dict[str, Any]:
    """What the panel shows: the owner, each group with its level, and who may change them."""
    current = {share.group_id: share.level for share in obj.shares.all()}  # type: ignore[attr-defined]
    rows = [
        {"group": group, "level": current.get(group.pk, NOT_SHARED)}
        for group in Group.objects.order_by("name")
    ]
    return {
        "sharing_owner": getattr(obj, "owner", None),
        "sharing_rows": rows,
        "sharing_shared": [row for row in rows if row["level"]],
        "may_share": may_share(obj, user),
        "may_edit": can(obj, user, Level.EDIT),
    }


def save_sharing(obj: models.Model, user: Any, post: QueryDict) -> list[str]:
    """Apply the panel's form (`share-<group id>`: "", read or edit); the problems, if any.

    Raises `PermissionDenied` for anyone but the owner and staff (`replace_shares`).
    """
    problems: list[str] = []
    pairs: list[tuple[Group, str]] = []
    for group in Group.objects.order_by("name"):
        level = post.get(f"share-{group.pk}", NOT_SHARED)
        if level == NOT_SHARED:
            continue
        if level not in Level.values:
            problems.append(f"{group.name}: unknown level {level!r} (use read or edit)")
            continue
        pairs.append((group, level))
    if not problems:
        replace_shares(obj, user, pairs)
    return problems


def sharing_post(request: HttpRequest, obj: models.Model, back: str) -> HttpResponse:
    """The panel's POST: save the shares, flash what happened, and go back to `back`."""
    problems = save_sharing(obj, request.user, request.POST)
    if problems:
        messages.error(request, "Sharing not saved: " + "; ".join(problems))
    else:
        messages.success(request, "Sharing saved.")
    return redirect(back)
