"""HR's People pages in a real browser (issue 14, item 5): a new marketer is added, paid a
salary, put on a scheme and given a login without the admin, and signs in."""

import re

import pytest
from playwright.sync_api import Page, expect

from compensation.models import BonusScheme
from organizations.models import Employee
from tests.portal.test_browser import sign_in, sign_out

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("demo"),
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods"),
]
PASSWORD = "Plan-2026-leads!"


def test_hr_sets_up_a_new_marketer_who_then_signs_in(page: Page, live_server, screenshot):
    scheme = BonusScheme.objects.filter(company__slug="demo").order_by("name").first()
    sign_in(page, live_server, "hr")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    expect(page.get_by_test_id("people")).to_contain_text("DEMO-A")

    form = page.get_by_test_id("add-employee")
    form.get_by_label("Personnel number").fill("M-900")
    form.get_by_label("Name", exact=True).fill("Nodira Karimova")
    form.get_by_label("Hire date").fill("2026-12-01")
    form.get_by_role("button", name="Add").click()
    expect(page.get_by_role("heading", name="Nodira Karimova")).to_be_visible()

    page.locator("#salary-from").fill("2026-12-01")
    page.locator("#salary-amount").fill("30 000,50")
    page.get_by_role("button", name="Set the salary").click()
    expect(page.get_by_test_id("salaries")).to_contain_text("30,000.50")

    page.locator("#scheme-from").fill("2026-12-01")
    page.locator("#scheme-pick").select_option(label=scheme.name)
    page.get_by_role("button", name="Assign the scheme").click()
    expect(page.get_by_test_id("assignments")).to_contain_text(scheme.name)

    page.get_by_label("Username").fill("nodira")
    page.get_by_label("Temporary password").fill(PASSWORD)
    page.get_by_role("button", name="Create the login").click()
    expect(page.get_by_test_id("login")).to_have_text("nodira")
    screenshot(page, "hr-person")

    employee = Employee.objects.get(personnel_number="M-900")
    assert employee.user.username == "nodira" and employee.scheme_assignments.get().scheme == scheme

    sign_out(page)
    page.get_by_label("User name").fill("nodira")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/portal/me/$"))
    expect(page.locator("main")).to_contain_text("Nodira Karimova")
