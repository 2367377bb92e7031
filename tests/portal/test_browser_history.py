"""The history panel in a real browser: a band table edited twice shows who changed which
coefficient, readable at 1366 and 390 px (screenshots kept), within the CSP."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from compensation.services import band_table_save
from tests.factories import band_table
from tests.portal.test_browser import sign_in

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods"),
]


def test_the_band_tables_history_names_who_changed_the_coefficient(demo, page: Page, live_server, screenshot):
    table = band_table(demo, [(0, 0), (80, "0.5"), (100, 1)], name="Browser bands")
    sign_in(page, live_server, "hr")
    page.goto(f"{live_server.url}/portal/hr/band-tables/{table.pk}/")
    page.locator("#row-1-coefficient").fill("0,8")
    page.get_by_role("button", name="Save the table").click()

    panel = page.get_by_test_id("history-panel")
    expect(panel).to_contain_text("Coefficient: 0.5 → 0.8")
    expect(panel).to_contain_text(User.objects.get(username="hr").get_full_name())
    band_table_save(table=table, points=[(Decimal(0), Decimal(0)), (Decimal(80), Decimal("0.8")), (Decimal(100), Decimal("1.2"))])
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.reload()
        expect(page.get_by_test_id("history-panel")).to_contain_text("1 → 1.2")
        screenshot(page, f"hr-band-table-history-{width}")
