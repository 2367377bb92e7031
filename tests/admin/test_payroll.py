"""Payroll in the admin: a run is started, calculated and approved through the payroll
services; runs and payouts are read-only; adjustments refuse a closed period."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from compensation.demo import seed_demo
from config.celery import app as celery_app
from payroll.models import Adjustment, PayrollRun, RunStatus

pytestmark = pytest.mark.django_db
CHANGELIST_URL = reverse("admin:payroll_payrollrun_changelist")


@pytest.fixture(autouse=True)
def eager_celery(monkeypatch):
    """Calculate in this process, whatever broker `make test` configures."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


@pytest.fixture
def calculated_run(admin_client, django_capture_on_commit_callbacks) -> PayrollRun:
    company = seed_demo()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:payroll_payrollrun_add"), {"company": company.pk, "period": "2026-11"}
        )
    assert response.status_code == 302
    return PayrollRun.objects.get(company=company, period="2026-11")


@pytest.fixture
def second_admin(client) -> object:
    client.force_login(User.objects.create_superuser("hr-lead", "lead@example.com", "x"))
    return client


def test_a_run_started_in_the_admin_is_calculated_with_payouts_and_traces(admin_client, admin_user, calculated_run):
    payouts = admin_client.get(reverse("admin:payroll_payout_changelist"), {"run__id__exact": calculated_run.pk})
    payout = calculated_run.payouts.select_related("employee").get(employee__personnel_number="DEMO-A")
    detail = admin_client.get(reverse("admin:payroll_payout_change", args=[payout.pk]))
    run_page = admin_client.get(reverse("admin:payroll_payrollrun_change", args=[calculated_run.pk]))

    assert calculated_run.status == RunStatus.CALCULATED
    assert calculated_run.started_by == admin_user
    assert payouts.status_code == 200
    assert "DEMO-A" in payouts.content.decode()
    assert payout.total == Decimal("45000.00")
    assert detail.status_code == 200
    assert "&quot;total&quot;" in detail.content.decode()
    assert f"{calculated_run.payouts.count()} payouts" in run_page.content.decode()


def confirm_approval(client, run: PayrollRun, **extra):
    """The approve action's second step: confirm the calculation the summary showed."""
    data = {"action": "approve", "_selected_action": [run.pk], "apply": "1", f"calculation-{run.pk}": run.calculation}
    return client.post(CHANGELIST_URL, {**data, **extra}, follow=True)


def test_approve_in_the_admin_shows_the_summary_first(calculated_run, second_admin):
    page = second_admin.post(CHANGELIST_URL, {"action": "approve", "_selected_action": [calculated_run.pk]})

    calculated_run.refresh_from_db()
    assert calculated_run.status == RunStatus.CALCULATED  # nothing approved by opening the summary
    body = page.content.decode()
    assert page.status_code == 200
    assert f"calculation no. {calculated_run.calculation}" in body
    assert f"<td>{calculated_run.total} RUB</td>" in body and f"<td>{calculated_run.employees_total}</td>" in body
    assert f'name="calculation-{calculated_run.pk}" value="{calculated_run.calculation}"' in body

    confirm_approval(second_admin, calculated_run)
    calculated_run.refresh_from_db()
    assert calculated_run.status == RunStatus.APPROVED
    assert calculated_run.transitions.order_by("pk").last().note == "approved in the administration"


def test_approve_in_the_admin_refuses_a_calculation_other_than_the_one_shown(calculated_run, second_admin):
    response = confirm_approval(
        second_admin, calculated_run, **{f"calculation-{calculated_run.pk}": calculated_run.calculation - 1}
    )

    calculated_run.refresh_from_db()
    assert calculated_run.status == RunStatus.CALCULATED
    assert "was calculated again" in response.content.decode()


def test_approval_by_whoever_started_the_run_is_refused(admin_client, calculated_run):
    response = confirm_approval(admin_client, calculated_run)

    assert "four-eyes rule" in response.content.decode()
    calculated_run.refresh_from_db()
    assert calculated_run.status == RunStatus.CALCULATED


def test_someone_else_approves_then_adjustments_for_the_period_are_refused(calculated_run, second_admin):
    confirm_approval(second_admin, calculated_run)
    employee = calculated_run.payouts.first().employee

    response = second_admin.post(
        reverse("admin:payroll_adjustment_add"),
        {"employee": employee.pk, "period": "2026-11", "amount": "500.00", "reason": "late bonus"},
    )

    calculated_run.refresh_from_db()
    assert calculated_run.status == RunStatus.APPROVED
    assert response.status_code == 200
    [message] = response.context["adminform"].form.errors["period"]
    assert message.startswith(f"an adjustment of {employee.personnel_number} for 2026-11 reaches a closed period: ")
    assert "November 2026 was approved by" in message and message.endswith("; record a correction")
    assert not Adjustment.objects.exists()


def test_an_adjustment_in_an_open_period_records_who_entered_it(admin_client, admin_user):
    employee = seed_demo().employees.first()

    response = admin_client.post(
        reverse("admin:payroll_adjustment_add"),
        {"employee": employee.pk, "period": "2026-12", "amount": "-250.00", "reason": "correction"},
    )

    assert response.status_code == 302
    adjustment = Adjustment.objects.get(employee=employee)
    assert (adjustment.amount, adjustment.created_by) == (Decimal("-250.00"), admin_user)
