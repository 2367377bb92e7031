"""The closed-period rule through the services, on the demo after November is approved (the
issue's "done when"): which writes reach November, precisely, and the refusal's words."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import TestCase
from django.utils import timezone

from compensation.demo import seed_demo
from compensation.models import SalaryAgreement, SchemeAssignment
from core import periods
from core.periods import PERIOD_CLOSED, PeriodClosedError
from engine import Period
from kpis.imports import measures_import, plans_import
from kpis.models import Kpi, Measure, MeasureValue, Plan
from kpis.services import measure_value_upsert, plan_upsert
from organizations.models import CalendarDay, CompanyStage, Employee
from payroll.models import Payout
from payroll.services import adjustment_create, payroll_run_approve, payroll_run_start
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def november(eager_celery):
    """The demo with November calculated (by hr) and approved (by hr2): November is closed."""
    company = seed_demo()
    hr, hr2 = User.objects.get(username="hr"), User.objects.get(username="hr2")
    with TestCase.captureOnCommitCallbacks(execute=True):
        run, _ = payroll_run_start(company=company, period=Period.parse("2026-11"), started_by=hr)
    run.refresh_from_db()
    assert run.status == "calculated", run.error
    return payroll_run_approve(run=run, approved_by=hr2)


def sentence(run) -> str:
    day = timezone.localtime(run.approved_at)
    return f"November 2026 was approved by Harry HR on {day.day} {day.strftime('%b %Y')}; record a correction"


def demo_a() -> Employee:
    return Employee.objects.get(personnel_number="DEMO-A")


def test_done_when_editing_a_november_measure_through_the_api_answers_409(november):
    value = MeasureValue.objects.get(employee=demo_a(), period="2026-11", measure__code="leads")
    payout = Payout.objects.get(run=november, employee=demo_a())

    response = client_for(User.objects.get(username="hr")).patch(
        f"/api/v1/measure-values/{value.pk}/", {"value": "10"}, format="json"
    )

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == PERIOD_CLOSED
    assert error["message"] == f"the measure value of DEMO-A for 2026-11 reaches a closed period: {sentence(november)}"
    value.refresh_from_db()
    assert value.value == Decimal(200)
    assert Payout.objects.get(pk=payout.pk).total == payout.total == Decimal("45000.00")


def test_the_services_refuse_november_and_write_nothing(november):
    leads_kpi, leads = Kpi.objects.get(company=None, code="leads"), Measure.objects.get(company=None, code="leads")
    for write in (
        lambda: plan_upsert(employee=demo_a(), period="2026-11", kpi=leads_kpi, value=Decimal(1)),
        lambda: measure_value_upsert(employee=demo_a(), period="2026-11", measure=leads, value=Decimal(1)),
        lambda: adjustment_create(employee=demo_a(), period="2026-11", amount=Decimal(5), reason="late"),
    ):
        with pytest.raises(PeriodClosedError) as refused:
            write()
        assert refused.value.message.endswith(sentence(november))
    assert Plan.objects.get(employee=demo_a(), period="2026-11", kpi=leads_kpi).value == Decimal(200)
    assert MeasureValue.objects.get(employee=demo_a(), period="2026-11", measure=leads).value == Decimal(200)
    # December is open
    assert plan_upsert(employee=demo_a(), period="2026-12", kpi=leads_kpi, value=Decimal(1)).pk


@pytest.mark.parametrize("importer", [plans_import, measures_import], ids=["plans", "measures"])
def test_a_file_with_one_november_row_is_refused_whole(november, importer):
    content = b"personnel_number,period,code,value\nDEMO-A,2026-12,leads,7\nDEMO-B,2026-11,leads,7\n"
    result = importer(company=november.company, file_name="late.csv", content=content)
    assert [(p.code, p.row, p.column, p.message) for p in result.errors] == [
        ("period_closed", 3, "period", sentence(november))
    ]
    assert not Plan.objects.filter(period="2026-12").exists()
    assert not MeasureValue.objects.filter(period="2026-12").exists()


def refused(row, *, delete: bool = False) -> bool:
    return periods.refusal(row, delete=delete) is not None


def test_a_salary_agreement_is_refused_only_where_it_changes_a_closed_days_pay(november):
    employee = demo_a()
    # a raise from the next open month on is entered; one backdated into November is a correction
    assert not refused(SalaryAgreement(employee=employee, effective_from=date(2026, 12, 1), monthly_amount=1))
    assert refused(SalaryAgreement(employee=employee, effective_from=date(2026, 11, 20), monthly_amount=1))
    # the agreement in force in November: neither changed nor deleted
    current = employee.salary_agreements.get()
    current.monthly_amount = Decimal("31000.00")
    assert refused(current)
    assert refused(employee.salary_agreements.get(), delete=True)
    # one that starts before an agreement from December on governs nothing of November
    later = SalaryAgreement.objects.create(employee=employee, effective_from=date(2026, 12, 1), monthly_amount=2)
    later.monthly_amount = Decimal(3)
    assert not refused(later)
    # …but moving that one back into November does
    later.effective_from = date(2026, 11, 30)
    assert refused(later)
    # a new joiner's agreement dated before they were hired pays nothing in November
    joiner = Employee.objects.create(
        company=november.company, personnel_number="NEW-1", full_name="New", hire_date=date(2026, 12, 1)
    )
    assert not refused(SalaryAgreement(employee=joiner, effective_from=date(2026, 1, 1), monthly_amount=1))
    assert not refused(SchemeAssignment(employee=joiner, scheme_id=employee.scheme_assignments.get().scheme_id,
                                        effective_from=date(2026, 1, 1)))  # fmt: skip
    assert refused(SchemeAssignment(employee=employee, scheme_id=employee.scheme_assignments.get().scheme_id,
                                    effective_from=date(2026, 11, 2)))  # fmt: skip


def test_employment_dates_are_refused_only_where_they_move_across_a_closed_day(november):
    employee = demo_a()
    employee.termination_date = date(2026, 11, 30)  # worked all of November either way
    assert not refused(employee)
    employee.termination_date = date(2026, 11, 29)
    assert refused(employee)
    joiner = Employee.objects.get(personnel_number="DEMO-C")  # hired 9 November
    joiner.hire_date = date(2026, 11, 10)
    assert refused(joiner)
    joiner = Employee.objects.get(personnel_number="DEMO-C")
    joiner.full_name, joiner.position = "Clara Renamed", "Lead"  # not what November paid
    assert not refused(joiner)
    assert not refused(Employee(company=november.company, personnel_number="X", full_name="X", hire_date=date(2026, 1, 1)))


def test_stages_and_calendar_days_reach_the_months_the_run_reads_them_for(november):
    company = november.company
    assert refused(CompanyStage(company=company, stage=3, effective_from=date(2026, 11, 30)))  # November's last day
    assert not refused(CompanyStage(company=company, stage=3, effective_from=date(2026, 12, 1)))
    assert refused(CalendarDay(company=company, date=date(2026, 11, 4)))
    assert not refused(CalendarDay(company=company, date=date(2026, 12, 4)))
    new_year = CalendarDay.objects.filter(company=company).first()  # January 2027
    assert not refused(new_year, delete=True)
    new_year.date = date(2026, 11, 5)
    assert refused(new_year)
