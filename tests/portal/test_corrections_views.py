"""HR's corrections pages through Django's test client: who may open them, another
company's correction does not exist, a refusal is said on the page, and the form records
what the service records (the whole path is in test_browser_corrections.py)."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client, TestCase

from compensation.demo import seed_demo
from engine import Period
from kpis.models import Measure
from organizations.models import CompanyMembership, Employee
from payroll.models import Correction
from payroll.services import payroll_run_approve, payroll_run_start
from payroll.services.corrections import ChangeSpec, correction_create
from tests.factories import CompanyFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]
LIST = "/portal/hr/corrections/"


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def november():
    company = seed_demo()
    with TestCase.captureOnCommitCallbacks(execute=True):
        run, _ = payroll_run_start(company=company, period=Period.parse("2026-11"), started_by=User.objects.get(username="hr"))
    run.refresh_from_db()
    return payroll_run_approve(run=run, approved_by=User.objects.get(username="hr2"))


@pytest.fixture
def correction(november):
    employee = Employee.objects.get(personnel_number="DEMO-A")
    leads = Measure.objects.get(company=None, code="leads")
    return correction_create(
        company=november.company, period="2026-11", reason="14 leads disqualified",
        changes=[ChangeSpec(employee=employee, kind="measure", measure=leads, value=Decimal(186))],
        created_by=User.objects.get(username="hr"),
    )  # fmt: skip


@pytest.mark.parametrize(("username", "status"), [("hr", 200), ("hr2", 200), ("finance", 403), ("marketer", 403)])
def test_only_hr_opens_the_corrections(correction, username, status):
    client = client_for(User.objects.get(username=username))
    assert client.get(LIST).status_code == status
    assert client.get(f"{LIST}{correction.pk}/").status_code == status


def test_another_companys_hr_finds_no_such_correction(correction):
    stranger = User.objects.create_user("elsewhere_hr", password="x")
    CompanyMembership.objects.create(user=stranger, company=CompanyFactory(), role="hr")
    client = client_for(stranger)
    assert client.get(f"{LIST}{correction.pk}/").status_code == 404
    assert client.post(f"{LIST}{correction.pk}/cancel/").status_code == 404
    assert str(correction.reason) not in client.get(LIST).content.decode()
    correction.refresh_from_db()
    assert correction.status == "draft"


def test_the_form_records_a_correction_and_the_approval_refusal_is_shown(november):
    hr = client_for(User.objects.get(username="hr"))
    employee = Employee.objects.get(personnel_number="DEMO-A")
    leads = Measure.objects.get(company=None, code="leads")
    response = hr.post(
        f"{LIST}new/",
        {"period": "2026-11", "employee": employee.pk, "kind": "measure", "measure": leads.pk, "value": "186", "reason": "late"},
    )
    correction = Correction.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{LIST}{correction.pk}/"
    assert correction.changes.get().value == Decimal(186)
    with TestCase.captureOnCommitCallbacks(execute=True):
        hr.post(f"{LIST}{correction.pk}/calculate/")
    refused = hr.post(f"{LIST}{correction.pk}/approve/", follow=True)
    assert "four-eyes" in refused.content.decode()
    correction.refresh_from_db()
    assert correction.status == "calculated"


def test_a_correction_of_an_open_month_is_refused_with_the_reason(november):
    hr = client_for(User.objects.get(username="hr"))
    employee = Employee.objects.get(personnel_number="DEMO-A")
    leads = Measure.objects.get(company=None, code="leads")
    response = hr.post(
        f"{LIST}new/",
        {"period": "2026-12", "employee": employee.pk, "kind": "measure", "measure": leads.pk, "value": "1", "reason": "x"},
        follow=True,
    )
    assert not Correction.objects.exists()
    assert "December 2026 is not closed" in response.content.decode()
