"""The request type of console views: `LoginRequiredMiddleware` and `HtmxMiddleware` have run.

Every console view except the login page sits behind `LoginRequiredMiddleware`, so its
`request.user` is a signed-in `User`, never `AnonymousUser`; `HtmxMiddleware` adds
`request.htmx`. Annotating a view's request with this class tells the type checker so.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class AuthenticatedHttpRequest(HttpRequest):
    """A console request from a signed-in user, with django-htmx's `htmx` details."""

    user: User
    htmx: HtmxDetails
