"""Failed sign-ins are limited per username and address, with a message saying so."""

from __future__ import annotations

import time

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from simengine.web.login import login_failed, login_wait_seconds

LIMIT = 5


@pytest.fixture(autouse=True)
def fresh_counts(settings):
    settings.LOGIN_FAILURE_LIMIT = LIMIT
    settings.LOGIN_FAILURE_WINDOW = 900
    caches["login"].clear()
    yield
    caches["login"].clear()


@pytest.fixture
def alice(db, django_user_model):
    return django_user_model.objects.create_user("alice", password="right-horse-battery")


def sign_in(password: str, *, address: str = "10.0.0.1", username: str = "alice", url=None):
    client = Client(REMOTE_ADDR=address)
    response = client.post(url or reverse("login"), {"username": username, "password": password})
    return client, response


def test_after_the_limit_even_the_right_password_is_refused_with_a_clear_message(alice):
    for _ in range(LIMIT):
        _, response = sign_in("wrong")
        assert response.status_code == 200
        assert "Your username and password did not match" in response.content.decode()
    client, response = sign_in("right-horse-battery")
    assert response.status_code == 429
    text = response.content.decode()
    assert "Too many failed sign-ins for this username from your address." in text
    assert "Try again in 15 minutes" in text
    assert "_auth_user_id" not in client.session


def test_other_addresses_and_other_usernames_are_not_affected(alice, django_user_model):
    django_user_model.objects.create_user("bob", password="bob-pass-9876")
    for _ in range(LIMIT):
        sign_in("wrong")
    _, response = sign_in("right-horse-battery", address="10.0.0.2")
    assert response.status_code == 302
    _, response = sign_in("bob-pass-9876", username="bob")
    assert response.status_code == 302


def test_the_username_is_matched_whatever_its_case(alice):
    for _ in range(LIMIT):
        sign_in("wrong", username="ALICE")
    assert login_wait_seconds(username="alice", address="10.0.0.1") > 800


def test_a_successful_sign_in_clears_the_count(alice):
    for _ in range(LIMIT - 1):
        sign_in("wrong")
    _, response = sign_in("right-horse-battery")
    assert response.status_code == 302
    for _ in range(LIMIT - 1):
        sign_in("wrong")
    _, response = sign_in("right-horse-battery")
    assert response.status_code == 302


def test_the_admin_login_shares_the_throttle(alice):
    alice.is_staff = True
    alice.save()
    for _ in range(LIMIT):
        sign_in("wrong")
    _, response = sign_in("right-horse-battery", url=reverse("admin:login"))
    assert response.status_code == 200
    assert "Too many failed sign-ins" in response.content.decode()


def test_the_window_ends(alice, settings):
    settings.LOGIN_FAILURE_WINDOW = 1
    for _ in range(LIMIT):
        login_failed(username="alice", address="10.0.0.1")
    assert login_wait_seconds(username="alice", address="10.0.0.1") == 1
    time.sleep(1.2)
    assert login_wait_seconds(username="alice", address="10.0.0.1") == 0
    _, response = sign_in("right-horse-battery")
    assert response.status_code == 302
