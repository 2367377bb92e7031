"""`POST /api/v1/plans/bulk/` and `/measure-values/bulk/`: all or nothing, every bad item."""

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from compensation.demo import seed_demo
from kpis.models import MeasureValue, Plan
from tests.factories import CompanyFactory, EmployeeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr_client():
    seed_demo()
    client = APIClient()
    client.force_authenticate(User.objects.get(username="hr"))
    return client


def item(number="DEMO-A", period="2026-12", code="leads", value="210"):
    return {"personnel_number": number, "period": period, "code": code, "value": value}


def test_every_bad_item_is_reported_and_nothing_is_written(hr_client):
    before = Plan.objects.count()
    response = hr_client.post(
        "/api/v1/plans/bulk/",
        {"items": [item(), item(number="NOPE", period="2026-13", code="zzz", value="x"), item(code="cpl", value="0")]},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {
        "items[1].personnel_number", "items[1].period", "items[1].code", "items[1].value", "items[2].value",
    }
    assert Plan.objects.count() == before


def test_the_same_items_again_change_nothing(hr_client):
    body = {"items": [item(), item(code="cpl", value="480")]}
    first = hr_client.post("/api/v1/plans/bulk/", body, format="json").json()
    history = Plan.history.count()
    again = hr_client.post("/api/v1/plans/bulk/", body, format="json").json()
    assert (first["created"], again["created"], again["unchanged"]) == (2, 0, 2)
    assert Plan.history.count() == history


def test_measures_refuse_a_negative_count_and_duplicates(hr_client):
    response = hr_client.post(
        "/api/v1/measure-values/bulk/",
        {"items": [item(value="-3"), item(code="revenue", value="10"), item(code="revenue", value="11")]},
        format="json",
    )
    fields = response.json()["error"]["fields"]
    assert fields["items[0].value"] == ["the value is -3, a count cannot be negative"]
    assert "items[1].code" in fields and "items[2].code" in fields
    assert not MeasureValue.objects.filter(period="2026-12").exists()


def test_another_company_employee_is_unknown_here(hr_client):
    EmployeeFactory(company=CompanyFactory(), personnel_number="FOREIGN-1")
    response = hr_client.post("/api/v1/plans/bulk/", {"items": [item(number="FOREIGN-1")]}, format="json")
    assert response.status_code == 400
    assert "no employee with personnel number 'FOREIGN-1'" in response.json()["error"]["fields"]["items[0].personnel_number"][0]


@pytest.mark.parametrize("username", ["finance", "marketer"])
def test_only_hr_writes_in_bulk(hr_client, username):
    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))
    assert client.post("/api/v1/plans/bulk/", {"items": [item()]}, format="json").status_code == 403
