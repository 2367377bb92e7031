"""The marketer's closed month in a real browser (issue 13, item 7): after November is
approved, an edit of one of its inputs changes nothing the marketer sees — the page is the
approved statement, labelled so, with no advice for a month that is over and no what-if; its
statement page explains the payout in words; an open month is the projection, labelled so."""

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from compensation.demo import DEMO_PASSWORD
from engine import Period
from kpis.models import MeasureValue, Plan
from organizations.models import Employee
from payroll.models import PayrollRun, RunStatus
from payroll.services import payroll_run_approve, payroll_run_start

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


def approved_november() -> PayrollRun:
    company = Employee.objects.get(personnel_number="DEMO-A").company
    run, _ = payroll_run_start(company=company, period=Period.parse(NOVEMBER), started_by=User.objects.get(username="hr"))
    run.refresh_from_db()
    assert run.status == RunStatus.CALCULATED
    return payroll_run_approve(run=run, approved_by=User.objects.get(username="hr2"))


def test_the_marketers_closed_month_is_the_approved_statement_whatever_is_edited_after(
    page: Page, live_server, eager_celery, screenshot
):
    # given: November approved (bonus 15,000.00, total 45,000.00), then its leads set to 0 in the table
    run = approved_november()
    MeasureValue.objects.filter(employee__personnel_number="DEMO-A", period=NOVEMBER, measure__code="leads").update(value=0)

    # when: the marketer opens November
    sign_in(page, live_server, "marketer")
    expect(page).to_have_url(re.compile(r"/portal/me/$"))
    page.goto(f"{live_server.url}/portal/me/?period={NOVEMBER}")

    # then: the approved figures, labelled as the approved statement, the chart agreeing
    expect(page.get_by_test_id("basis")).to_contain_text("Approved statement — November 2026, approved on")
    expect(page.get_by_test_id("projected-bonus")).to_have_text("₽15,000.00")
    expect(page.get_by_test_id("projected-total")).to_have_text("₽45,000.00")
    expect(page.locator("[data-kpi=leads]")).to_contain_text("Actual")
    expect(page.locator("[data-kpi=leads] .kpi__pct")).to_have_text("100.00%")
    expect(page.locator(".chart svg")).to_be_visible()
    expect(page.locator(".chart__data tbody")).to_contain_text("₽45,000.00")
    # and nothing a running month would say, no what-if
    main = page.locator("main")
    for words in ("So far", "by month end", "end of the month", "Next band", "points to go"):
        expect(main).not_to_contain_text(words)
    expect(page.locator("[data-what-if]")).to_have_count(0)
    screenshot(page, "marketer-closed-month")

    # when: the marketer reads the whole statement
    page.get_by_role("link", name="Read the whole statement").click()

    # then: the payout in words, from the stored trace
    payout = run.payouts.get(employee__personnel_number="DEMO-A")
    expect(page).to_have_url(re.compile(rf"/portal/payouts/{payout.pk}/statement/$"))
    expect(page.get_by_test_id("statement-employee")).to_contain_text("Alexei Seedov · DEMO-A")
    expect(page.get_by_test_id("basis")).to_contain_text("Approved statement — November 2026")
    expect(page.locator('[data-statement-kpi="leads"]')).to_contain_text("100.00%")
    expect(page.locator('[data-statement-kpi="cpl"]')).to_contain_text("Cost per lead")
    expect(page.locator('[data-statement-factor="k2"]')).to_contain_text("80% to under 100%")
    expect(page.get_by_test_id("statement-formula")).to_contain_text("₽15,000.00")
    expect(page.get_by_test_id("statement-total")).to_have_text("₽45,000.00")
    expect(page.get_by_role("link", name="Payslip (Excel)")).to_have_attribute("href", f"/payroll/payouts/{payout.pk}/payslip.xlsx")
    screenshot(page, "marketer-statement")

    # when: back on the dashboard, the marketer moves on to December, which is open
    page.locator(".crumbs").get_by_role("link", name="My bonus").click()
    expect(page.get_by_test_id("basis")).to_contain_text("Approved statement — November 2026")
    page.locator('a[rel="next"]').click()
    expect(page).to_have_url(re.compile(r"period=2026-12$"))

    # then: the open month, labelled as a projection; with no plan entered yet it says so and
    # points to the last approved statement instead of zeros
    expect(page.get_by_test_id("basis")).to_contain_text("Projection — not yet approved")
    expect(page.get_by_test_id("plan-not-published")).to_contain_text("The plan for December 2026 is not published yet")
    expect(page.get_by_test_id("last-statement")).to_contain_text("November 2026")
    expect(page.locator("[data-what-if]")).to_have_count(0)

    # when: HR enters December's plan, the month is projected with its what-if
    november_plans = Plan.objects.filter(employee__personnel_number="DEMO-A", period=NOVEMBER)
    Plan.objects.bulk_create([Plan(employee_id=p.employee_id, kpi_id=p.kpi_id, period="2026-12", value=p.value) for p in november_plans])
    page.reload()
    expect(page.get_by_test_id("plan-not-published")).to_have_count(0)
    expect(page.locator("[data-what-if]")).to_have_count(1)


def test_another_marketer_cannot_open_the_statement(page: Page, live_server, eager_celery):
    from organizations.models import CompanyMembership

    run = approved_november()
    other = User.objects.create_user("marketer-b", password=DEMO_PASSWORD)
    CompanyMembership.objects.create(user=other, company=run.company, role=CompanyMembership.Role.MARKETER)
    Employee.objects.filter(personnel_number="DEMO-B").update(user=other)
    foreign = run.payouts.get(employee__personnel_number="DEMO-A")

    sign_in(page, live_server, "marketer-b")
    expect(page).to_have_url(re.compile(r"/portal/me/$"))
    response = page.goto(f"{live_server.url}/portal/payouts/{foreign.pk}/statement/")

    assert response.status == 404
