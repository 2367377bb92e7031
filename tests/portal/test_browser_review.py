"""The run page's review before approval in a real browser (Chromium through Playwright,
against the live server; a Content-Security-Policy violation fails the test): HR filters
and sorts the payouts, sees the histogram and the grouped warnings, opens a statement,
recalculates after a fix and reads what changed."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from engine import Period
from kpis.models import MeasureValue
from organizations.models import Employee
from payroll.models import PayrollRun, RunStatus
from payroll.services import payroll_run_approve, payroll_run_start
from tests.portal.test_browser import sign_in

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("demo"),
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods"),
]
NOVEMBER = "2026-11"


def calculated(period: str, by: str = "hr") -> PayrollRun:
    company = Employee.objects.get(personnel_number="DEMO-A").company
    run, _ = payroll_run_start(company=company, period=Period.parse(period), started_by=User.objects.get(username=by))
    run.refresh_from_db()
    assert run.status == RunStatus.CALCULATED
    return run


def test_hr_reviews_the_payouts_before_approving(page: Page, live_server, eager_celery, screenshot):
    # given: October approved, November calculated
    payroll_run_approve(run=calculated("2026-10"), approved_by=User.objects.get(username="hr2"))
    run = calculated(NOVEMBER)
    employees = run.payouts.count()
    demo_a = run.payouts.get(employee__personnel_number="DEMO-A")

    # when: hr opens the run
    sign_in(page, live_server, "hr")
    page.goto(f"{live_server.url}/portal/hr/runs/{run.pk}/")

    # then: every payout is listed, with the change against October, and the histogram is a picture
    table = page.get_by_test_id("review-payouts")
    expect(page.get_by_test_id("payouts-count")).to_have_text(str(employees))
    expect(table.locator("tbody tr")).to_have_count(min(employees, 50))
    histogram = page.get_by_test_id("bonus-histogram").locator("svg")
    expect(histogram).to_be_visible()
    expect(histogram.locator("title").first).to_have_text("How many employees get each size of bonus")
    counts = [int(n) for n in page.locator("[data-bucket]").evaluate_all("nodes => nodes.map(n => n.dataset.count)")]
    assert sum(counts) == employees
    expect(page.get_by_test_id("warning-groups").locator("tbody tr").first).to_be_visible()
    screenshot(page, "hr-run-review")

    # when: hr sorts by change, largest first (two clicks on the header)
    table.get_by_role("link", name="Change").click()
    expect(page).to_have_url(re.compile(r"sort=change"))
    page.get_by_test_id("review-payouts").get_by_role("link", name="Change").click()
    expect(page).to_have_url(re.compile(r"sort=-change"))
    expect(page.locator('th[aria-sort="descending"]')).to_contain_text("Change")

    # when: hr looks for DEMO-A by personnel number
    page.get_by_label("Name or personnel no.").fill("demo-a")
    page.get_by_role("button", name="Show").click()

    # then: one row, whose link opens the payout's statement
    rows = page.get_by_test_id("review-payouts").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-number", "DEMO-A")
    rows.first.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(rf"/portal/payouts/{demo_a.pk}/statement/$"))


def test_after_a_recalculation_the_page_shows_what_changed(page: Page, live_server, eager_celery, screenshot):
    # given: November calculated; then DEMO-A's November leads are corrected from 200 to 150
    run = calculated(NOVEMBER)
    before = run.payouts.get(employee__personnel_number="DEMO-A").total
    MeasureValue.objects.filter(employee__personnel_number="DEMO-A", period=NOVEMBER, measure__code="leads").update(
        value=Decimal(150)
    )

    # when: hr recalculates from the run page
    sign_in(page, live_server, "hr")
    page.goto(f"{live_server.url}/portal/hr/runs/{run.pk}/")
    expect(page.get_by_test_id("recalculation-changes")).to_have_count(0)
    page.get_by_role("button", name="Recalculate").click()

    # then: the run is calculated again and the page names DEMO-A's change and the input behind it
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "calculated", timeout=10_000)
    changes = page.get_by_test_id("recalculation-changes")
    expect(changes).to_be_visible()
    row = changes.locator('[data-changed="DEMO-A"]')
    expect(row).to_contain_text("Measure: Leads: 200.0000 → 150.0000")
    after = run.payouts.get(employee__personnel_number="DEMO-A").total
    assert after != before
    expect(row).to_contain_text(f"{before:,.2f}")
    screenshot(page, "hr-run-changes")
