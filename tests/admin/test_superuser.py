"""The admin as the superuser's tool (issue 14, item 2): every company's rows, choices and
filters, and the rules that protect the data still hold for them (the two-company world,
`admin_world`). Who else is refused: test_roles_matrix.py."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from kpis.models import KpiSet
from organizations.models import Company, Employee
from payroll.models import Adjustment
from tests.admin.conftest import form_data
from tests.admin.test_history import text

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(admin_world, db) -> Client:
    client = Client()
    client.force_login(admin_world.superuser)
    return client


def body(response) -> str:
    return response.content.decode()


def test_lists_show_every_company(operator):
    runs = body(operator.get(reverse("admin:payroll_payrollrun_changelist")))
    employees = body(operator.get(reverse("admin:organizations_employee_changelist")))

    assert "Demo Marketing LLC" in runs and "Other Agency" in runs
    assert "DEMO-A" in employees and "Other O-1" in employees


def test_the_company_filter_and_the_choices_offer_every_company(operator, admin_world):
    changelist = operator.get(reverse("admin:organizations_employee_changelist"))
    membership = operator.get(reverse("admin:organizations_companymembership_add")).context["adminform"].form
    imports = operator.get(reverse("admin:kpis_plan_import")).context["form"]

    [company_filter] = [f for f in changelist.context["cl"].filter_specs if f.title == "company"]
    assert {name for _, name in company_filter.lookup_choices} == {"Demo Marketing LLC", "Other Agency"}
    assert set(membership.fields["company"].queryset) == set(Company.objects.all())
    assert set(membership.fields["user"].queryset) == set(User.objects.all())
    assert set(imports.fields["company"].queryset) == set(Company.objects.all())


def test_a_preset_is_copied_into_any_company(operator, admin_world):
    preset = KpiSet.objects.filter(company=None).exclude(name__startswith="Stage 2 · variant 1").first()
    chosen = {"action": "copy_preset", "_selected_action": [preset.pk]}

    operator.post(reverse("admin:kpis_kpiset_changelist"), {**chosen, "apply": "1", "company": admin_world.other.company.pk})

    assert KpiSet.objects.filter(company=admin_world.other.company, name=preset.name).exists()


def test_reverting_an_employee_to_an_old_version(operator, admin_world):
    employee = Employee.objects.get(pk=admin_world.demo.ids["employees"])
    version = employee.history.order_by("history_id").first().history_id
    url = reverse("admin:organizations_employee_simple_history", args=[employee.pk, version])
    page = operator.get(url)

    done = operator.post(url, {**form_data(page), "full_name": "Reverted"})

    employee.refresh_from_db()
    assert page.status_code == 200 and not page.context["revert_disabled"]
    assert done.status_code == 302 and employee.full_name == "Reverted"


def test_an_adjustment_is_not_reverted_either(operator, admin_world):
    """Read-only after it is added: corrected by deleting it and entering another."""
    adjustment = Adjustment.objects.get(pk=admin_world.demo.ids["adjustments"])
    version = adjustment.history.order_by("history_id").first().history_id
    url = reverse("admin:payroll_adjustment_simple_history", args=[adjustment.pk, version])
    page = operator.get(url)

    refused = operator.post(url, {**form_data(page), "amount": "999.00"})

    adjustment.refresh_from_db()
    assert page.status_code == 200 and page.context["revert_disabled"]
    assert refused.status_code == 403 and adjustment.amount != Decimal("999.00")


def test_switching_four_eyes_shows_in_the_company_history(operator, admin_world):
    company = admin_world.demo.company
    url = reverse("admin:organizations_company_change", args=[company.pk])
    data = form_data(operator.get(url))
    data.pop("four_eyes_approval", None)  # a browser does not send the unchecked box

    operator.post(url, data)
    history = operator.get(reverse("admin:organizations_company_history", args=[company.pk]))

    company.refresh_from_db()
    assert company.four_eyes_approval is False
    assert "Four eyes approval: True → False" in text(history)


def test_a_company_is_added_and_an_unused_one_deleted(operator):
    added = operator.post(
        reverse("admin:organizations_company_add"),
        {
            "name": "Third", "slug": "third", "currency": "RUB", "language": "ru", "four_eyes_approval": "on",
            "stages-TOTAL_FORMS": 0, "stages-INITIAL_FORMS": 0,
            "calendar_days-TOTAL_FORMS": 0, "calendar_days-INITIAL_FORMS": 0,
        },
    )  # fmt: skip
    third = Company.objects.get(slug="third")
    deleted = operator.post(reverse("admin:organizations_company_delete", args=[third.pk]), {"post": "yes"})

    assert added.status_code == deleted.status_code == 302
    assert not Company.objects.filter(slug="third").exists()
