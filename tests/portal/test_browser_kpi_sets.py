"""HR's KPI sets page in a real browser (issue 14, items 1 and 5): a stage set is made with
weights typed with a comma, the live sum reaches 1 as they are typed, it is saved and
activated with one button; screenshots of both pages at 1366 and 390 px wide."""

import pytest
from playwright.sync_api import Page, expect

from kpis.models import KpiSet
from tests.portal.test_browser import sign_in

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("demo"),
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods"),
]
ROWS = [  # the option: the KPI's name, its code as a hint
    ("Awareness (stage KPI 1) (awareness)", "0,2"),
    ("Share of new clients (stage KPI 2) (new_client_share)", "0,2"),
    ("Repeat requests (stage KPI 3) (repeat_requests)", "0,1"),
    ("Purchase frequency growth (stage KPI 4) (purchase_frequency_growth)", "0,3"),
    ("Average check growth (stage KPI 5) (avg_check_growth)", "0,2"),
]
WIDTHS = (1366, 390)


def shots(page: Page, screenshot, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"{name}-{width}")
    page.set_viewport_size({"width": 1366, "height": 900})


def test_hr_builds_a_stage_set_watching_the_live_sum_then_activates_it(page: Page, live_server, screenshot):
    sign_in(page, live_server, "hr")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="KPI sets").click()
    expect(page.get_by_role("heading", name="KPI sets", exact=True)).to_be_visible()
    expect(page.get_by_test_id("stage-2").get_by_test_id("active")).to_be_visible()
    shots(page, screenshot, "hr-kpi-sets")

    page.get_by_test_id("stage-3").get_by_role("link", name="New set for stage 3").click()
    page.get_by_label("Name").fill("Stage 3 · our own")
    expect(page.get_by_label("Stage", exact=True)).to_have_value("3")
    total = page.get_by_test_id("weights-sum")
    expect(total).to_have_text("Sum of weights: 0.0 (must be 1)")
    for number, (name, weight) in enumerate(ROWS[:4]):
        page.locator(f"#kpi-{number}").select_option(label=name)
        page.locator(f"#weight-{number}").press_sequentially(weight)
    expect(total).to_have_text("Sum of weights: 0.8 (must be 1)")
    page.get_by_role("button", name="Add a row").click()  # the fifth of five blank rows is used; one more shows
    expect(page.locator("#kpi-5")).to_be_focused()
    name, weight = ROWS[4]
    page.locator("#kpi-4").select_option(label=name)
    page.locator("#weight-4").press_sequentially(weight)
    expect(total).to_have_text("Sum of weights: 1.0 — OK")
    shots(page, screenshot, "hr-kpi-set-form")

    page.get_by_role("button", name="Save the set").click()
    expect(page.get_by_role("status")).to_contain_text("“Stage 3 · our own” (stage 3) is saved: Awareness (stage KPI 1) 0.2")
    created = KpiSet.objects.get(name="Stage 3 · our own")
    card = page.locator(f'[data-kpi-set="{created.pk}"]')
    expect(card).to_contain_text("Average check growth (stage KPI 5)")
    card.get_by_role("button", name="Activate").click()
    expect(page.get_by_role("status")).to_contain_text("“Stage 3 · our own” is now the active set of stage 3.")
    expect(page.locator(f'[data-kpi-set="{created.pk}"]').get_by_test_id("active")).to_be_visible()
    created.refresh_from_db()
    assert created.is_active and created.company.slug == "demo"
    assert sorted(str(item.weight.normalize()) for item in created.items.all()) == ["0.1", "0.2", "0.2", "0.2", "0.3"]


def test_a_bad_sum_is_refused_by_the_server_with_the_input_kept(page: Page, live_server):
    sign_in(page, live_server, "hr")
    page.goto(f"{live_server.url}/portal/hr/kpi-sets/new/?stage=4")
    page.get_by_label("Name").fill("Half done")
    page.locator("#kpi-0").select_option(label="Leads (leads)")
    page.locator("#weight-0").fill("0,5")
    page.get_by_role("button", name="Save the set").click()

    expect(page.get_by_test_id("form-errors")).to_contain_text("weights sum to 0.5, they must sum to 1")
    expect(page.locator("#weight-0")).to_have_value("0,5")
    expect(page.get_by_label("Name")).to_have_value("Half done")
    assert not KpiSet.objects.filter(name="Half done").exists()
