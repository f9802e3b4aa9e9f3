"""Who may see and change what: owners, group shares and staff, decided in this one module.

Scenarios, runs and batches are `Owned`: each has an `owner` (the user who created it) and a
`shares` relation to its `Share` rows, each granting one Django `Group` a `Level`:

- `read`: see the object and everything it recorded (pages, API, WebSocket, explorers);
- `edit`: also control it (pause, resume, step, stop, god mode, inject, per-agent controls,
  evaluate), publish a new version of a scenario, change it and delete it.

The owner and staff (`is_staff` or `is_superuser`) have edit rights on everything they see;
staff see everything. Changing an object's shares is for its owner and staff only
(`may_share`). Rows whose owner is null (made before owners existed, or whose owner was
deleted) are seen by staff only.

A model can also inherit rights from a parent: `access_via = ("batch",)` on a run means a
user who may read (edit) the run's batch may read (edit) the run.

Every console page, API view, the WebSocket consumer and any other integration (the MCP
server) ask through the functions below, never by filtering on owners themselves:

- `visible(queryset, user)` / `editable(queryset, user)`: narrow a queryset;
- `level_of(obj, user)`: `Level.EDIT`, `Level.READ` or None;
- `require(obj, user, level)`: raise `Http404` when the user cannot see the object and
  `PermissionDenied` (403) when it can see but not change it;
- `fetch(queryset, user, level, **lookup)`: the one object matching `lookup` that the user
  sees, checked for `level` (404 / 403 as `require`);
- `may_share(obj, user)` and `replace_shares(obj, user, shares)`: read and set the shares.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.http import Http404

ModelT = TypeVar("ModelT", bound=models.Model)
UserLike = AbstractBaseUser | AnonymousUser


class Level(models.TextChoices):
    """What a share grants: reading, or reading and changing."""

    READ = "read", "read"
    EDIT = "edit", "edit"


class Owned(models.Model):
    """An object with an owner and group shares (its concrete share model names it `shares`)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who created it; null: staff only.",
    )

    # Parents whose rights this object inherits (field names of foreign keys to `Owned`).
    access_via: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True


class Share(models.Model):
    """One group's access to one object; the concrete model adds the object's foreign key."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=8, choices=Level.choices, default=Level.READ)

    class Meta:
        abstract = True


def sees_all(user: Any) -> bool:
    """Staff and superusers see and change everything."""
    return bool(
        getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
        and (getattr(user, "is_staff", False) or getattr(user, "is_superuser", False))
    )


def _share_relation(model: type[models.Model]) -> tuple[type[models.Model], str]:
    """The concrete share model of `model` and the name of its foreign key to `model`."""
    relation = model._meta.get_field("shares")
    return relation.related_model, relation.field.name  # type: ignore[union-attr,return-value]


def _granted(queryset: QuerySet[ModelT], user: Any, levels: tuple[str, ...]) -> QuerySet[ModelT]:
    model = queryset.model
    share_model, key = _share_relation(model)
    granted = share_model._default_manager.filter(group__user=user, level__in=levels).values(key)
    condition = Q(owner_id=user.pk) | Q(pk__in=granted)
    for parent in getattr(model, "access_via", ()):
        parent_model = model._meta.get_field(parent).related_model
        parents = _granted(parent_model._default_manager.all(), user, levels)  # type: ignore[union-attr]
        condition |= Q(**{f"{parent}__in": parents.values("pk")})
    return queryset.filter(condition)


def visible(queryset: QuerySet[ModelT], user: Any) -> QuerySet[ModelT]:
    """The objects of `queryset` the user may read (none for an anonymous user)."""
    if sees_all(user):
        return queryset
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    return _granted(queryset, user, (Level.READ, Level.EDIT))


def editable(queryset: QuerySet[ModelT], user: Any) -> QuerySet[ModelT]:
    """The objects of `queryset` the user may change (control, publish, edit, delete)."""
    if sees_all(user):
        return queryset
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    return _granted(queryset, user, (Level.EDIT,))


def level_of(obj: models.Model, user: Any) -> Level | None:
    """The user's rights on `obj`: `Level.EDIT`, `Level.READ`, or None (not even seen)."""
    if sees_all(user):
        return Level.EDIT
    if not getattr(user, "is_authenticated", False):
        return None
    if getattr(obj, "owner_id", None) == user.pk:
        return Level.EDIT
    same = type(obj)._default_manager.filter(pk=obj.pk)
    if _granted(same, user, (Level.EDIT,)).exists():
        return Level.EDIT
    if _granted(same, user, (Level.READ,)).exists():
        return Level.READ
    return None


def can(obj: models.Model, user: Any, level: str = Level.READ) -> bool:
    """Whether the user has at least `level` on `obj`."""
    held = level_of(obj, user)
    return held is not None and (held == Level.EDIT or level == Level.READ)


def require(obj: models.Model, user: Any, level: str = Level.READ) -> None:
    """Raise `Http404` if the user cannot see `obj`, `PermissionDenied` if it cannot `level`."""
    held = level_of(obj, user)
    name = obj._meta.object_name
    if held is None:
        raise Http404(f"No {name} matches the given query.")
    if level == Level.EDIT and held != Level.EDIT:
        raise PermissionDenied(f"You may view this {name} but not change it (read-only share).")


def fetch(
    queryset: QuerySet[ModelT] | type[ModelT],
    user: Any,
    level: str = Level.READ,
    **lookup: Any,
) -> ModelT:
    """The object matching `lookup` that the user sees, with at least `level` (else 404/403)."""
    if not isinstance(queryset, QuerySet):
        queryset = queryset._default_manager.all()
    obj = visible(queryset, user).filter(**lookup).first()
    if obj is None:
        raise Http404(f"No {queryset.model._meta.object_name} matches the given query.")
    if level == Level.EDIT:
        require(obj, user, level)
    return obj


def may_share(obj: models.Model, user: Any) -> bool:
    """Only the owner and staff change who an object is shared with."""
    return sees_all(user) or (
        getattr(user, "is_authenticated", False) and getattr(obj, "owner_id", None) == user.pk
    )


def shares_of(obj: models.Model) -> list[dict[str, Any]]:
    """The object's shares as `{"group": name, "level": level}`, by group name."""
    rows = sorted(obj.shares.all(), key=lambda row: row.group.name)  # type: ignore[attr-defined]
    return [{"group": row.group.name, "level": row.level} for row in rows]


def replace_shares(obj: models.Model, user: Any, shares: Iterable[tuple[Group, str]]) -> None:
    """Set the object's shares to exactly `shares` (`(group, level)` pairs); owner/staff only.

    Raises:
        Http404: the user cannot see the object.
        PermissionDenied: the user is neither its owner nor staff.
        ValueError: an unknown level or a group named twice.
    """
    require(obj, user, Level.READ)
    if not may_share(obj, user):
        raise PermissionDenied("Only the owner or staff can change who this is shared with.")
    pairs = list(shares)
    groups = [group.pk for group, _ in pairs]
    if len(set(groups)) != len(groups):
        raise ValueError("a group is named more than once")
    for _, level in pairs:
        if level not in Level.values:
            raise ValueError(f"unknown level {level!r} (use read or edit)")
    share_model, key = _share_relation(type(obj))
    with transaction.atomic():
        share_model._default_manager.filter(**{key: obj}).delete()
        share_model._default_manager.bulk_create(
            [share_model(**{key: obj, "group": group, "level": level}) for group, level in pairs]
        )
