"""Two companies for the API tests: the demo one and "other", each with its people, pay,
band table, scheme, KPI set, plans, measures, an approved run (2026-10) and a calculated
run (2026-11) with payouts, and a token per role.

The world is built once per test module inside a transaction that is rolled back when the
module ends; every test runs in a savepoint inside it (as Django's `setUpTestData`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test import TestCase
from knox.models import AuthToken
from rest_framework.test import APIClient

from compensation.demo import seed_demo
from compensation.models import BandTable, BonusScheme, SalaryAgreement, SchemeAssignment, SchemeFactor
from compensation.services import band_table_save, bonus_scheme_save
from config.celery import app as celery_app
from engine import Period
from kpis.models import Kpi, KpiSet, Measure, MeasureValue, Plan
from kpis.services import kpi_set_copy_preset
from organizations.models import CalendarDay, Company, CompanyMembership, CompanyStage, Employee
from payroll.models import Adjustment, Payout, PayrollRun
from payroll.services import payroll_run_approve, payroll_run_start

D = Decimal
ROLES = ("superuser", "hr", "finance", "marketer", "anonymous")


@dataclass
class Side:
    """One company as the tests see it: its users by role and one row of each resource."""

    company: Company
    users: dict[str, User] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)


@dataclass
class World:
    demo: Side
    other: Side
    superuser: User

    def side(self, name: str) -> Side:
        return self.demo if name == "demo" else self.other

    def user(self, role: str, company: str = "demo") -> User | None:
        if role == "anonymous":
            return None
        if role == "superuser":
            return self.superuser
        return self.side(company).users[role]


def client_for(user: User | None) -> APIClient:
    """An API client that sends a new token of the user's (none for anonymous)."""
    client = APIClient()
    if user is not None:
        _, token = AuthToken.objects.create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture(autouse=True)
def _eager(eager_celery):
    """Tasks run in this process (when a test runs the on-commit callbacks); never a broker."""


