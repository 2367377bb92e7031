"""schemathesis against the app's own OpenAPI schema, in process (WSGI), as HR of the demo
company: no request it generates may cause a server error, and every response must be one
the schema describes (status code, content type, body).

Bounded for CI: a few examples per operation (fuzzing phase; the coverage phase's hundreds
of boundary cases per operation are left to a manual `schemathesis run`), derandomized so a
run repeats itself. Half the generated ids and references are swapped for real rows of the
demo company (`tests/api/fuzz_hooks.py`; `bench/fuzz.py` runs the same against a live
server). Each request runs in a savepoint that is rolled back: every example sees the same data."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.history import TRACKED
from config.wsgi import application
from tests.api import fuzz_hooks

# API_FUZZ_EXAMPLES=50 API_FUZZ_RANDOM=1 API_FUZZ_COVERAGE=1 for a longer, exploratory run.
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "6"))
RANDOM = os.environ.get("API_FUZZ_RANDOM") == "1"
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
schema.config.phases.update(
    phases=["examples", "fuzzing", "coverage"] if os.environ.get("API_FUZZ_COVERAGE") == "1" else ["examples", "fuzzing"]
)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

@pytest.fixture
def in_test_transaction():
    """Django closes the connection around each request it serves, unless (as its test
    client does) that hook is off: keep the test's transaction open across requests."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def hr_token(world, db, in_test_transaction) -> str:
    from kpis.models import Kpi, Measure

    rows = {
        **world.demo.ids,
        "catalogue-kpi": Kpi.objects.get(company=None, code="leads").pk,
        "catalogue-measure": Measure.objects.get(company=None, code="leads").pk,
    }
    fuzz_hooks.use_rows(rows, list(TRACKED))
    _, token = AuthToken.objects.create(user=world.demo.users["hr"])
    return token


@schema.parametrize()
@settings(
    max_examples=EXAMPLES, deadline=None, derandomize=not RANDOM, database=None, suppress_health_check=list(HealthCheck)
)
@pytest.mark.django_db
def test_every_operation_keeps_to_the_schema(case, hr_token):
    with transaction.atomic():
        response = case.call(headers={"Authorization": f"Token {hr_token}"})
        transaction.set_rollback(True)
    case.validate_response(response, checks=CHECKS)
