"""HR's KPI matrix in a real browser (issue 14, items 1 and 5): HR opens it from the
navigation, sorts it by a header and downloads it; screenshots at 1366 and 390 px wide."""

import io
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from engine import Period
from organizations.models import Company
from payroll.matrix import kpi_matrix
from portal.formatting import format_money
from tests.portal.test_browser import sign_in

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("demo"),
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods"),
]
NOVEMBER = "2026-11"


def test_hr_opens_the_matrix_sorts_it_and_downloads_it(page: Page, live_server, screenshot, tmp_path):
    company = Company.objects.get(slug="demo")
    matrix = kpi_matrix(company=company, period=Period.parse(NOVEMBER), today=timezone.localdate(), sort="-bonus")
    top = matrix.rows[0]
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, live_server, "hr")

    # when: HR follows the navigation, then picks November
    page.get_by_role("navigation", name="Main").get_by_role("link", name="KPI matrix").click()
    expect(page.get_by_role("heading", name="KPI matrix", level=1)).to_be_visible()
    page.locator("#period-pick").fill(NOVEMBER)
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("basis")).to_contain_text("Projection — not yet approved")
    expect(page.get_by_test_id("legend")).to_contain_text("top band")
    expect(page.locator("tr[data-person]")).to_have_count(len(matrix.rows))
    demo_a = page.locator('tr[data-person="DEMO-A"]')
    expect(demo_a.locator('[data-kpi="leads"]')).to_contain_text("top band")
    expect(demo_a.locator('[data-kpi="cpl"]')).to_have_class(re.compile(r"matrix-band--2"))

    # when: HR sorts by bonus (highest first)
    page.locator('a[data-sort="bonus"]').click()
    expect(page).to_have_url(re.compile(r"sort=-bonus"))
    expect(page.locator('th[data-column="bonus"]')).to_have_attribute("aria-sort", "descending")
    expect(page.locator("tr[data-person]").first).to_have_attribute("data-person", top.personnel_number)
    expect(page.locator("tr[data-person]").first.locator('[data-amount="bonus"]')).to_have_text(
        format_money(top.bonus, "RUB", "en")
    )
    screenshot(page, "hr-kpi-matrix-1366")

    # when: HR downloads it
    with page.expect_download() as download:
        page.get_by_test_id("export").click()

    # then: the workbook holds the page's rows in the page's order
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == f"kpi-matrix_demo_{NOVEMBER}.xlsx"
    sheet = load_workbook(io.BytesIO(saved.read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    header_at = next(i for i, row in enumerate(rows) if row[0] == "Personnel number")
    bonus_column = rows[header_at].index("Bonus")
    first = rows[header_at + 1]
    assert first[0] == top.personnel_number and Decimal(str(first[bonus_column])) == top.bonus

    # and the page reads on a phone: the table scrolls sideways inside its frame
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.get_by_test_id("matrix")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, "the page itself must not scroll sideways (the table scrolls in its frame)"
    screenshot(page, "hr-kpi-matrix-390")