def _calculated_run(company: Company, period: str, started_by: User) -> PayrollRun:
    """Start a run and let the (eager) Celery tasks compute it, all inside the caller's
    transaction: the on-commit callbacks are run where they are queued."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        run, _ = payroll_run_start(company=company, period=Period.parse(period), started_by=started_by, chunk_size=10)
    run.refresh_from_db()
    assert run.status == "calculated", run.error
    return run


def _member(username: str, company: Company, role: str) -> User:
    user = User.objects.create_user(username=username, password="x", first_name=username)
    CompanyMembership.objects.create(user=user, company=company, role=role)
    return user


def _own_catalogue(company: Company, prefix: str) -> tuple[Measure, Kpi]:
    measure = Measure.objects.create(company=company, code=f"{prefix}_calls", name="Calls")
    kpi = Kpi(company=company, code=f"{prefix}_calls", name="Calls", measure=measure)
    kpi.full_clean()
    kpi.save()
    return measure, kpi


def _runs(side: Side, starter: User, approver: User) -> None:
    october = _calculated_run(side.company, "2026-10", starter)
    payroll_run_approve(run=october, approved_by=approver)
    november = _calculated_run(side.company, "2026-11", starter)
    marketer_employee = side.users["marketer"].employee
    side.ids.update(
        {
            "payroll-runs": november.pk,
            "approved-run": october.pk,
            "payouts": Payout.objects.get(run=november, employee=marketer_employee).pk,
            "released-payout": Payout.objects.get(run=october, employee=marketer_employee).pk,
        }
    )


def _build_demo() -> Side:
    company = seed_demo()
    users = {name: User.objects.get(username=name) for name in ("hr", "hr2", "finance", "marketer")}
    # A second marketer (DEMO-B), to show one marketer never sees another's pay.
    users["marketer2"] = _member("marketer2", company, "marketer")
    Employee.objects.filter(company=company, personnel_number="DEMO-B").update(user=users["marketer2"])
    side = Side(company, users)
    measure, kpi = _own_catalogue(company, "demo")
    employee = Employee.objects.get(company=company, personnel_number="DEMO-A")
    _runs(side, starter=users["hr2"], approver=users["hr"])
    adjustment = Adjustment.objects.create(employee=employee, period="2026-12", amount=D("500.00"), reason="bonus")
    side.ids.update(_ids(company, employee, measure, kpi, adjustment))
    return side


def _build_other() -> Side:
    """A second company, compact: two marketers on a leads × CPL scheme and a stage set."""
    company = Company.objects.create(name="Other Agency", slug="other", currency="USD", language="en")
    users = {role: _member(f"other_{role}", company, role) for role in ("hr", "hr2", "finance", "marketer")}
    CompanyStage.objects.create(company=company, stage=2, effective_from=date(2026, 1, 1))
    CalendarDay.objects.create(company=company, date=date(2026, 11, 4), kind="holiday", name="Unity Day")
    preset = KpiSet.objects.get(company=None, name__startswith="Stage 2 · variant 1")
    kpi_set_copy_preset(preset=preset, company=company, activate=True)
    measure, kpi = _own_catalogue(company, "other")
    bands = band_table_save(
        table=BandTable(company=company, name="Other bands"), points=[(D(0), D(0)), (D(80), D("0.5")), (D(100), D(1))]
    )
    leads = Kpi.objects.get(company=None, code="leads")
    scheme = bonus_scheme_save(
        scheme=BonusScheme(company=company, name="Other leads"),
        factors=[SchemeFactor(name="k1", input_kind="kpi", kpi=leads, band_table=bands)],
    )
    catalogue = {m.code: m for m in Measure.objects.filter(company=None, code__in=["leads", "marketing_spend"])}
    employees = []
    for number, user in (("O-1", users["marketer"]), ("O-2", None)):
        employee = Employee.objects.create(
            company=company, personnel_number=number, full_name=f"Other {number}", hire_date=date(2025, 1, 1), user=user
        )
        SalaryAgreement.objects.create(employee=employee, effective_from=date(2025, 1, 1), monthly_amount=D("1000.00"))
        SchemeAssignment.objects.create(employee=employee, scheme=scheme, effective_from=date(2025, 1, 1))
        for period in ("2026-10", "2026-11"):
            Plan.objects.create(employee=employee, period=period, kpi=leads, value=D(100))
            MeasureValue.objects.create(employee=employee, period=period, measure=catalogue["leads"], value=D(90))
        employees.append(employee)
    side = Side(company, users)
    _runs(side, starter=users["hr"], approver=users["hr2"])
    adjustment = Adjustment.objects.create(employee=employees[0], period="2026-12", amount=D("5.00"), reason="bonus")
    side.ids.update(_ids(company, employees[0], measure, kpi, adjustment))
    return side


def _ids(company: Company, employee: Employee, measure: Measure, kpi: Kpi, adjustment: Adjustment) -> dict[str, int]:
    """One row of each resource that belongs to the company; of the inputs, a row of an open
    period (2026-10 is approved, so closed: tests/closing/ writes to it), and for the rows
    in force from a date on, one from 2027 on (added here)."""
    later = date(2027, 2, 1)
    stage = CompanyStage.objects.create(company=company, stage=2, effective_from=later)
    salary = SalaryAgreement.objects.create(employee=employee, effective_from=later, monthly_amount=D("30000.00"))
    scheme = employee.scheme_assignments.order_by("effective_from").last().scheme
    assignment = SchemeAssignment.objects.create(employee=employee, scheme=scheme, effective_from=later)
    return {
        "companies": company.pk,
        "company-stages": stage.pk,
        "calendar-days": CalendarDay.objects.filter(company=company).first().pk,
        "employees": employee.pk,
        "salary-agreements": salary.pk,
        "band-tables": BandTable.objects.filter(company=company).first().pk,
        "bonus-schemes": BonusScheme.objects.filter(company=company).first().pk,
        "scheme-assignments": assignment.pk,
        "measures": measure.pk,
        "kpis": kpi.pk,
        "kpi-sets": KpiSet.objects.filter(company=company, is_active=True).first().pk,
        "plans": employee.plans.filter(period="2026-11").first().pk,
        "measure-values": employee.measure_values.filter(period="2026-11").first().pk,
        "adjustments": adjustment.pk,
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> World:
    previous = celery_app.conf.task_always_eager
    outer = transaction.atomic()
    with django_db_blocker.unblock():
        outer.__enter__()
        try:
            from kpis.catalogue import install_catalogue
            from kpis.models import KpiSetItem

            if not KpiSet.objects.filter(company=None).exists():  # flushed by a transactional test
                install_catalogue(Measure, Kpi, KpiSet, KpiSetItem)
            celery_app.conf.task_always_eager = True
            built = World(demo=_build_demo(), other=_build_other(), superuser=User.objects.get(username="admin"))
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
        finally:
            celery_app.conf.task_always_eager = previous
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def api(world, db):
    """`api(role, company="demo")`: a client authenticated as that role of that company."""

    def make(role: str, company: str = "demo") -> APIClient:
        return client_for(world.user(role, company))

    return make
