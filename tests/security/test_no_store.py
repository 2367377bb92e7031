"""Pay documents (payslips, payroll sheets, the payslip zip; on /payroll/ and through the
API) and salary agreements are answered `Cache-Control: no-store`: no browser or proxy
cache keeps them."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from payroll.models import PayrollRun
from payroll.services import payroll_run_approve
from tests.payroll.test_excel import demo, media, start_run  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


@pytest.fixture
def approved(demo, django_capture_on_commit_callbacks) -> PayrollRun:  # noqa: F811
    run = start_run(django_capture_on_commit_callbacks, demo)
    return payroll_run_approve(run=run, approved_by=User.objects.get(username="hr2"))


def assert_not_stored(response) -> None:
    assert response.status_code == 200, getattr(response, "content", b"")[:300]
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_pay_documents_are_never_cached(approved, media):  # noqa: F811
    payout = approved.payouts.get(employee__personnel_number="DEMO-A")
    hr = signed_in("hr")

    assert_not_stored(signed_in("marketer").get(reverse("payroll:payslip", args=[payout.pk])))
    assert_not_stored(hr.get(reverse("payroll:payroll-sheet", args=[approved.pk])))
    assert_not_stored(hr.get(reverse("payroll:payslips-zip", args=[approved.pk])))
    assert_not_stored(hr.get(f"/api/v1/payroll-runs/{approved.pk}/sheet/"))
    assert_not_stored(hr.get(f"/api/v1/payouts/{payout.pk}/payslip/"))


def test_salary_agreements_are_never_cached(demo):  # noqa: F811
    hr = signed_in("hr")
    listed = hr.get("/api/v1/salary-agreements/")
    assert_not_stored(listed)
    first = listed.json()["results"][0]["id"]
    assert_not_stored(hr.get(f"/api/v1/salary-agreements/{first}/"))
    refused = signed_in("marketer").get("/api/v1/salary-agreements/")
    assert refused.status_code == 403 and "no-store" in refused["Cache-Control"]
