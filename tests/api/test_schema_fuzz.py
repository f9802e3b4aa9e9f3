"""schemathesis against /api/schema/ with a token: no 5xx, no answer that breaks the schema.

Every operation gets a bounded number of generated requests, schema-valid and
schema-invalid, sent through the WSGI app inside the test's database transaction, so the
run stays well under two minutes and leaves nothing behind. (schemathesis's own pytest
integration relies on a pytest internal that pytest 9 removed, so the operations are
driven here with its Hypothesis strategies.)
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import positive_data_acceptance

from runs_app.models import Evaluation
from runs_app.services.batches import batch_create
from tests.api.factories import make_event, make_llm_call, make_message, make_run, make_step

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = int(os.environ.get("SIMENGINE_FUZZ_EXAMPLES", "20"))


@pytest.fixture
def keep_db_connection():
    """Like Django's test client: requests must not close the test's connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def auth(user) -> dict[str, str]:
    return {"Authorization": f"Token {Token.objects.create(user=user).key}"}


@pytest.fixture
def api_schema(auth, keep_db_connection):
    """The schema as a client reads it, over a database with one of everything in it."""
    run = make_run()
    make_step(run, 1, rescued_fraction=0.2)
    make_message(run, step=1, sender="Mayor")
    make_event(run, step=1, agent="Mayor")
    make_llm_call(run, step=1)
    Evaluation.objects.create(run=run, evaluator_model="offline/heuristic", scores={"ethics": 1})
    batch_create(version=run.scenario_version, grid={"rain_intensity": [0.2, 0.4]})
    return schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), headers=auth)


def failures_of(operation, mode, auth) -> str:
    @given(case=operation.as_strategy(generation_mode=mode, headers=auth))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        case.call_and_validate(headers=auth, excluded_checks=[positive_data_acceptance])

    try:
        run()
    except (Exception, BaseExceptionGroup) as exc:  # every failed check, in one group
        return f"{operation.label} ({mode}):\n{exc}"
    return ""


@pytest.mark.parametrize("mode", list(schemathesis.GenerationMode))
def test_every_operation_honours_the_schema_for_generated_requests(api_schema, auth, mode):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 25
    failures = [failures_of(op, mode, auth) for op in operations]
    failures = [f for f in failures if f]
    assert not failures, "\n\n".join(failures)
