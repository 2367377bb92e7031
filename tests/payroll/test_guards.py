"""Guards on the month (issue 13, item 6): a month that has not ended is only a provisional
preview, never approved; approval confirms a summary of the calculation it approves;
marking paid records the payment's date and reference; every transition says why."""

import io
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from rest_framework.test import APIClient

from compensation.demo import seed_demo
from engine import Period
from organizations.models import Company
from payroll.approval import run_approval_summary
from payroll.excel.services import payroll_sheet_write
from payroll.models import PayrollRun, RunStatus
from payroll.services import (
    MONTH_NOT_ENDED,
    RUN_CHANGED,
    RUN_PROVISIONAL,
    RunStateError,
    payroll_run_approve,
    payroll_run_mark_paid,
    payroll_run_recalculate,
    payroll_run_start,
)
from portal.labels import warning_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _eager(eager_celery):
    """Runs are calculated in this process."""


@pytest.fixture
def demo() -> Company:
    return seed_demo()


def user(name: str) -> User:
    return User.objects.get(username=name)


def this_month() -> Period:
    return Period.of(timezone.localdate())


@pytest.fixture
def start(django_capture_on_commit_callbacks):
    def start(company, period, by="hr", **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            run, _ = payroll_run_start(company=company, period=period, started_by=user(by), chunk_size=7, **kwargs)
        run.refresh_from_db()
        return run

    return start


@pytest.fixture
def today(monkeypatch):
    """`today(date)` moves the site's date (what every guard asks) to that day."""

    def move(day: date) -> None:
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)

    return move


# --- provisional runs ---------------------------------------------------------------------


def test_a_month_not_ended_is_refused_unless_asked_for_as_a_preview(demo, start):
    with pytest.raises(RunStateError) as refused:
        start(demo, this_month(), provisional=False)
    assert refused.value.code == MONTH_NOT_ENDED and "provisional preview" in refused.value.message
    assert not PayrollRun.objects.filter(period=str(this_month())).exists()

    run = start(demo, this_month(), provisional=True)
    assert run.status == RunStatus.CALCULATED and run.provisional
    assert run.transitions.first().note == "started as a provisional preview"


def test_an_ended_month_is_not_provisional(demo, start):
    run = start(demo, this_month().previous, provisional=False)
    assert not run.provisional


def test_a_preview_is_not_approved_before_the_month_has_passed_nor_before_a_recalculation(
    demo, start, today, django_capture_on_commit_callbacks
):
    period = this_month()
    run = start(demo, period)  # the dates decide (admin, command): a preview
    assert run.provisional
    with pytest.raises(RunStateError) as refused:
        payroll_run_approve(run=run, approved_by=user("hr2"))
    assert refused.value.code == MONTH_NOT_ENDED
    assert (period.last_day + timedelta(days=1)).isoformat() in refused.value.message

    today(period.last_day)  # the last day has not passed yet
    with pytest.raises(RunStateError) as refused:
        payroll_run_approve(run=run, approved_by=user("hr2"))
    assert refused.value.code == MONTH_NOT_ENDED

    today(period.last_day + timedelta(days=1))  # the month is over, the figures are still the preview's
    with pytest.raises(RunStateError) as refused:
        payroll_run_approve(run=run, approved_by=user("hr2"))
    assert refused.value.code == RUN_PROVISIONAL

    with django_capture_on_commit_callbacks(execute=True):
        payroll_run_recalculate(run=run, requested_by=user("hr"))
    run.refresh_from_db()
    assert run.status == RunStatus.CALCULATED and not run.provisional
    assert payroll_run_approve(run=run, approved_by=user("hr2")).status == RunStatus.APPROVED


