"""The API of corrections of closed periods (payroll.correction_apis): the role and company
matrix, the path from creation to the posted delta, and the refusals as 409s with codes.
The services are tested in tests/payroll/test_corrections.py."""

from decimal import Decimal

import pytest
from django.test import TestCase

from kpis.models import Measure
from payroll.models import Adjustment
from payroll.services.corrections import (
    CORRECTION_ENDED,
    CORRECTION_PERIOD_OPEN,
    ChangeSpec,
    correction_calculate,
    correction_create,
)
from tests.api.conftest import ROLES, client_for

pytestmark = pytest.mark.django_db
D = Decimal


def leads() -> Measure:
    return Measure.objects.get(company=None, code="leads")


def calculate(correction, by):
    with TestCase.captureOnCommitCallbacks(execute=True):
        correction_calculate(correction=correction, requested_by=by)
    correction.refresh_from_db()
    assert correction.status == "calculated", correction.error
    return correction

CORRECTIONS = "/api/v1/corrections/"

# fmt: off
API_MATRIX = {
    # endpoint                       superuser  hr   finance marketer anonymous
    "GET  corrections/":             (200,      200, 200,    403,     401),
    "GET  corrections/{id}/":        (200,      200, 200,    403,     401),
    "GET  corrections/{id}/results/": (200,     200, 200,    403,     401),
    "POST corrections/":             (201,      201, 403,    403,     401),
    "POST corrections/{id}/calculate/": (200,   200, 403,    403,     401),
    "POST corrections/{id}/approve/": (200,     200, 403,    403,     401),
    "POST corrections/{id}/cancel/": (200,      200, 403,    403,     401),
}
# fmt: on


def _leads_change(side) -> dict:
    employee = side.users["marketer"].employee
    return {"employee": employee.pk, "kind": "measure", "measure": leads().pk, "value": "1"}


@pytest.fixture
def calculated_corrections(world, db):
    """A calculated correction of October for each company, created and calculated by the
    HR person who did not approve October (the other one may approve it)."""
    made = {}
    for name, side in (("demo", world.demo), ("other", world.other)):
        creator = side.users["hr2"]
        spec = ChangeSpec(employee=side.users["marketer"].employee, kind="measure", measure=leads(), value=D(1))
        correction = correction_create(company=side.company, period="2026-10", reason="late data", changes=[spec], created_by=creator)
        made[name] = calculate(correction, creator)
    return made


def _request(endpoint: str, world, corrections, company: str):
    method, path = endpoint.split()
    url = "/api/v1/" + path.replace("{id}", str(corrections[company].pk))
    body = None
    if method == "POST" and path == "corrections/":
        side = world.side(company)
        body = {"company": side.company.pk, "period": "2026-10", "reason": "late data", "changes": [_leads_change(side)]}
    return method, url, body


def _call(client, method, url, body):
    return client.post(url, body, format="json") if method == "POST" else client.get(url)


@pytest.mark.parametrize(
    ("endpoint", "role", "expected"),
    [pytest.param(e, r, s, id=f"{e} as {r}") for e, statuses in API_MATRIX.items() for r, s in zip(ROLES, statuses, strict=True)],
)
def test_api_roles_on_the_own_company(world, api, calculated_corrections, endpoint, role, expected):
    method, url, body = _request(endpoint, world, calculated_corrections, "demo")
    response = _call(api(role), method, url, body)
    assert response.status_code == expected, response.content[:500]


@pytest.mark.parametrize(
    ("endpoint", "role", "own"),
    [
        pytest.param(e, r, s, id=f"{e} as {r}")
        for e, statuses in API_MATRIX.items() if "{id}" in e for r, s in zip(ROLES, statuses, strict=True)
    ],
)
def test_api_another_companys_correction_does_not_exist(world, api, calculated_corrections, endpoint, role, own):
    method, url, body = _request(endpoint, world, calculated_corrections, "other")
    response = _call(api(role), method, url, body)
    assert response.status_code == (own if role == "superuser" or own in (401, 403) else 404)


def test_api_lists_only_the_own_companys_corrections(world, api, calculated_corrections):
    listed = {row["id"] for row in api("finance").get(CORRECTIONS).json()["results"]}
    assert listed == {calculated_corrections["demo"].pk}
    assert api("hr").get(CORRECTIONS, {"period": "2026-09"}).json()["results"] == []
    assert [row["id"] for row in api("hr").get(CORRECTIONS, {"status": "calculated"}).json()["results"]] == [
        calculated_corrections["demo"].pk
    ]
    assert api("marketer").get(CORRECTIONS).status_code == 403


def test_api_a_correction_from_creation_to_the_posted_delta(world, api):
    side = world.demo
    hr, hr2 = client_for(side.users["hr"]), client_for(side.users["hr2"])
    created = hr.post(
        CORRECTIONS,
        {"period": "2026-10", "reason": "14 leads disqualified", "changes": [{**_leads_change(side), "value": "100"}]},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["status"] == "draft" and created.json()["changes"][0]["was"] == "170.0000"

    with TestCase.captureOnCommitCallbacks(execute=True):
        calculated = hr.post(f"{CORRECTIONS}{pk}/calculate/")
    assert calculated.status_code == 200
    detail = hr.get(f"{CORRECTIONS}{pk}/").json()
    assert detail["status"] == "calculated"
    (result,) = detail["results"]
    assert D(result["delta"]) == D(result["total"]) - D(result["approved_total"]) < 0
    assert any(line["line"] == "total" for line in result["changed_lines"])

    refused = hr.post(f"{CORRECTIONS}{pk}/approve/")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "four_eyes"
    approved = hr2.post(f"{CORRECTIONS}{pk}/approve/")
    assert approved.status_code == 200 and approved.json()["posted_to"] == "2026-11"
    posted = Adjustment.objects.get(correction_id=pk)
    assert (posted.period, posted.source_period, posted.amount) == ("2026-11", "2026-10", D(result["delta"]))
    assert posted.reason.startswith("correction for October 2026: −") and posted.reason.endswith("— 14 leads disqualified")
    again = hr2.post(f"{CORRECTIONS}{pk}/cancel/")
    assert again.status_code == 409 and again.json()["error"]["code"] == CORRECTION_ENDED


def test_api_refusals(world, api):
    side, other = world.demo, world.other
    hr = api("hr")
    open_period = hr.post(
        CORRECTIONS, {"period": "2026-11", "reason": "r", "changes": [_leads_change(side)]}, format="json"
    )
    assert open_period.status_code == 409 and open_period.json()["error"]["code"] == CORRECTION_PERIOD_OPEN
    foreign = hr.post(CORRECTIONS, {"period": "2026-10", "reason": "r", "changes": [_leads_change(other)]}, format="json")
    assert foreign.status_code == 400  # the other company's employee does not exist for demo's HR
    with TestCase.captureOnCommitCallbacks(execute=True):
        empty = hr.post(CORRECTIONS, {"period": "2026-10", "reason": "r", "changes": []}, format="json")
    assert empty.status_code == 201
    nothing = hr.post(f"{CORRECTIONS}{empty.json()['id']}/calculate/")
    assert nothing.status_code == 409 and nothing.json()["error"]["code"] == "correction_no_changes"
