"""The API tests' two-company world (tests/api/conftest.py), whose 2026-10 payroll is
approved — October is closed — and 2026-11 only calculated, with admin logins
(tests/admin/conftest.py); plus, per module, the demo company's rows of October that the
matrix tries to write."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from compensation.models import SalaryAgreement, SchemeAssignment
from kpis.models import Kpi, Measure, MeasureValue, Plan
from organizations.models import CalendarDay, CompanyStage, Employee
from payroll.models import Adjustment, PayrollRun
from tests.admin.conftest import admin_world  # noqa: F401
from tests.api.conftest import World, world  # noqa: F401


@dataclass
class Closed:
    """The demo company's rows that fed (or sit in) closed October, and what to name them."""

    employee: Employee
    plan: Plan
    measure_value: MeasureValue
    salary: SalaryAgreement
    assignment: SchemeAssignment
    stage: CompanyStage
    calendar_day: CalendarDay
    adjustment: Adjustment
    own_kpi: Kpi
    own_measure: Measure
    approver: str
    approved_on: str


@pytest.fixture(scope="module")
def closed(admin_world, django_db_blocker) -> Closed:  # noqa: F811
    with django_db_blocker.unblock():
        company = admin_world.demo.company
        employee = Employee.objects.get(company=company, personnel_number="DEMO-A")
        run = PayrollRun.objects.get(company=company, period="2026-10")
        assert run.status == "approved"
        approved = timezone.localtime(run.approved_at)  # the day as the message writes it
        return Closed(
            employee=employee,
            plan=Plan.objects.get(employee=employee, period="2026-10", kpi__code="leads"),
            measure_value=MeasureValue.objects.get(employee=employee, period="2026-10", measure__code="leads"),
            salary=employee.salary_agreements.order_by("effective_from").first(),
            assignment=employee.scheme_assignments.order_by("effective_from").first(),
            stage=CompanyStage.objects.filter(company=company).order_by("effective_from").first(),
            # written before anything checks (as a row entered before October was approved)
            calendar_day=CalendarDay.objects.create(company=company, date=date(2026, 10, 15), name="Founders' Day"),
            adjustment=Adjustment.objects.create(employee=employee, period="2026-10", amount=Decimal(1), reason="early"),
            own_kpi=Kpi.objects.get(company=company, code="demo_calls"),
            own_measure=Measure.objects.get(company=company, code="demo_calls"),
            approver=run.approved_by.get_full_name(),
            approved_on=f"{approved.day} {approved.strftime('%b %Y')}",
        )
