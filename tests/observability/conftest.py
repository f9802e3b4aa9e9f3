from __future__ import annotations

import pytest

from tests.api.factories import make_user, token_client


@pytest.fixture
def user(db):
    return make_user()


@pytest.fixture
def api(user):
    """An API client authenticated with the user's token."""
    return token_client(user)
