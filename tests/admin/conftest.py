"""Data and form helpers for the admin tests (the catalogue and presets come from the data
migration), and `admin_world`: the API tests' two companies, whose every login is made staff
with every permission (the admin still answers the superuser alone)."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User

from compensation.models import BandPoint, BandTable, SalaryAgreement
from kpis.models import ImportLog, Kpi
from organizations.models import Company, Employee
from tests.api.conftest import World, world  # noqa: F401  (the module-scoped two-company world)


@pytest.fixture(scope="module")
def admin_world(world, django_db_blocker) -> World:  # noqa: F811
    """`world` (tests/api/conftest.py), built once per module, where every HR, finance and
    marketer login of both companies, and a staff account with no company ("orphan"), is
    staff and holds every Django permission there is: neither lets anyone but a superuser
    into the admin (tests/admin/test_roles_matrix.py). Each company also gets an import log."""
    with django_db_blocker.unblock():
        every = list(Permission.objects.all())
        orphan = User.objects.create_user("orphan", password="x", is_staff=True)
        world.demo.users["orphan"] = orphan
        for side in (world.demo, world.other):
            for user in side.users.values():
                user.is_staff = True
                user.save(update_fields=["is_staff"])
                user.user_permissions.set(every)
            ImportLog.objects.create(
                company=side.company, kind="plans", file_name=f"{side.company.slug}-plans.xlsx", status="applied"
            )
    return world


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


def form_data(response) -> dict[str, object]:
    """What a browser sends back from an admin form page as rendered (the change form, a
    history version's form): the main form and each inline formset, values unchanged."""
    from django.forms import CheckboxInput

    data: dict[str, object] = {}

    def add(form) -> None:
        for name, field in form.fields.items():
            bound = form[name]
            value = bound.value()
            if isinstance(field.widget, CheckboxInput):
                if value:
                    data[bound.html_name] = "on"
            elif value is not None:
                data[bound.html_name] = value

    add(response.context["adminform"].form)
    for inline_formset in response.context.get("inline_admin_formsets", []):
        add(inline_formset.formset.management_form)
        for form in inline_formset.formset.forms:
            add(form)
    return data
