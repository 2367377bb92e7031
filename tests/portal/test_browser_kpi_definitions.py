"""HR's KPIs and measures page and the adjustments page in a real browser (issue 14, items 1
and 5): HR defines a measure, then a formula KPI over it (a typo first, named by the parser),
and adds a deduction typed with a comma and a minus; screenshots of both pages at 1366 and
390 px wide."""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from kpis.models import Kpi, Measure
from organizations.models import Employee
from payroll.models import Adjustment
from tests.portal.test_browser import sign_in

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("demo"),
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods"),
]
WIDTHS = (1366, 390)


def shots(page: Page, screenshot, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"{name}-{width}")
    page.set_viewport_size({"width": 1366, "height": 900})


def test_hr_defines_a_measure_and_a_formula_kpi(page: Page, live_server, screenshot):
    sign_in(page, live_server, "hr")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="KPIs and measures").click()
    expect(page.get_by_role("heading", name="KPIs and measures", exact=True)).to_be_visible()
    expect(page.get_by_test_id("catalogue-kpis")).to_contain_text("Marketing spend ÷ Leads")

    page.get_by_role("link", name="New measure").click()
    page.get_by_label("Name").fill("Calls made")
    page.get_by_label("Code").fill("calls")
    page.get_by_role("button", name="Save the measure").click()
    expect(page.get_by_role("status")).to_contain_text("The measure “Calls made” (calls) is saved.")

    page.get_by_role("link", name="New KPI").click()
    page.get_by_label("Name").fill("Cost per call")
    page.get_by_label("Code").fill("cost_per_call")
    page.get_by_label("Direction").select_option(label="Lower is better")
    page.get_by_label("Unit").select_option(label="Money")
    expect(page.get_by_test_id("measure-codes")).to_contain_text("calls Calls made")
    page.get_by_label("Formula").fill("marketing_spend / callz")
    page.get_by_role("button", name="Save the KPI").click()
    expect(page.get_by_test_id("formula-error")).to_contain_text("unknown measure 'callz'")
    expect(page.get_by_label("Name")).to_have_value("Cost per call")
    assert not Kpi.objects.filter(code="cost_per_call").exists()
    page.get_by_label("Formula").fill("marketing_spend / calls")
    page.get_by_role("button", name="Save the KPI").click()

    expect(page.get_by_role("status")).to_contain_text("The KPI “Cost per call” (cost_per_call) is saved.")
    row = page.get_by_test_id("own-kpis").locator('[data-kpi="cost_per_call"]')
    expect(row).to_contain_text("Marketing spend ÷ Calls made")
    expect(row).to_contain_text("Lower is better")
    kpi = Kpi.objects.get(code="cost_per_call")
    assert kpi.company.slug == "demo" and kpi.formula == "marketing_spend / calls"
    assert Measure.objects.get(code="calls").company_id == kpi.company_id
    shots(page, screenshot, "hr-kpis")


def test_hr_adds_an_adjustment_with_a_comma_and_a_minus(page: Page, live_server, screenshot):
    employee = Employee.objects.filter(company__slug="demo").order_by("personnel_number").first()
    sign_in(page, live_server, "hr")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Adjustments").click()
    page.goto(f"{live_server.url}/portal/hr/adjustments/?period=2026-11")
    expect(page.get_by_role("heading", name="Adjustments · November 2026")).to_be_visible()

    page.get_by_label("Person").select_option(label=f"{employee.full_name} ({employee.personnel_number})")
    page.get_by_label("Amount, RUB").fill("−1 500,50")
    page.get_by_label("Reason").fill("Late report")
    page.get_by_role("button", name="Add", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text(f"Added for {employee.full_name} in 2026-11")
    row = page.get_by_test_id("adjustments").locator("tbody tr").first
    expect(row).to_contain_text("Late report")
    stored = Adjustment.objects.get(employee=employee, period="2026-11")
    assert stored.amount == Decimal("-1500.50") and stored.created_by.username == "hr"
    shots(page, screenshot, "hr-adjustments")