def test_the_api_marks_a_preview_and_refuses_to_approve_it(demo, django_capture_on_commit_callbacks):
    api = APIClient()
    api.force_authenticate(user("hr"))
    refused = api.post("/api/v1/payroll-runs/", {"period": str(this_month()), "provisional": False}, format="json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == MONTH_NOT_ENDED
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post("/api/v1/payroll-runs/", {"period": str(this_month()), "provisional": True}, format="json")
    assert started.status_code == 201 and started.json()["provisional"] is True
    run_id = started.json()["id"]

    hr2 = APIClient()
    hr2.force_authenticate(user("hr2"))
    answer = hr2.post(f"/api/v1/payroll-runs/{run_id}/approve/")
    assert answer.status_code == 409 and answer.json()["error"]["code"] == MONTH_NOT_ENDED
    assert PayrollRun.objects.get(pk=run_id).status == RunStatus.CALCULATED


def test_the_sheet_title_says_provisional(demo, start):
    run = start(demo, this_month())
    target = io.BytesIO()
    payroll_sheet_write(run=run, target=target)
    title = openpyxl.load_workbook(io.BytesIO(target.getvalue())).worksheets[0]["A1"].value
    assert title.endswith("(предварительный расчёт: месяц не закончился)")  # the demo company's sheets are Russian


# --- the portal's run form ----------------------------------------------------------------


def test_the_run_form_proposes_the_last_ended_month_and_asks_before_a_preview(demo, django_capture_on_commit_callbacks):
    client = Client()
    client.force_login(user("hr"))
    page = client.get(reverse("portal:runs")).content.decode()
    assert f'value="{this_month().previous}"' in page
    assert 'name="provisional"' in page

    answer = client.post(reverse("portal:run_start"), {"period": str(this_month())}, follow=True)
    assert "has not ended yet" in answer.content.decode()
    assert not PayrollRun.objects.filter(period=str(this_month())).exists()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:run_start"), {"period": str(this_month()), "provisional": "1"})
    run = PayrollRun.objects.get(period=str(this_month()))
    assert run.provisional
    assert 'data-testid="provisional-badge"' in client.get(reverse("portal:runs")).content.decode()
    assert 'data-testid="provisional"' in client.get(reverse("portal:run", args=[run.pk])).content.decode()


# --- approval confirms a summary ----------------------------------------------------------


def test_the_summary_compares_with_the_previous_months_approved_run(demo, start):
    november = this_month().previous
    october = start(demo, november.previous)
    payroll_run_approve(run=october, approved_by=user("hr2"))
    run = start(demo, november)
    summary = run_approval_summary(run)
    assert summary.previous == october
    assert summary.people.now == run.employees_total and summary.people.before == october.employees_total
    total = summary.figures[-1]
    assert (total.now, total.before, total.delta) == (run.total, october.total, run.total - october.total)
    assert summary.refusal == "" and summary.books_problems == []
    assert summary.warned_employees == run.warnings_count
    assert sum(count for _, count in summary.warning_kinds) >= run.warnings_count


def test_approving_in_the_portal_shows_the_summary_first_then_approves_what_was_shown(demo, start):
    run = start(demo, this_month().previous)
    client = Client()
    client.force_login(user("hr2"))

    # the run page's approve button (a POST without confirmation) leads to the summary
    answer = client.post(reverse("portal:run_action", args=[run.pk, "approve"]))
    assert answer.status_code == 302 and answer["Location"] == reverse("portal:run_approve", args=[run.pk])
    page = client.get(reverse("portal:run_approve", args=[run.pk])).content.decode()
    assert 'data-testid="approval-summary"' in page and 'data-testid="confirm-approve"' in page
    kinds = run_approval_summary(run).warning_kinds
    assert kinds  # the demo's November has warnings: each kind is said in words, with its count
    for code, count in kinds:
        assert f"<li>{escape(warning_text({'code': code, 'message': code}))}: {count}</li>" in page
        assert f"<li>{code}: " not in page
    run.refresh_from_db()
    assert run.status == RunStatus.CALCULATED

    # a confirmation of an older calculation is refused
    client.post(reverse("portal:run_approve", args=[run.pk]), {"confirm": "1", "calculation": run.calculation - 1})
    run.refresh_from_db()
    assert run.status == RunStatus.CALCULATED

    client.post(reverse("portal:run_approve", args=[run.pk]), {"confirm": "1", "calculation": run.calculation})
    run.refresh_from_db()
    assert (run.status, run.approved_by) == (RunStatus.APPROVED, user("hr2"))
    assert run.transitions.get(to_status="approved").note == "approved after confirming the summary"


def test_the_api_gives_the_summary_and_approves_the_calculation_it_showed(demo, start):
    november = this_month().previous
    october = start(demo, november.previous)
    payroll_run_approve(run=october, approved_by=user("hr2"))
    run = start(demo, november)
    api = APIClient()
    api.force_authenticate(user("hr2"))

    summary = api.get(f"/api/v1/payroll-runs/{run.pk}/approval-summary/").json()
    assert (summary["run"], summary["calculation"], summary["previous_run"]) == (run.pk, run.calculation, october.pk)
    total = summary["figures"][-1]
    assert total == {
        "figure": "total",
        "now": str(run.total),
        "before": str(october.total),
        "delta": str(run.total - october.total),
        "pct": None
        if october.total == 0
        else str(((run.total - october.total) * 100 / october.total).quantize(Decimal("0.1"))),
    }
    assert summary["people"]["now"] == str(run.employees_total)
    assert summary["warned_employees"] == run.warnings_count and summary["four_eyes_blocks"] is False
    assert sum(kind["warnings"] for kind in summary["warning_kinds"]) >= run.warnings_count
    assert summary["refusal"] == "" and summary["books_problems"] == []

    stale = api.post(f"/api/v1/payroll-runs/{run.pk}/approve/", {"calculation": run.calculation - 1}, format="json")
    assert stale.status_code == 409 and stale.json()["error"]["code"] == RUN_CHANGED
    approved = api.post(f"/api/v1/payroll-runs/{run.pk}/approve/", {"calculation": run.calculation}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"


def test_the_api_summary_of_a_preview_says_why_and_whose_turn_it_is(demo, start):
    run = start(demo, this_month())
    api = APIClient()
    api.force_authenticate(user("hr"))  # who started it
    summary = api.get(f"/api/v1/payroll-runs/{run.pk}/approval-summary/").json()
    assert "has not ended" in summary["refusal"] and summary["four_eyes_blocks"] is True
    marketer = APIClient()
    marketer.force_authenticate(User.objects.filter(employee__isnull=False).first())
    assert marketer.get(f"/api/v1/payroll-runs/{run.pk}/approval-summary/").status_code == 403


def test_the_summary_says_which_inputs_changed_after_the_calculation(demo, start):
    from kpis.models import MeasureValue

    run = start(demo, this_month().previous)
    assert run_approval_summary(run).inputs_changed == []
    value = MeasureValue.objects.filter(employee__company=demo, period=run.period, measure__code="leads").first()
    value.value += 1
    value.save()

    assert run_approval_summary(run).inputs_changed == [("measure values", 1)]
    client = Client()
    client.force_login(user("hr2"))
    page = client.get(reverse("portal:run_approve", args=[run.pk])).content.decode()
    assert 'data-testid="inputs-changed"' in page and "measure values: 1" in page
    api = APIClient()
    api.force_authenticate(user("hr2"))
    summary = api.get(f"/api/v1/payroll-runs/{run.pk}/approval-summary/").json()
    assert summary["inputs_changed"] == [{"kind": "measure values", "rows": 1}]

    with TestCase.captureOnCommitCallbacks(execute=True):
        payroll_run_recalculate(run=run, requested_by=user("hr"))
    run.refresh_from_db()
    assert run.status == RunStatus.CALCULATED and run_approval_summary(run).inputs_changed == []


def test_a_stale_confirmation_is_refused_by_the_service(demo, start):
    run = start(demo, this_month().previous)
    with pytest.raises(RunStateError) as refused:
        payroll_run_approve(run=run, approved_by=user("hr2"), calculation=run.calculation + 1)
    assert refused.value.code == RUN_CHANGED


def test_the_summary_of_a_preview_says_why_it_cannot_be_approved(demo, start):
    run = start(demo, this_month())
    client = Client()
    client.force_login(user("hr2"))
    page = client.get(reverse("portal:run_approve", args=[run.pk])).content.decode()
    assert 'data-testid="approval-refused"' in page and "has not ended" in page
    assert 'data-testid="confirm-approve" disabled' in page


# --- mark paid ----------------------------------------------------------------------------


@pytest.fixture
def approved(demo, start) -> PayrollRun:
    run = start(demo, this_month().previous)
    return payroll_run_approve(run=run, approved_by=user("hr2"))


def test_mark_paid_needs_a_date_and_a_reference(approved):
    finance = user("finance")
    for payment_date, reference, field in (
        (None, "BANK-1", "payment_date"),
        (timezone.localdate(), "  ", "payment_reference"),
        (timezone.localdate() + timedelta(days=1), "BANK-1", "payment_date"),
        (timezone.localdate() - timedelta(days=400), "BANK-1", "payment_date"),
    ):
        with pytest.raises(ValidationError) as refused:
            payroll_run_mark_paid(run=approved, by=finance, payment_date=payment_date, payment_reference=reference)
        assert field in refused.value.message_dict
    paid = payroll_run_mark_paid(
        run=approved, by=finance, payment_date=timezone.localdate(), payment_reference=" BANK-1 "
    )
    assert (paid.status, paid.payment_date, paid.payment_reference) == (RunStatus.PAID, timezone.localdate(), "BANK-1")
    assert (
        paid.transitions.get(to_status="paid").note == f"paid on {timezone.localdate().isoformat()}, reference BANK-1"
    )


def test_mark_paid_in_the_api_and_the_portal(approved):
    api = APIClient()
    api.force_authenticate(user("finance"))
    url = f"/api/v1/payroll-runs/{approved.pk}/mark-paid/"
    missing = api.post(url, {}, format="json")
    assert missing.status_code == 400 and "payment_reference" in str(missing.json())
    assert PayrollRun.objects.get(pk=approved.pk).status == RunStatus.APPROVED

    client = Client()
    client.force_login(user("finance"))
    answer = client.post(
        reverse("portal:run_paid", args=[approved.pk]), {"payment_date": timezone.localdate().isoformat()}, follow=True
    )
    assert "reference" in answer.content.decode()
    assert PayrollRun.objects.get(pk=approved.pk).status == RunStatus.APPROVED
    client.post(
        reverse("portal:run_paid", args=[approved.pk]),
        {"payment_date": timezone.localdate().isoformat(), "payment_reference": "SEPA-2026-11"},
    )
    run = PayrollRun.objects.get(pk=approved.pk)
    assert (run.status, run.payment_reference) == (RunStatus.PAID, "SEPA-2026-11")
    assert "SEPA-2026-11" in client.get(reverse("portal:finance")).content.decode()
    assert api.get(f"/api/v1/payroll-runs/{run.pk}/").json()["payment_reference"] == "SEPA-2026-11"


def test_hr_cannot_mark_paid_in_the_portal(approved):
    client = Client()
    client.force_login(user("hr"))
    answer = client.post(
        reverse("portal:run_paid", args=[approved.pk]),
        {"payment_date": timezone.localdate().isoformat(), "payment_reference": "X"},
    )
    assert answer.status_code == 403
    assert PayrollRun.objects.get(pk=approved.pk).status == RunStatus.APPROVED


def test_mark_paid_in_the_admin_asks_for_the_payment(approved):
    client = Client()
    client.force_login(User.objects.filter(is_superuser=True).first() or User.objects.create_superuser("root", "", "x"))
    url = reverse("admin:payroll_payrollrun_changelist")
    form = client.post(url, {"action": "mark_paid", "_selected_action": [approved.pk]})
    assert form.status_code == 200 and "payment_reference" in form.content.decode()
    assert PayrollRun.objects.get(pk=approved.pk).status == RunStatus.APPROVED
    client.post(
        url,
        {
            "action": "mark_paid", "_selected_action": [approved.pk], "apply": "1",
            "payment_date": timezone.localdate().isoformat(), "payment_reference": "ADMIN-1",
        },
    )  # fmt: skip
    run = PayrollRun.objects.get(pk=approved.pk)
    assert (run.status, run.payment_reference) == (RunStatus.PAID, "ADMIN-1")


# --- every transition says why ------------------------------------------------------------


def test_every_transition_keeps_who_when_and_why(approved, django_capture_on_commit_callbacks):
    payroll_run_mark_paid(run=approved, by=user("finance"), payment_date=timezone.localdate(), payment_reference="B-9")
    steps = list(approved.transitions.order_by("at", "id"))
    assert [s.to_status for s in steps] == ["queued", "calculating", "calculated", "approved", "paid"]
    assert all(s.note and s.at for s in steps)
    assert [s.by.username for s in steps if s.to_status in ("queued", "approved", "paid")] == ["hr", "hr2", "finance"]
    client = Client()
    client.force_login(user("hr"))
    history = client.get(reverse("portal:run", args=[approved.pk])).content.decode()
    assert "paid on" in history and "B-9" in history and "calculation finished" in history
    assert Decimal(approved.total) == approved.total
