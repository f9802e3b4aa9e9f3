"""Login throttling: failed sign-ins are counted per username and client address.

After `SIMENGINE_LOGIN_FAILURE_LIMIT` failures within `SIMENGINE_LOGIN_FAILURE_WINDOW`
seconds, that username cannot sign in from that address (even with the right password)
until the window ends; a successful sign-in clears the count. Counts live in the `login`
cache (Redis when `REDIS_URL` is set, so every web process shares them). Should that cache
be unreachable, sign-in still works and a warning is logged: an outage must not lock
everyone out.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

THROTTLED_STATUS = 429


def _keys(username: str, address: str) -> tuple[str, str]:
    digest = hashlib.sha256(f"{username.strip().lower()}\0{address}".encode()).hexdigest()
    return f"failures:{digest}", f"until:{digest}"


def client_address(request: HttpRequest | None) -> str:
    """The client's address as the server sees it (Daphne's `--proxy-headers` behind a proxy)."""
    if request is None:
        return "unknown"
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def login_wait_seconds(*, username: str, address: str) -> int:
    """Seconds until `username` may try again from `address`; 0 when not throttled."""
    count_key, until_key = _keys(username, address)
    try:
        cache = caches["login"]
        count = cache.get(count_key, 0)
        until = cache.get(until_key, 0)
    except Exception:
        logger.warning("login throttle unavailable: sign-in is not throttled", exc_info=True)
        return 0
    if count < settings.LOGIN_FAILURE_LIMIT:
        return 0
    return max(1, math.ceil(until - time.time()))


def login_failed(*, username: str, address: str) -> None:
    """Count one failed sign-in; the window starts at the first failure."""
    count_key, until_key = _keys(username, address)
    window = settings.LOGIN_FAILURE_WINDOW
    try:
        cache = caches["login"]
        cache.add(until_key, time.time() + window, timeout=window)
        cache.add(count_key, 0, timeout=window)
        cache.incr(count_key)
    except ValueError:  # the count expired between add and incr: start again
        caches["login"].set(count_key, 1, timeout=window)
    except Exception:
        logger.warning("login throttle unavailable: failure not counted", exc_info=True)


def login_succeeded(*, username: str, address: str) -> None:
    """Forget the failures of `username` from `address`."""
    try:
        caches["login"].delete_many(list(_keys(username, address)))
    except Exception:
        logger.warning("login throttle unavailable: failures not cleared", exc_info=True)


def throttled_message(seconds: int) -> str:
    """What a throttled user reads."""
    minutes = math.ceil(seconds / 60)
    wait = f"{minutes} minute{'s' if minutes != 1 else ''}" if seconds > 60 else f"{seconds} s"
    return (
        f"Too many failed sign-ins for this username from your address. "
        f"Try again in {wait}, or ask an administrator to reset your password."
    )


class ThrottledLoginMixin:
    """Refuses a throttled username+address before checking the password; counts failures."""

    request: HttpRequest | None
    throttled = False

    def clean(self) -> dict[str, Any]:
        """Check the throttle, then the credentials; count the outcome."""
        username = str(self.data.get("username", ""))  # type: ignore[attr-defined]
        address = client_address(self.request)
        wait = login_wait_seconds(username=username, address=address)
        if wait:
            self.throttled = True
            raise forms.ValidationError(throttled_message(wait), code="throttled")
        try:
            cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]
        except forms.ValidationError:
            login_failed(username=username, address=address)
            raise
        login_succeeded(username=username, address=address)
        return cleaned


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    """The console's sign-in form, throttled."""


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin's sign-in form, throttled the same way (the same counts)."""


class ThrottledLoginView(LoginView):
    """The console's login page; a throttled attempt answers 429 with the message."""

    form_class = ThrottledAuthenticationForm

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        """Re-render with the errors; 429 when the attempt was throttled."""
        response = super().form_invalid(form)
        if getattr(form, "throttled", False):
            response.status_code = THROTTLED_STATUS
        return response
