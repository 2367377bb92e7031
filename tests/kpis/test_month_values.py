"""A month of plans or measure values written at once (`kpis.services.period_values_save`)
and last month's plans copied (`plans_copy_from_previous`): all or nothing, only the
company's employees, never into a closed month, with history."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from core.periods import PeriodClosedError
from kpis.models import MeasureValue, Plan
from kpis.services import UNKNOWN_CELL, ValuesRefused, period_values_save, plans_copy_from_previous
from payroll.models import PayrollRun, RunStatus
from tests.factories import CompanyFactory, EmployeeFactory, catalogue_kpi, catalogue_measure

pytestmark = pytest.mark.django_db
OCTOBER, NOVEMBER = "2026-10", "2026-11"


@pytest.fixture
def company():
    return CompanyFactory()


def plan(employee, code, period=NOVEMBER, value=None):
    if value is not None:
        return Plan.objects.create(employee=employee, period=period, kpi=catalogue_kpi(code), value=Decimal(value))
    row = Plan.objects.filter(employee=employee, period=period, kpi=catalogue_kpi(code)).first()
    return None if row is None else row.value


# --- plans_copy_from_previous -------------------------------------------------------------


def test_copy_brings_last_months_plans_to_people_employed_now_and_keeps_what_is_set(company):
    # given: October plans for a stayer, a leaver (gone before November) and a person with a November plan
    stayer = EmployeeFactory(company=company)
    leaver = EmployeeFactory(company=company, termination_date=date(2026, 10, 31))
    planned = EmployeeFactory(company=company)
    for employee in (stayer, leaver, planned):
        plan(employee, "leads", OCTOBER, "150")
        plan(employee, "cpl", OCTOBER, "520.5")
    plan(planned, "leads", NOVEMBER, "180")
    elsewhere = EmployeeFactory()  # another company's
    plan(elsewhere, "leads", OCTOBER, "99")
    hr = User.objects.create_user("hr-copy")

    # when
    copied = plans_copy_from_previous(company=company, period=NOVEMBER, copied_by=hr)

    # then
    assert (copied.copied, copied.kept) == (3, 1)
    assert plan(stayer, "leads") == Decimal(150) and plan(stayer, "cpl") == Decimal("520.5")
    assert plan(planned, "leads") == Decimal(180) and plan(planned, "cpl") == Decimal("520.5")
    assert plan(leaver, "leads") is None and plan(elsewhere, "leads") is None
    history = Plan.history.filter(period=NOVEMBER, employee_id=stayer.pk)
    assert history.count() == 2 and {h.history_user_id for h in history} == {hr.pk}
    assert {h.history_change_reason for h in history} == {"copied from 2026-10"}
    # and again: nothing left to copy
    assert plans_copy_from_previous(company=company, period=NOVEMBER) == type(copied)(0, 4)


def test_copy_refuses_a_closed_month(company):
    employee = EmployeeFactory(company=company)
    plan(employee, "leads", OCTOBER, "150")
    PayrollRun.objects.create(company=company, period=NOVEMBER, status=RunStatus.APPROVED)

    with pytest.raises(PeriodClosedError, match="November 2026 was approved"):
        plans_copy_from_previous(company=company, period=NOVEMBER)

    assert plan(employee, "leads") is None


# --- period_values_save ---------------------------------------------------------------------


def test_values_are_read_as_typed_and_only_changes_are_written(company):
    first, second = EmployeeFactory(company=company), EmployeeFactory(company=company)
    leads, cpl = catalogue_kpi("leads"), catalogue_kpi("cpl")
    plan(first, "leads", NOVEMBER, "200")
    plan(first, "cpl", NOVEMBER, "500")

    saved = period_values_save(
        kind="plans",
        company=company,
        period=NOVEMBER,
        cells={(first.pk, leads.pk): "200", (first.pk, cpl.pk): "", (second.pk, leads.pk): "1 500,5", (second.pk, cpl.pk): " "},
    )

    assert (saved.created, saved.updated, saved.deleted, saved.changed) == (1, 0, 1, 2)
    assert plan(first, "leads") == Decimal(200) and plan(first, "cpl") is None
    assert plan(second, "leads") == Decimal("1500.5") and plan(second, "cpl") is None
    assert Plan.history.filter(employee_id=first.pk, kpi_id=leads.pk).count() == 1  # unchanged: no new history row


def test_measure_values_follow_their_units_rules(company):
    employee = EmployeeFactory(company=company)
    leads, spend = catalogue_measure("leads"), catalogue_measure("marketing_spend")

    with pytest.raises(ValuesRefused) as refused:
        period_values_save(kind="measures", company=company, period=NOVEMBER, cells={(employee.pk, leads.pk): "-3", (employee.pk, spend.pk): "10"})

    assert [(p.employee_id, p.target_id) for p in refused.value.problems] == [(employee.pk, leads.pk)]
    assert not MeasureValue.objects.filter(employee=employee).exists()  # the good cell is not written either


def test_one_bad_cell_writes_nothing_and_every_bad_cell_is_named(company):
    first, second = EmployeeFactory(company=company), EmployeeFactory(company=company)
    leads, cpl = catalogue_kpi("leads"), catalogue_kpi("cpl")

    with pytest.raises(ValuesRefused) as refused:
        period_values_save(
            kind="plans",
            company=company,
            period=NOVEMBER,
            cells={(first.pk, leads.pk): "210", (first.pk, cpl.pk): "abc", (second.pk, leads.pk): "0"},
        )

    problems = {(p.employee_id, p.target_id): p for p in refused.value.problems}
    assert set(problems) == {(first.pk, cpl.pk), (second.pk, leads.pk)}
    assert "not a number" in problems[(first.pk, cpl.pk)].message
    assert not Plan.objects.filter(employee__company=company).exists()


def test_another_companys_employee_is_refused_and_nothing_is_written(company):
    own, stranger = EmployeeFactory(company=company), EmployeeFactory()
    leads = catalogue_kpi("leads")

    with pytest.raises(ValuesRefused) as refused:
        period_values_save(kind="plans", company=company, period=NOVEMBER, cells={(own.pk, leads.pk): "5", (stranger.pk, leads.pk): "5"})

    assert [(p.employee_id, p.code) for p in refused.value.problems] == [(stranger.pk, UNKNOWN_CELL)]
    assert not Plan.objects.exists()


def test_a_closed_month_takes_no_values(company):
    employee = EmployeeFactory(company=company)
    PayrollRun.objects.create(company=company, period=NOVEMBER, status=RunStatus.APPROVED)

    with pytest.raises(PeriodClosedError):
        period_values_save(kind="plans", company=company, period=NOVEMBER, cells={(employee.pk, catalogue_kpi("leads").pk): "5"})

    assert not Plan.objects.exists()


def test_a_row_written_meanwhile_is_refused_as_a_concurrent_change(company, monkeypatch):
    from django.db import IntegrityError

    from kpis import imports, services

    def clash(*args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(services, "bulk_create_with_history", clash)
    employee = EmployeeFactory(company=company)

    with pytest.raises(ValuesRefused) as refused:
        period_values_save(kind="plans", company=company, period=NOVEMBER, cells={(employee.pk, catalogue_kpi("leads").pk): "5"})

    assert [p.code for p in refused.value.problems] == [imports.CONCURRENT_CHANGE]
