"""Every URL pattern with an id, asked about an object that does not exist, answers 404.

The patterns come from the URL resolver itself, so a new page or endpoint is walked
without being listed here. Django's admin is left out: its own answer for a missing
object is a redirect to its index with a message.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, StringConverter
from rest_framework.authtoken.models import Token

MISSING = 999_999_999
# Values for the non-id parts of a path, so that only the id is missing.
WORDS = {"action": "pause"}
METHODS = ("get", "post", "put", "patch", "delete")


def walk(patterns: list, namespace: str = "", prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, ns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def with_missing_ids() -> list[tuple[str, str]]:
    """(name, url) of every named pattern that takes at least one id."""
    found = []
    for name, pattern in walk(get_resolver().url_patterns):
        converters = getattr(pattern.pattern, "converters", {})
        if not converters:
            continue
        kwargs: dict[str, object] = {}
        for arg, converter in converters.items():
            if isinstance(converter, StringConverter):
                kwargs[arg] = WORDS.get(arg, "x")
            else:
                kwargs[arg] = MISSING
        if not any(
            isinstance(c, IntConverter) or c.regex.startswith("[0-9]") for c in converters.values()
        ):
            continue
        found.append((name, reverse(name, kwargs=kwargs)))
    return found


URLS = with_missing_ids()


def test_the_walk_finds_the_console_and_the_api():
    names = {name for name, _ in URLS}
    assert {"runs:console", "runs:inject", "runs:duplicate", "api-run", "api-scenario"} <= names
    assert len(URLS) >= 35


@pytest.fixture
def clients(db, django_user_model):
    staff = django_user_model.objects.create_superuser("walker", password="pw")
    console = Client(raise_request_exception=False)
    console.force_login(staff)
    api = Client(
        raise_request_exception=False,
        HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff).key}",
    )
    return console, api


@pytest.mark.parametrize(("name", "url"), URLS, ids=[name for name, _ in URLS])
def test_a_missing_id_answers_404_for_every_method(clients, name, url):
    console, api = clients
    client = api if url.startswith("/api/") else console
    answers = {}
    for method in METHODS:
        if method == "get":
            response = client.get(url)
        else:
            response = getattr(client, method)(url, data="{}", content_type="application/json")
        answers[method] = response.status_code
    # 405 where the pattern takes no such method: never a 500, never a 200 about nothing.
    assert set(answers.values()) <= {404, 405}, answers
    assert answers["get"] == 404 or answers["post"] == 404, answers


@pytest.mark.django_db
def test_new_run_with_a_scenario_that_is_no_id_is_a_form_error(admin_client):
    for value in ("abc", "999999999", "9" * 40):
        response = admin_client.post(reverse("runs:new"), {"scenario": value})
        assert response.status_code == 200
        assert f"There is no scenario {value!r} with a version to run." in (
            response.content.decode().replace("&#x27;", "'")
        )
    response = admin_client.get(reverse("runs:new"), {"scenario": "abc", "version": "9" * 40})
    assert response.status_code == 200
