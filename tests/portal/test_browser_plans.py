"""HR's plans grid in a real browser (issue 14, items 1 and 5): a bad value refused with its
cell named, two cells edited in place and saved in one go, then December filled by copying
November's plans."""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from kpis.models import Plan
from organizations.models import Employee
from tests.factories import catalogue_kpi
from tests.portal.test_browser import sign_in

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("demo"),
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods"),
]


def shots(page: Page, screenshot, name: str) -> None:
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        screenshot(page, f"{name}-{width}")
    page.set_viewport_size({"width": 1366, "height": 900})


def test_hr_edits_two_cells_saves_them_and_copies_last_months_plans(page: Page, live_server, screenshot):
    demo_a = Employee.objects.get(personnel_number="DEMO-A")
    sign_in(page, live_server, "hr")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Plans").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Plans")
    page.goto(f"{live_server.url}/portal/hr/plans/?period=2026-11")

    leads = page.get_by_label("Alexei Seedov — Leads", exact=True)
    cpl = page.get_by_label("Alexei Seedov — Cost per lead", exact=True)
    expect(leads).to_have_value("200")
    # a bad value first: nothing saved, the cell named, what was typed kept
    cpl.fill("5OO")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("save-errors")).to_contain_text("Alexei Seedov — Cost per lead: '5OO' is not a number")
    expect(cpl).to_have_value("5OO")
    shots(page, screenshot, "hr-plans-refused")
    leads.fill("212,5")
    cpl.fill("1 500")
    expect(leads).to_have_class("plans-grid__cell is-changed")  # plans.js marks what is not saved yet
    expect(page.locator("[data-changed-count]")).to_have_text("Changed, not saved yet: 2")
    shots(page, screenshot, "hr-plans-editing")
    page.get_by_role("button", name="Save").click()

    expect(page.locator(".message--success")).to_contain_text("2 values changed.")
    expect(page.locator(".message--success")).to_contain_text("Leads: 200 → 212.5")
    expect(page.get_by_label("Alexei Seedov — Leads", exact=True)).to_have_value("212.5")
    expect(page.get_by_label("Alexei Seedov — Cost per lead", exact=True)).to_have_value("1500")
    expect(page.get_by_test_id("history")).to_contain_text("Hanna HR")
    assert Plan.objects.get(employee=demo_a, period="2026-11", kpi=catalogue_kpi("leads")).value == Decimal("212.5")

    page.get_by_test_id("next-month").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("December 2026")
    expect(page.get_by_label("Alexei Seedov — Leads", exact=True)).to_have_value("")
    page.get_by_role("button", name="Copy the plans of November 2026").click()

    expect(page.locator(".message--success")).to_contain_text("plans copied from 2026-11")
    expect(page.get_by_label("Alexei Seedov — Leads", exact=True)).to_have_value("212.5")
    expect(page.get_by_label("Clara Joiner — Cost per lead", exact=True)).to_have_value("600")
    shots(page, screenshot, "hr-plans")
    assert Plan.objects.filter(employee=demo_a, period="2026-12").count() == 2

    page.get_by_role("link", name="Actuals").click()
    expect(page.get_by_test_id("grid")).to_contain_text("Marketing spend")
    shots(page, screenshot, "hr-actuals")
