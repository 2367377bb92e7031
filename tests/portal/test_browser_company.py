"""HR's workspace, company and calendar pages in a real browser (issue 14, items 1 and 5):
HR signs in, lands on the workspace, opens the calendar, adds a holiday and sees the
month's working days drop by one; screenshots of the three pages at 1366 and 390 px."""

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from organizations.models import CalendarDay
from tests.portal.test_browser import sign_in

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("demo"),
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods"),
]


def shots(page: Page, screenshot, name: str) -> None:
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"{name}-{width}")
    page.set_viewport_size({"width": 1366, "height": 900})


def working_days(page: Page, month: str) -> int:
    text = page.locator(f'[data-month="{month}"]').get_by_test_id("working-days").inner_text()
    return int(re.match(r"\d+", text).group())


def test_hr_lands_on_the_workspace_and_adds_a_holiday_to_the_calendar(page: Page, live_server, screenshot):
    sign_in(page, live_server, "hr")
    expect(page).to_have_url(re.compile(r"/portal/hr/$"))
    expect(page.get_by_role("heading", name="Workspace", level=1)).to_be_visible()
    expect(page.get_by_test_id("todo")).to_be_visible()
    shots(page, screenshot, "hr-workspace")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Company").click()
    expect(page.get_by_label("Currency")).to_have_value("RUB")
    expect(page.get_by_test_id("admin-only")).to_contain_text("Four-eyes approval")
    shots(page, screenshot, "hr-company")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Work calendar").click()
    year = date.today().year + 1  # next year's March: open whatever has been approved
    page.get_by_role("link", name=f"{year} →").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(str(year))
    before = working_days(page, f"{year}-03")
    day = next(date(year, 3, n) for n in range(8, 15) if date(year, 3, n).weekday() < 5)  # a weekday

    form = page.get_by_test_id("add-day")
    form.get_by_label("Date").fill(day.isoformat())
    form.get_by_label("Kind").select_option("holiday")
    form.get_by_label("Name (optional)").fill("Women's Day")
    form.get_by_role("button", name="Add the day").click()

    expect(page.locator(f'[data-month="{year}-03"]')).to_contain_text("Women's Day")
    assert working_days(page, f"{year}-03") == before - 1
    expect(page.get_by_role("status")).to_contain_text(f"March {year} has {before - 1} working days")
    assert CalendarDay.objects.filter(company__slug="demo", date=day, kind="holiday").exists()
    shots(page, screenshot, "hr-calendar")
