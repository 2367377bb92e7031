"""The plan builder in a real browser with the keyboard only (issue 14, item 5): HR builds the
seeds' band table (0 / 80 / 100 → 0 / 0,5 / 1) and the two-factor leads × cost-per-lead
scheme over it with Tab, typing and Enter, and both are stored as typed; then a row is added
to the table in place on the scheme page."""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from compensation.models import BandTable, BonusScheme
from tests.portal.test_browser import sign_in

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("demo"),
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods"),
]
TABLE = "Seed bands, by keyboard"
SCHEME = "Leads × CPL, by keyboard"
FOCUSED = "() => { const e = document.activeElement; return [e.id, e.tagName, (e.textContent || '').trim()]; }"


def tab_to(page: Page, *, id: str = "", text: str = "", limit: int = 80) -> None:
    """Press Tab until the focus is on the element with this id (or a link or button with
    this text); fail if it never gets there."""
    for _ in range(limit):
        focused_id, tag, content = page.evaluate(FOCUSED)
        if (id and focused_id == id) or (text and tag in ("A", "BUTTON", "SUMMARY") and content == text):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {id or text!r}")


def type_into(page: Page, id: str, text: str) -> None:
    tab_to(page, id=id)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def enter_to_next_page(page: Page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")


def shots(page: Page, screenshot, name: str) -> None:
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"{name}-{width}")
    page.set_viewport_size({"width": 1366, "height": 900})


def test_hr_builds_the_seeds_scheme_with_the_keyboard_only(page: Page, live_server, screenshot):
    sign_in(page, live_server, "hr")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()

    tab_to(page, text="Schemes")
    enter_to_next_page(page)
    expect(page.get_by_role("heading", name="Bonus schemes", exact=True)).to_be_visible()
    shots(page, screenshot, "hr-schemes")
    tab_to(page, text="New band table")
    enter_to_next_page(page)
    expect(page.get_by_role("heading", name="New band table")).to_be_visible()

    # the band table: the name, step mode as it comes, three rows typed as people write them
    type_into(page, "table-name", TABLE)
    for index, (lower, coefficient) in enumerate([("0", "0"), ("80", "0,5"), ("100", "1")]):
        type_into(page, f"row-{index}-lower", lower)
        page.keyboard.press("Tab")
        page.keyboard.type(coefficient)
    tab_to(page, text="Add a row")  # the script adds row 4 in place and puts the keyboard in it
    page.keyboard.press("Enter")
    assert page.evaluate(FOCUSED)[0] == "row-3-lower"
    tab_to(page, text="Preview")
    enter_to_next_page(page)
    expect(page.get_by_test_id("band-chart")).to_be_visible()
    expect(page.locator('[data-understood="coefficient"]')).to_have_text("read as 0.5")
    tab_to(page, text="Save the table")
    enter_to_next_page(page)
    expect(page.locator(".messages")).to_contain_text(f"{TABLE} is saved")
    table = BandTable.objects.get(company__slug="demo", name=TABLE)
    assert [(p.lower_bound_pct, p.coefficient) for p in table.points.all()] == [
        (Decimal(0), Decimal(0)), (Decimal(80), Decimal("0.5")), (Decimal(100), Decimal(1))
    ]
    shots(page, screenshot, "hr-band-table")

    # the scheme: k1 on the leads' fulfillment, k2 on the cost per lead's, both through the table
    tab_to(page, text="← Bonus schemes")
    enter_to_next_page(page)
    tab_to(page, text="New scheme")
    enter_to_next_page(page)
    expect(page.get_by_role("heading", name="New scheme")).to_be_visible()
    type_into(page, "scheme-name", SCHEME)
    for index, kpi in enumerate(["Leads", "Cost per lead"]):
        tab_to(page, id=f"factor-{index}-input")
        page.keyboard.type(kpi)  # a focused list picks the option its typing starts
        tab_to(page, id=f"factor-{index}-band_table")
        page.keyboard.type(TABLE)
    tab_to(page, text="Add a factor")  # in place, after k1 and k2, the keyboard in its name
    page.keyboard.press("Enter")
    assert page.evaluate(FOCUSED)[0] == "factor-2-name"
    expect(page.locator("#factor-2-name")).to_have_value("k3")
    expect(page.locator("#factor-2-position")).to_have_value("3")
    expect(page.locator("#factor-0-input option:checked")).to_have_text("Leads (leads)")
    expect(page.locator("#factor-1-input option:checked")).to_have_text("Cost per lead (cpl)")
    tab_to(page, text="Save the scheme")
    enter_to_next_page(page)
    expect(page.locator(".messages")).to_contain_text(f"{SCHEME} is saved with 2 factors")
    expect(page.get_by_test_id("heatmap")).to_be_visible()
    expect(page.get_by_test_id("band-chart")).to_have_count(2)

    scheme = BonusScheme.objects.get(company__slug="demo", name=SCHEME)
    assert scheme.base_kind == "share" and scheme.base_share == Decimal(1) and scheme.cap is None
    assert [(f.position, f.name, f.input_kind, f.kpi.code, f.band_table) for f in scheme.factors.all()] == [
        (1, "k1", "kpi", "leads", table),
        (2, "k2", "kpi", "cpl", table),
    ]
    shots(page, screenshot, "hr-scheme")

    # the table edited in place on the scheme page: a fourth row, 120 % → 1,2, saved with it
    tab_to(page, text=f"Edit “{TABLE}” here")
    page.keyboard.press("Enter")
    tab_to(page, text="Add a row")
    page.keyboard.press("Enter")
    assert page.evaluate(FOCUSED)[0] == f"table-{table.pk}-row-5-lower"
    page.keyboard.type("120")
    page.keyboard.press("Tab")
    page.keyboard.type("1,2")
    shots(page, screenshot, "hr-scheme-edit-in-place")
    tab_to(page, text="Save the scheme")
    enter_to_next_page(page)
    expect(page.locator(".messages")).to_contain_text(f"{TABLE} is saved: 0 % → 0, 80 % → 0.5, 100 % → 1, 120 % → 1.2.")
    assert [(p.lower_bound_pct, p.coefficient) for p in table.points.all()][-1] == (Decimal(120), Decimal("1.2"))
