"""Approval asks for confirmation (issue 13, item 6), in a real browser: the second HR user
opens the calculated run, clicks approve, reads the summary (people, totals, warnings, the
change against the previous month's approved run) and confirms; the run is approved."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from engine import Period
from organizations.models import Employee
from payroll.models import PayrollRun, RunStatus
from payroll.services import payroll_run_approve, payroll_run_start
from portal.formatting import format_money
from tests.portal.test_browser import sign_in

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("demo"),
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods"),
]


def calculated(period: str) -> PayrollRun:
    company = Employee.objects.get(personnel_number="DEMO-A").company
    run, _ = payroll_run_start(company=company, period=Period.parse(period), started_by=User.objects.get(username="hr"))
    run.refresh_from_db()
    assert run.status == RunStatus.CALCULATED
    return run


def test_hr2_approves_november_after_confirming_the_summary(page: Page, live_server, eager_celery, screenshot):
    # given: October approved, November calculated (started by hr)
    october = payroll_run_approve(run=calculated("2026-10"), approved_by=User.objects.get(username="hr2"))
    november = calculated("2026-11")
    currency = november.company.currency

    # when: hr2 opens November and clicks approve
    sign_in(page, live_server, "hr2")
    page.goto(f"{live_server.url}/portal/hr/runs/{november.pk}/")
    page.get_by_test_id("approve").click()

    # then: the summary, not yet an approval
    summary = page.get_by_test_id("approval-summary")
    expect(summary).to_be_visible()
    expect(page.get_by_test_id("summary-people")).to_contain_text(str(november.employees_total))
    expect(page.get_by_test_id("summary-total")).to_contain_text(format_money(november.total, currency))
    expect(page.get_by_test_id("summary-total")).to_contain_text(format_money(october.total, currency))
    assert november.warnings_count == 1  # the demo's M-035 has a KPI with no definition
    expect(page.get_by_test_id("summary-warnings")).to_contain_text("1 employee has warnings")
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "calculated")
    november.refresh_from_db()
    assert november.status == RunStatus.CALCULATED
    screenshot(page, "hr-approve-summary")

    # when: hr2 confirms
    page.get_by_test_id("confirm-approve").click()

    # then: the run page says approved, and the history says why
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "approved")
    expect(page.locator(".timeline")).to_contain_text("approved after confirming the summary")
    november.refresh_from_db()
    assert (november.status, november.approved_by.username) == (RunStatus.APPROVED, "hr2")


def test_a_provisional_preview_cannot_be_confirmed(page: Page, live_server, eager_celery):
    from django.utils import timezone

    run = calculated(str(Period.of(timezone.localdate())))  # this month: not ended
    sign_in(page, live_server, "hr2")
    page.goto(f"{live_server.url}/portal/hr/runs/{run.pk}/")
    expect(page.get_by_test_id("provisional")).to_be_visible()
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("approval-refused")).to_contain_text("has not ended")
    expect(page.get_by_test_id("confirm-approve")).to_be_disabled()
