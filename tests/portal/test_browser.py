"""The portal in a real browser (Chromium through Playwright) against the live server: the
marketer's projection and what-if, a payroll run from start to approval under the four-eyes
rule, the finance page, and a payslip that is not the marketer's own."""

import re

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page, expect

from compensation.demo import DEMO_PASSWORD
from engine import Period
from organizations.models import CompanyMembership, Employee
from payroll.models import PayrollRun, RunStatus
from payroll.outlook import payout_projection
from payroll.services import payroll_run_approve, payroll_run_start
from payroll.tasks import calculate_run
from portal.formatting import format_money

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("demo"),
    # pytest-base-url (a pytest-playwright dependency) still declares its fixture the old way
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods"),
]
NOVEMBER = "2026-11"


def sign_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/portal/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def approved_november(django_capture_on_commit_callbacks=None) -> PayrollRun:
    company = Employee.objects.get(personnel_number="DEMO-A").company
    run, _ = payroll_run_start(
        company=company, period=Period.parse(NOVEMBER), started_by=User.objects.get(username="hr")
    )
    run.refresh_from_db()
    assert run.status == RunStatus.CALCULATED
    return payroll_run_approve(run=run, approved_by=User.objects.get(username="hr2"))


def test_a_marketer_sees_the_projection_tries_a_what_if_and_downloads_a_payslip(
    page: Page, live_server, eager_celery, screenshot, tmp_path
):
    # given: November not approved yet, so the marketer sees its projection
    employee = Employee.objects.get(personnel_number="DEMO-A")
    projected = payout_projection(employee=employee, period=Period.parse(NOVEMBER), today=timezone.localdate())

    # when: the marketer signs in, the login page leads to the dashboard
    sign_in(page, live_server, "marketer")
    expect(page).to_have_url(re.compile(r"/portal/me/$"))
    page.goto(f"{live_server.url}/portal/me/?period={NOVEMBER}")

    # then: the projected bonus is the service's, one card per KPI, the next band spelled out
    expect(page.get_by_test_id("basis")).to_contain_text("Projection — not yet approved")
    expect(page.get_by_test_id("projected-bonus")).to_have_text(format_money(projected["payout"]["bonus"], "RUB", "en"))
    expect(page.locator("[data-kpi]")).to_have_count(2)
    expect(page.locator("[data-kpi=cpl]")).to_contain_text("Cost per lead")
    expect(page.locator("[data-kpi=cpl] .kpi__band")).to_contain_text("k2")

    # when: a what-if reaches both plans (200 leads at 500 ₽ each) — no button pressed
    page.locator("#m-leads").fill("200")
    page.locator("#m-marketing_spend").fill("100000")

    # then: k1 = k2 = 1, so the bonus is the whole base, 30 000 ₽
    expect(page.get_by_test_id("what-if-bonus")).to_have_text("₽30,000.00")
    expect(page.locator('[data-wi-factor="k2"]')).to_have_text("1.0")

    # when: November is approved, so its payslip is released and the month is its statement
    run = approved_november()
    page.goto(f"{live_server.url}/portal/me/?period={NOVEMBER}")
    expect(page.get_by_test_id("basis")).to_contain_text("Approved statement — November 2026")
    expect(page.locator(".chart svg")).to_be_visible()
    screenshot(page, "marketer-dashboard")

    # when: the marketer downloads the November payslip
    with page.expect_download() as download:
        page.get_by_role("link", name=f"Payslip {NOVEMBER}").click()

    # then: it is a workbook for DEMO-A
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".xlsx" and "DEMO-A" in saved.name
    assert saved.read_bytes()[:2] == b"PK"  # a zip container, as every xlsx
    assert run.payouts.filter(employee=employee).exists()


