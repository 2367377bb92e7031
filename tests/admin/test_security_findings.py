"""Issue 10, items 1-3 and the admin's share of item 4, each as it was reported: HR and
finance of the demo company against the "other" company's rows (`admin_world`)."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kpis.models import KpiSet, Plan
from organizations.models import Company, CompanyMembership, Employee
from payroll.models import Payout, PayrollRun, RunStatus
from tests.admin.conftest import form_data
from tests.admin.test_history import text

pytestmark = pytest.mark.django_db
OTHER_MARKERS = ("Other Agency", "Other O-1", "Other O-2", "other_hr", "other_finance", "Other bands", "Other leads")


@pytest.fixture
def login(admin_world, db):
    """`login(role, company="demo")`: a test client logged in as that user."""

    def make(role: str, company: str = "demo") -> Client:
        client = Client()
        client.force_login(admin_world.user(role, company))
        return client

    return make


def body(response) -> str:
    return response.content.decode()


def assert_nothing_of_other(response) -> None:
    text = body(response)
    assert not [marker for marker in OTHER_MARKERS if marker in text]


def other_run(world) -> PayrollRun:
    return PayrollRun.objects.get(pk=world.other.ids["payroll-runs"])


# --- 1. runs and payouts are company-scoped ---------------------------------------------


def test_hr_lists_only_its_own_company_runs_and_payouts(login, admin_world):
    hr = login("hr")

    runs = hr.get(reverse("admin:payroll_payrollrun_changelist"))
    payouts = hr.get(reverse("admin:payroll_payout_changelist"))

    assert runs.status_code == payouts.status_code == 200
    assert "Demo Marketing LLC" in body(runs) and "DEMO-A" in body(payouts)
    assert_nothing_of_other(runs)
    assert_nothing_of_other(payouts)


@pytest.mark.parametrize("role", ["hr", "finance"])
def test_another_company_payout_and_its_trace_cannot_be_opened(login, admin_world, role):
    payout = admin_world.other.ids["payouts"]

    response = login(role).get(reverse("admin:payroll_payout_change", args=[payout]), follow=True)

    assert "doesn’t exist" in body(response)
    assert "&quot;total&quot;" not in body(response)
    assert_nothing_of_other(response)


def test_the_filters_and_the_membership_form_list_only_the_own_company(login, admin_world):
    hr = login("hr")

    pages = [
        hr.get(reverse("admin:payroll_payrollrun_changelist")),
        hr.get(reverse("admin:payroll_payout_changelist")),
        hr.get(reverse("admin:organizations_employee_changelist")),
        hr.get(reverse("admin:kpis_plan_changelist")),
        hr.get(reverse("admin:organizations_companymembership_changelist")),
        hr.get(reverse("admin:organizations_companymembership_add")),
    ]

    assert [page.status_code for page in pages] == [200] * len(pages)
    for page in pages:
        assert_nothing_of_other(page)
    membership_form = pages[-1].context["adminform"].form
    assert list(membership_form.fields["company"].queryset) == [admin_world.demo.company]
    assert {user.pk for user in membership_form.fields["user"].queryset} == set(
        CompanyMembership.objects.filter(company=admin_world.demo.company).values_list("user_id", flat=True)
    )


def test_a_superuser_still_sees_both_companies(login, admin_world):
    response = login("superuser").get(reverse("admin:payroll_payrollrun_changelist"))

    assert "Demo Marketing LLC" in body(response) and "Other Agency" in body(response)


# --- 2. actions and the add form keep the company and the role ----------------------------


def test_hr_cannot_approve_another_company_run_from_the_list(login, admin_world):
    run = other_run(admin_world)

    page = login("hr").post(
        reverse("admin:payroll_payrollrun_changelist"), {"action": "approve", "_selected_action": [run.pk]}
    )
    login("hr").post(
        reverse("admin:payroll_payrollrun_changelist"),
        {"action": "approve", "_selected_action": [run.pk], "apply": "1", f"calculation-{run.pk}": run.calculation},
    )

    run.refresh_from_db()
    assert run.status == RunStatus.CALCULATED
    assert admin_world.other.company.name not in page.content.decode()


def test_hr_cannot_start_a_run_for_another_company(login, admin_world):
    response = login("hr").post(
        reverse("admin:payroll_payrollrun_add"), {"company": admin_world.other.company.pk, "period": "2026-12"}
    )

    assert response.status_code == 200
    assert "company" in response.context["adminform"].form.errors
    assert not PayrollRun.objects.filter(period="2026-12").exists()
    assert list(response.context["adminform"].form.fields["company"].queryset) == [admin_world.demo.company]


@pytest.mark.parametrize("action", ["approve", "recalculate", "cancel", "mark_paid", "delete_selected"])
def test_finance_runs_no_action(login, admin_world, action):
    run = PayrollRun.objects.get(pk=admin_world.demo.ids["payroll-runs"])
    finance = login("finance")

    page = finance.get(reverse("admin:payroll_payrollrun_changelist"))
    finance.post(
        reverse("admin:payroll_payrollrun_changelist"),
        {"action": action, "_selected_action": [run.pk], "post": "yes"},
    )

    assert page.context["action_form"] is None or action not in dict(
        page.context["action_form"].fields["action"].choices
    )
    run.refresh_from_db()
    assert (run.status, run.calculation) == (RunStatus.CALCULATED, 1)


def test_hr_approves_its_own_company_run_under_four_eyes(login, admin_world):
    run = PayrollRun.objects.get(pk=admin_world.demo.ids["payroll-runs"])  # started by hr2

    confirm = {
        "action": "approve",
        "_selected_action": [run.pk],
        "apply": "1",
        f"calculation-{run.pk}": run.calculation,
    }
    refused = login("hr2").post(reverse("admin:payroll_payrollrun_changelist"), confirm, follow=True)
    run.refresh_from_db()
    assert run.status == RunStatus.CALCULATED
    assert "four-eyes rule" in body(refused)

    login("hr").post(reverse("admin:payroll_payrollrun_changelist"), confirm)
    run.refresh_from_db()
    assert run.status == RunStatus.APPROVED
    assert run.approved_by == admin_world.user("hr")


def test_mark_paid_in_the_admin_is_a_superusers(login, admin_world):
    run = PayrollRun.objects.get(pk=admin_world.demo.ids["approved-run"])
    data = {
        "action": "mark_paid", "_selected_action": [run.pk],
        "apply": "1", "payment_date": timezone.localdate().isoformat(), "payment_reference": "BANK-1",
    }  # fmt: skip

    login("hr").post(reverse("admin:payroll_payrollrun_changelist"), data)
    run.refresh_from_db()
    assert run.status == RunStatus.APPROVED

    login("superuser").post(reverse("admin:payroll_payrollrun_changelist"), data)
    run.refresh_from_db()
    assert run.status == RunStatus.PAID


def test_hr_cannot_copy_a_preset_into_another_company(login, admin_world):
    preset = KpiSet.objects.filter(company=None).first()
    before = KpiSet.objects.filter(company=admin_world.other.company).count()

    response = login("hr").post(
        reverse("admin:kpis_kpiset_changelist"),
        {
            "action": "copy_preset",
            "_selected_action": [preset.pk],
            "apply": "1",
            "company": admin_world.other.company.pk,
        },
    )

    assert response.status_code == 200  # the form again: that company is not a choice
    assert "company" in response.context["form"].errors
    assert KpiSet.objects.filter(company=admin_world.other.company).count() == before
    assert_nothing_of_other(response)


def test_autocomplete_offers_only_the_own_company(login, admin_world):
    response = login("hr").get(
        "/admin/autocomplete/",
        {"app_label": "payroll", "model_name": "adjustment", "field_name": "employee", "term": "Other"},
    )

    assert response.status_code == 200
    assert response.json()["results"] == []


# --- 3. the history views keep the company and the change permission ---------------------


def employee_versions(employee_id: int) -> list[int]:
    return list(Employee.history.filter(id=employee_id).order_by("history_id").values_list("history_id", flat=True))


@pytest.mark.parametrize("role", ["hr", "finance"])
@pytest.mark.parametrize(
    ("model", "key"),
    [
        ("organizations.employee", "employees"),
        ("compensation.bandtable", "band-tables"),
        ("compensation.bonusscheme", "bonus-schemes"),
        ("kpis.kpiset", "kpi-sets"),
        ("kpis.plan", "plans"),
        ("kpis.measurevalue", "measure-values"),
        ("organizations.company", "companies"),
    ],
)
def test_another_company_history_and_versions_cannot_be_read(login, admin_world, role, model, key):
    app_label, model_name = model.split(".")
    tracked = apps.get_model(model)
    pk = admin_world.other.ids[key]
    version = tracked.history.filter(id=pk).latest("history_id").history_id
    client = login(role)

    history = client.get(reverse(f"admin:{app_label}_{model_name}_history", args=[pk]), follow=True)
    form = client.get(reverse(f"admin:{app_label}_{model_name}_simple_history", args=[pk, version]), follow=True)

    assert "doesn’t exist" in body(history) and "doesn’t exist" in body(form)
    assert_nothing_of_other(history)
    assert_nothing_of_other(form)


def test_reverting_another_company_employee_moves_nothing(login, admin_world):
    employee = Employee.objects.get(pk=admin_world.other.ids["employees"])
    version = employee_versions(employee.pk)[0]
    url = reverse("admin:organizations_employee_simple_history", args=[employee.pk, version])
    data = {**form_data(login("superuser").get(url)), "company": admin_world.demo.company.pk}

    response = login("hr").post(url, data)

    assert response.status_code == 302 and response.url == reverse("admin:index")
    employee.refresh_from_db()
    assert employee.company == admin_world.other.company


def test_finance_cannot_change_a_plan_through_its_history_form(login, admin_world):
    plan = Plan.objects.get(pk=admin_world.demo.ids["plans"])
    version = plan.history.latest("history_id").history_id
    url = reverse("admin:kpis_plan_simple_history", args=[plan.pk, version])
    finance = login("finance")
    data = {**form_data(finance.get(url)), "value": "999"}

    change = finance.post(reverse("admin:kpis_plan_change", args=[plan.pk]), data)
    revert = finance.post(url, data)

    assert change.status_code == revert.status_code == 403
    plan.refresh_from_db()
    assert plan.value != Decimal("999")


def test_revert_is_a_superusers_only(login, admin_world):
    employee = Employee.objects.get(pk=admin_world.demo.ids["employees"])
    version = employee_versions(employee.pk)[0]
    url = reverse("admin:organizations_employee_simple_history", args=[employee.pk, version])
    hr = login("hr")
    page = hr.get(url)
    data = {**form_data(page), "full_name": "Reverted"}

    refused = hr.post(url, data)
    employee.refresh_from_db()
    assert page.status_code == 200 and page.context["revert_disabled"]
    assert refused.status_code == 403 and employee.full_name != "Reverted"

    done = login("superuser").post(url, data)
    employee.refresh_from_db()
    assert done.status_code == 302 and employee.full_name == "Reverted"


def test_an_own_row_history_lists_its_versions(login, admin_world):
    pk = admin_world.demo.ids["employees"]

    response = login("finance").get(reverse("admin:organizations_employee_history", args=[pk]))

    assert response.status_code == 200
    assert "Alexei Seedov" in body(response)
    assert_nothing_of_other(response)


# --- 4. four-eyes and automatic runs are a superuser's switch -----------------------------


def company_post(client, company: Company, **changes) -> dict:
    url = reverse("admin:organizations_company_change", args=[company.pk])
    return {**form_data(client.get(url)), **changes}


def test_hr_cannot_switch_four_eyes_or_automatic_runs(login, admin_world):
    company = admin_world.demo.company
    hr = login("hr")
    data = company_post(hr, company, name="Demo Renamed")
    data.pop("four_eyes_approval", None)  # a browser would not send the unchecked box
    data["automatic_runs"] = "on"

    response = hr.post(reverse("admin:organizations_company_change", args=[company.pk]), data)

    company.refresh_from_db()
    assert response.status_code == 302
    assert company.name == "Demo Renamed"  # what HR may change is saved
    assert (company.four_eyes_approval, company.automatic_runs) == (True, False)


def test_a_superuser_switches_four_eyes_and_the_company_history_shows_it(login, admin_world):
    company = admin_world.demo.company
    admin = login("superuser")
    data = company_post(admin, company)
    data.pop("four_eyes_approval", None)

    admin.post(reverse("admin:organizations_company_change", args=[company.pk]), data)
    history = login("hr").get(reverse("admin:organizations_company_history", args=[company.pk]))

    company.refresh_from_db()
    assert company.four_eyes_approval is False
    assert history.status_code == 200
    assert "Four eyes approval: True → False" in text(history)
    assert_nothing_of_other(history)


def test_hr_adds_and_deletes_no_company(login, admin_world):
    hr = login("hr")

    add = hr.get(reverse("admin:organizations_company_add"))
    delete = hr.post(reverse("admin:organizations_company_delete", args=[admin_world.demo.company.pk]), {"post": "yes"})

    assert add.status_code == delete.status_code == 403
    assert Company.objects.filter(pk=admin_world.demo.company.pk).exists()


# --- other apps' admins ---------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/admin/auth/user/", "/admin/auth/group/", "/admin/django_celery_beat/periodictask/"])
def test_other_apps_admins_are_a_superusers_even_with_every_permission(login, admin_world, url):
    assert login("orphan").get(url).status_code == 403
    assert login("hr").get(url).status_code == 403
    assert login("superuser").get(url).status_code == 200


def test_a_payout_of_the_own_company_opens_for_finance(login, admin_world):
    payout = Payout.objects.get(pk=admin_world.demo.ids["payouts"])

    response = login("finance").get(reverse("admin:payroll_payout_change", args=[payout.pk]))

    assert response.status_code == 200
    assert "&quot;total&quot;" in body(response)
