"""Rows a payroll run needs are not deleted (issue 10, items 7 and 15): an employee in a live
run (their payouts protect them already), and a stage, salary agreement, scheme assignment
or KPI set a calculated, approved or paid run was computed from. The API answers 409
`in_use`; `payroll.selectors.deletion_blockers` says why, for the admin."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db.models import ProtectedError

from compensation.demo import seed_demo
from compensation.models import SalaryAgreement, SchemeAssignment
from core.deletion import delete_unless_in_use
from engine import Period
from kpis.models import KpiSet
from organizations.models import CompanyStage, Employee
from payroll.models import RunStatus
from payroll.selectors import deletion_blockers, runs_using
from payroll.services import payroll_run_approve, payroll_run_cancel, payroll_run_start
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db
NOVEMBER = Period(2026, 11)


@pytest.fixture
def demo():
    return seed_demo()


@pytest.fixture
def hr():
    return client_for(User.objects.get(username="hr"))


@pytest.fixture
def run_of(django_capture_on_commit_callbacks, eager_celery):
    def start(company, period=NOVEMBER, *, calculate=True):
        with django_capture_on_commit_callbacks(execute=calculate):
            run, _ = payroll_run_start(company=company, period=period)
        run.refresh_from_db()
        return run

    return start


def delete(client, resource: str, pk: int):
    return client.delete(f"/api/v1/{resource}/{pk}/")


def in_use(response) -> str:
    assert response.status_code == 409, response.content[:300]
    assert response.json()["error"]["code"] == "in_use"
    return response.json()["error"]["message"]


def an_employee_without_payouts(company) -> Employee:
    employee = Employee.objects.create(company=company, personnel_number="NEW-1", full_name="New", hire_date=date(2026, 1, 1))
    SalaryAgreement.objects.create(employee=employee, effective_from=date(2026, 1, 1), monthly_amount=Decimal("1000.00"))
    return employee


def test_an_employee_in_a_live_run_is_not_deleted_until_it_ends(demo, hr, run_of):
    employee = an_employee_without_payouts(demo)
    run = run_of(demo, calculate=False)  # queued: its calculation has not begun
    assert run.status == RunStatus.QUEUED

    assert "payroll run" in in_use(delete(hr, "employees", employee.pk))
    assert deletion_blockers(employee) == ["the 2026-11 payroll run is calculating it"]
    with pytest.raises(ProtectedError):
        delete_unless_in_use(employee)

    payroll_run_cancel(run=run)
    assert delete(hr, "employees", employee.pk).status_code == 204


def test_an_employee_not_employed_in_the_live_runs_period_can_be_deleted(demo, hr, run_of):
    later = Employee.objects.create(company=demo, personnel_number="NEW-2", full_name="Later", hire_date=date(2027, 1, 1))
    run_of(demo, calculate=False)
    assert delete(hr, "employees", later.pk).status_code == 204


def test_an_employee_with_payouts_is_not_deleted(demo, hr, run_of):
    run = run_of(demo)
    employee = run.payouts.first().employee
    assert "payout" in in_use(delete(hr, "employees", employee.pk))
    assert Employee.objects.filter(pk=employee.pk).exists()


def test_rows_a_calculated_run_used_are_not_deleted(demo, hr, run_of):
    run = run_of(demo)
    assert run.status == RunStatus.CALCULATED
    employee = Employee.objects.get(company=demo, personnel_number="DEMO-A")
    stage = CompanyStage.objects.filter(company=demo, effective_from__lte=NOVEMBER.last_day).latest("effective_from")
    rows = {
        "company-stages": stage,
        "salary-agreements": employee.salary_agreements.latest("effective_from"),
        "scheme-assignments": employee.scheme_assignments.latest("effective_from"),
        "kpi-sets": KpiSet.objects.get(company=demo, stage=stage.stage, is_active=True),
    }
    for resource, row in rows.items():
        assert "payroll run" in in_use(delete(hr, resource, row.pk)), resource
        assert deletion_blockers(row) == ["the 2026-11 payroll run was calculated with it (calculated)"], resource
        assert type(row).objects.filter(pk=row.pk).exists()


def test_an_approved_run_keeps_its_rows_and_a_cancelled_one_does_not(demo, hr, run_of):
    run = run_of(demo)
    payroll_run_approve(run=run, approved_by=User.objects.get(username="hr"))
    employee = Employee.objects.get(company=demo, personnel_number="DEMO-A")
    salary = employee.salary_agreements.latest("effective_from")
    assert deletion_blockers(salary) == ["the 2026-11 payroll run was calculated with it (approved)"]

    other = run_of(demo, Period(2026, 10))
    payroll_run_cancel(run=other)
    assert runs_using(salary) == [run]


def test_rows_no_run_used_can_be_deleted(demo, hr, run_of):
    run_of(demo)
    employee = Employee.objects.get(company=demo, personnel_number="DEMO-A")
    future_stage = CompanyStage.objects.create(company=demo, stage=4, effective_from=date(2027, 1, 1))
    future_salary = SalaryAgreement.objects.create(
        employee=employee, effective_from=date(2026, 12, 1), monthly_amount=Decimal("99000.00")
    )
    future_scheme = SchemeAssignment.objects.create(
        employee=employee, scheme=employee.scheme_assignments.first().scheme, effective_from=date(2026, 12, 1)
    )
    for resource, row in (
        ("company-stages", future_stage),
        ("salary-agreements", future_salary),
        ("scheme-assignments", future_scheme),
    ):
        assert deletion_blockers(row) == [], resource
        assert delete(hr, resource, row.pk).status_code == 204, resource


def test_a_salary_agreement_replaced_before_the_period_was_not_used(demo, run_of):
    employee = Employee.objects.get(company=demo, personnel_number="DEMO-A")
    old = SalaryAgreement.objects.create(employee=employee, effective_from=date(2020, 1, 1), monthly_amount=Decimal("1.00"))
    run_of(demo)
    assert runs_using(old) == []