def test_hr_starts_a_run_the_starter_cannot_approve_it_a_second_hr_user_does(
    page: Page, live_server, eager_celery, screenshot
):
    # given: hr signs in, lands on the workspace and opens the runs page
    sign_in(page, live_server, "hr")
    expect(page.get_by_role("heading", name="Workspace")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Payroll runs").click()
    expect(page.get_by_role("heading", name="Payroll runs")).to_be_visible()

    # when: hr starts November
    page.get_by_label("Month").fill(NOVEMBER)
    page.get_by_role("button", name="Start the payroll").click()

    # then: the run reaches "calculated"; the approve button is disabled by four-eyes, with the reason
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "calculated")
    approve = page.get_by_test_id("approve")
    expect(approve).to_be_disabled()
    expect(page.locator("#four-eyes")).to_contain_text("another HR user has to approve it")
    run = PayrollRun.objects.get(period=NOVEMBER)
    assert run.started_by.username == "hr" and run.status == RunStatus.CALCULATED
    page.goto(f"{live_server.url}/portal/hr/runs/")
    expect(page.locator(f'[data-run="{run.pk}"]')).to_contain_text("Calculated")
    screenshot(page, "hr-runs")
    page.goto(f"{live_server.url}/portal/hr/runs/{run.pk}/")
    screenshot(page, "hr-run")

    # when: hr2 approves it
    sign_out(page)
    sign_in(page, live_server, "hr2")
    page.goto(f"{live_server.url}/portal/hr/runs/{run.pk}/")
    expect(page.get_by_test_id("approve")).to_be_enabled()
    page.get_by_test_id("approve").click()
    page.get_by_test_id("confirm-approve").click()  # after the summary (tests/portal/test_browser_approval.py)

    # then
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "approved")
    run.refresh_from_db()
    assert (run.status, run.approved_by.username) == (RunStatus.APPROVED, "hr2")

    # and finance sees it ready to pay, with its sheet, and marks it paid
    sign_out(page)
    sign_in(page, live_server, "finance")
    card = page.locator(f'[data-run="{run.pk}"]')
    expect(card).to_contain_text("To pay")
    expect(card.get_by_role("link", name="Payroll sheet")).to_be_visible()
    screenshot(page, "finance")
    page.on("dialog", lambda dialog: dialog.accept())
    card.get_by_label("Payment reference").fill("BANK-2026-11")
    card.get_by_role("button", name=f"Mark {NOVEMBER} paid").click()
    expect(page.get_by_role("status")).to_contain_text("marked paid")
    run.refresh_from_db()
    assert run.status == RunStatus.PAID


def test_the_run_page_follows_the_calculation_while_the_worker_works(page: Page, live_server, eager_celery):
    # given: a run that is queued: its task has not run yet
    hr = User.objects.get(username="hr")
    company = CompanyMembership.objects.get(user=hr).company
    run = PayrollRun.objects.create(company=company, period=NOVEMBER, started_by=hr, calculated_by=hr, calculation=1)
    sign_in(page, live_server, "hr")
    page.goto(f"{live_server.url}/portal/hr/runs/{run.pk}/")
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "queued")

    # when: the worker takes the task
    calculate_run.apply(args=(run.pk, run.calculation))

    # then: the page, polling every second, shows the run calculated without a manual reload
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "calculated", timeout=10_000)
    expect(page.get_by_test_id("run-total")).to_be_visible()


def test_a_marketer_cannot_open_another_marketers_payslip(page: Page, live_server, eager_celery):
    # given: November approved, and a second marketer linked to DEMO-B
    run = approved_november()
    other = User.objects.create_user("marketer-b", password=DEMO_PASSWORD)
    CompanyMembership.objects.create(user=other, company=run.company, role=CompanyMembership.Role.MARKETER)
    Employee.objects.filter(personnel_number="DEMO-B").update(user=other)
    foreign = run.payouts.get(employee__personnel_number="DEMO-A")

    # when: the second marketer opens DEMO-A's payslip address
    sign_in(page, live_server, "marketer-b")
    expect(page).to_have_url(re.compile(r"/portal/me/$"))
    response = page.goto(f"{live_server.url}/payroll/payouts/{foreign.pk}/payslip.xlsx")

    # then: refused, as if it did not exist; their own dashboard lists only their payslip
    assert response.status == 404
    page.goto(f"{live_server.url}/portal/me/?period={NOVEMBER}")
    expect(page.get_by_role("link", name=re.compile("Payslip"))).to_have_count(1)
    own = run.payouts.get(employee__personnel_number="DEMO-B")
    expect(page.get_by_role("link", name=re.compile("Payslip"))).to_have_attribute(
        "href", f"/payroll/payouts/{own.pk}/payslip.xlsx"
    )
