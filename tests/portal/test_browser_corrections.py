"""A correction in a real browser (Chromium through Playwright, the live server, Celery
eager): from the approved November run's page, HR records 14 disqualified leads, calculates
the correction and sees approved, corrected and difference; the four-eyes rule leaves the
approval to the second HR user, whose approval posts the difference into December; the
December run and DEMO-A's December payslip carry it, with its reason."""

import io
import re

import openpyxl
import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from kpis.models import Measure
from payroll.models import Adjustment, Correction, Payout, PayrollRun, RunStatus
from tests.portal.test_browser import approved_november, sign_in, sign_out

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("demo"),
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods"),
]


def test_a_correction_from_creation_to_the_adjustment_on_the_next_payslip(page: Page, live_server, eager_celery, screenshot):
    # given: November approved (hr started it, hr2 approved it)
    november = approved_november()
    page.on("dialog", lambda dialog: dialog.accept())  # the approval's confirmation

    # when: hr opens November's run and follows "Corrections of this month"
    sign_in(page, live_server, "hr")
    page.goto(f"{live_server.url}/portal/hr/runs/{november.pk}/")
    page.get_by_test_id("run-corrections").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Corrections November 2026"))

    # and: records 14 disqualified leads of DEMO-A (200 → 186)
    form = page.get_by_test_id("correction-form")
    expect(form.get_by_label("Closed month")).to_have_value("2026-11")
    form.get_by_label("Employee").select_option(label="DEMO-A · Alexei Seedov")
    form.get_by_label("What is corrected").select_option("measure")
    form.get_by_label("Measure").select_option(str(Measure.objects.get(company=None, code="leads").pk))
    form.get_by_label("New value").fill("186")
    form.get_by_label("Reason").fill("14 leads disqualified")
    form.get_by_role("button", name="Record the correction").click()

    # then: a draft with the change, the approved value beside it
    expect(page.get_by_test_id("correction-status")).to_have_attribute("data-status", "draft")
    expect(page.get_by_role("cell", name="200.0000")).to_be_visible()

    # when: hr calculates it
    page.get_by_test_id("calculate").click()

    # then: DEMO-A's approved payout, corrected payout and a negative difference, the changed lines
    expect(page.get_by_test_id("correction-status")).to_have_attribute("data-status", "calculated")
    correction = Correction.objects.get()
    result = correction.results.get()
    row = page.locator('[data-employee="DEMO-A"]')
    expect(row.locator('[data-field="approved"]')).to_have_text("₽45,000.00")
    expect(row.locator('[data-field="delta"]')).to_have_text("-₽7,500.00")
    expect(row).to_contain_text("total")
    assert result.delta < 0
    # the four-eyes rule: hr recorded and calculated it
    expect(page.get_by_test_id("approve")).to_be_disabled()
    screenshot(page, "hr-correction")

    # when: hr2 approves it
    sign_out(page)
    sign_in(page, live_server, "hr2")
    page.goto(f"{live_server.url}/portal/hr/corrections/{correction.pk}/")
    page.get_by_test_id("approve").click()

    # then: approved, posted to December
    expect(page.get_by_test_id("correction-status")).to_have_attribute("data-status", "approved")
    expect(page.get_by_test_id("posted")).to_contain_text("December 2026")
    posted = Adjustment.objects.get(correction=correction)
    assert (posted.period, posted.source_period, posted.amount) == ("2026-12", "2026-11", result.delta)

    # when: hr2 starts December's payroll
    page.goto(f"{live_server.url}/portal/hr/runs/")
    page.get_by_label("Month").fill("2026-12")
    page.get_by_test_id("provisional-start").check()  # December is still under way: a preview
    page.get_by_role("button", name="Start the payroll").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "calculated")

    # then: December's run counts the difference with its reason, and the payslip prints it
    december = PayrollRun.objects.get(period="2026-12", status=RunStatus.CALCULATED)
    payout = Payout.objects.get(run=december, employee__personnel_number="DEMO-A")
    assert {"amount": str(result.delta), "reason": posted.reason} in payout.trace["adjustments"]
    assert posted.reason.startswith("correction for November 2026: −")
    payslip = page.request.get(f"{live_server.url}/payroll/payouts/{payout.pk}/payslip.xlsx")
    assert payslip.status == 200
    sheet = openpyxl.load_workbook(io.BytesIO(payslip.body())).active
    cells = [str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None]
    assert posted.reason in cells
    correction.refresh_from_db()
    assert correction.approved_by == User.objects.get(username="hr2")
