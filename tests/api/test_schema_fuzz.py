"""schemathesis against the app's own OpenAPI schema, in process (WSGI), as HR of the demo
company: no request it generates may cause a server error, and every response must be one
the schema describes (status code, content type, body).

Bounded for CI: a few examples per operation (fuzzing phase; the coverage phase's hundreds
of boundary cases per operation are left to a manual `schemathesis run`), derandomized so a
run repeats itself. Half the generated ids and references are swapped for real rows of the
demo company, so requests get past "not found" into validation and the services. Each
request runs in a savepoint that is rolled back: every example sees the same data."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from compensation.history_apis import TRACKED
from config.wsgi import application

# API_FUZZ_EXAMPLES=50 API_FUZZ_RANDOM=1 API_FUZZ_COVERAGE=1 for a longer, exploratory run.
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "6"))
RANDOM = os.environ.get("API_FUZZ_RANDOM") == "1"
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
schema.config.phases.update(
    phases=["examples", "fuzzing", "coverage"] if os.environ.get("API_FUZZ_COVERAGE") == "1" else ["examples", "fuzzing"]
)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

# Real rows of the demo company, filled in once the data is there: resource → id, and the
# names of references in request bodies → id.
ROWS: dict[str, int] = {}
REFERENCES: dict[str, int] = {}
REFERENCE_RESOURCES = {
    "employee": "employees",
    "scheme": "bonus-schemes",
    "band_table": "band-tables",
    "kpi_set": "kpi-sets",
    "kpi": "catalogue-kpi",
    "measure": "catalogue-measure",
    "company": "companies",
    "run": "payroll-runs",
}


def _resource(path: str) -> str:
    return path.removeprefix("/api/v1/").split("/")[0]


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Either the generated ids, or a real row of the operation's resource."""
    if not path_parameters or "id" not in path_parameters or not ROWS:
        return st.just(path_parameters)
    resource = _resource(context.operation.path)
    if resource == "history":
        return st.one_of(
            st.just(path_parameters),
            st.sampled_from(sorted(set(TRACKED) & set(ROWS))).map(lambda name: {"resource": name, "id": ROWS[name]}),
        )
    if resource not in ROWS:
        return st.just(path_parameters)
    return st.sampled_from([path_parameters, {**path_parameters, "id": ROWS[resource]}])


def _with_references(value):
    if isinstance(value, dict):
        return {k: REFERENCES[k] if k in REFERENCES else _with_references(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_references(item) for item in value]
    return value


@schema.hook
def flatmap_body(context, body):
    """Either the generated body, or the same with its references pointing at real rows."""
    if not isinstance(body, dict) or not REFERENCES:
        return st.just(body)
    return st.sampled_from([body, _with_references(body)])


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

    ROWS.update(world.demo.ids)
    ROWS["catalogue-kpi"] = Kpi.objects.get(company=None, code="leads").pk
    ROWS["catalogue-measure"] = Measure.objects.get(company=None, code="leads").pk
    REFERENCES.update({name: ROWS[resource] for name, resource in REFERENCE_RESOURCES.items()})
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
