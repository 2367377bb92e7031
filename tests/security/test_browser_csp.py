"""The admin and the API docs work in a real browser under the Content-Security-Policy:
`page` (tests/portal/conftest.py) fails the test on any violation. The portal's own pages
are driven the same way in tests/portal/test_browser.py."""

import re

import pytest
from playwright.sync_api import Page, expect

from compensation.demo import DEMO_PASSWORD, seed_demo

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods"),
]


@pytest.fixture(autouse=True)
def demo():
    return seed_demo()


def test_the_admin_works_under_the_policy(page: Page, live_server):
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))

    page.goto(f"{live_server.url}/admin/organizations/employee/")
    expect(page.locator("#result_list")).to_be_visible()
    page.locator("#result_list tbody a").first.click()
    # the admin's scripts run: the date widgets' shortcuts, and an inline's "Add another" row
    expect(page.locator(".datetimeshortcuts").first).to_be_visible()
    rows = page.locator("#salary_agreements-group tbody tr.form-row:not(.empty-form)")
    before = rows.count()
    page.locator("#salary_agreements-group .add-row a").click()
    expect(rows).to_have_count(before + 1)


def test_hr_signing_in_to_the_admin_is_sent_to_the_portal_under_the_policy(page: Page, live_server):
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("hr")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="The administration is for administrators")).to_be_visible()

    page.get_by_role("link", name="Sign in to the portal").click()
    page.get_by_label("User name").fill("hr")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/portal/hr/$"))
    expect(page.get_by_role("link", name="Administration")).to_have_count(0)

    page.goto(f"{live_server.url}/admin/organizations/employee/")
    expect(page.get_by_role("link", name="The portal's page for this")).to_have_attribute("href", "/portal/hr/people/")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(244, 246, 250)"  # portal.css


def test_the_api_docs_render_under_the_policy(page: Page, live_server):
    page.goto(f"{live_server.url}/api/docs/")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Marketer bonus engine API")
    expect(page.locator(".opblock").first).to_be_visible()


def test_a_failed_portal_login_and_the_error_pages_render_under_the_policy(page: Page, live_server):
    page.goto(f"{live_server.url}/portal/login/")
    page.get_by_label("User name").fill("hr")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()

    response = page.goto(f"{live_server.url}/portal/no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(244, 246, 250)"  # portal.css
