"""Data and form helpers for the admin tests (the catalogue and presets come from the data
migration)."""

from datetime import date
from decimal import Decimal

import pytest

from compensation.models import BandPoint, BandTable, Company, Employee, SalaryAgreement
from kpis.models import Kpi


def inline(prefix: str, rows: list[dict], *, initial: int = 0) -> dict[str, object]:
    """POST data of one inline formset: its management form and its rows."""
    data: dict[str, object] = {
        f"{prefix}-TOTAL_FORMS": len(rows),
        f"{prefix}-INITIAL_FORMS": initial,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


def inline_errors(response, index: int = 0) -> list[dict]:
    """Each row's errors of the page's inline number `index`, as {field: [messages]}."""
    formset = response.context["inline_admin_formsets"][index].formset
    return [{field: list(messages) for field, messages in form.errors.items()} for form in formset.forms]


def non_form_errors(response, index: int = 0) -> list[str]:
    return list(response.context["inline_admin_formsets"][index].formset.non_form_errors())


@pytest.fixture
def company() -> Company:
    return Company.objects.create(name="Romashka", slug="romashka")


@pytest.fixture
def catalogue() -> dict[str, Kpi]:
    return {kpi.code: kpi for kpi in Kpi.objects.filter(company=None)}


@pytest.fixture
def employee(company) -> Employee:
    return Employee.objects.create(
        company=company,
        personnel_number="M-001",
        full_name="Anna Petrova",
        position="Marketer",
        hire_date=date(2026, 1, 1),
    )


@pytest.fixture
def salary(employee) -> SalaryAgreement:
    return SalaryAgreement.objects.create(
        employee=employee, effective_from=date(2026, 1, 1), monthly_amount=Decimal("30000.00")
    )


@pytest.fixture
def band_table(company) -> BandTable:
    table = BandTable.objects.create(company=company, name="k1 bands")
    for lower, coefficient in [("0", "0"), ("80", "0.5"), ("100", "1")]:
        BandPoint.objects.create(table=table, lower_bound_pct=Decimal(lower), coefficient=Decimal(coefficient))
    return table
