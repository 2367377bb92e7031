"""HR's Test a scheme and Scenarios in a real browser (issue 14, items 1 and 5): a scheme tested
on a person shows its statement; a scenario over the approved months shows its chart and
totals, is saved by name and opened again. Screenshots at 1366 and 390 px."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from compensation.models import BandTable, BonusScheme
from engine import Period
from organizations.models import Employee
from payroll.models import RunStatus, Scenario
from payroll.outlook import payout_with_scheme
from payroll.scenarios import scenario_compute, scenario_parameters
from payroll.services import payroll_run_approve, payroll_run_start
from portal.formatting import format_money
from tests.portal.test_browser import sign_in

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("demo", "eager_celery"),
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods"),
]
SCORECARD = "Stage scorecard"
LEADS_CPL = "Leads × cost per lead"
WIDE, NARROW = {"width": 1366, "height": 900}, {"width": 390, "height": 844}


def shots(page: Page, screenshot, name: str) -> None:
    for label, size in (("1366", WIDE), ("390", NARROW)):
        page.set_viewport_size(size)
        screenshot(page, f"{name}-{label}")
    page.set_viewport_size(WIDE)


def approve_october_and_november() -> None:
    demo_a = Employee.objects.get(personnel_number="DEMO-A")
    for period in ("2026-10", "2026-11"):
        run, _ = payroll_run_start(company=demo_a.company, period=Period.parse(period), started_by=User.objects.get(username="hr"))
        run.refresh_from_db()
        assert run.status == RunStatus.CALCULATED
        payroll_run_approve(run=run, approved_by=User.objects.get(username="hr2"))


def test_hr_tests_another_scheme_on_a_person(page: Page, live_server, screenshot):
    demo_a = Employee.objects.get(personnel_number="DEMO-A")
    scorecard = BonusScheme.objects.get(company=demo_a.company, name=SCORECARD)
    expected = payout_with_scheme(employee=demo_a, period=Period.parse("2026-11"), scheme=scorecard)

    sign_in(page, live_server, "hr")
    page.set_viewport_size(WIDE)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Test a scheme").click()
    form = page.get_by_test_id("test-scheme-form")
    form.get_by_label("Employee").select_option(label="Alexei Seedov · DEMO-A")
    form.get_by_label("Month").fill("2026-11")
    form.get_by_label("Bonus scheme").select_option(label=SCORECARD)
    form.get_by_role("button", name="Calculate").click()

    expect(page.get_by_test_id("basis")).to_contain_text(f"with the scheme “{SCORECARD}”")
    expect(page.get_by_test_id("statement-total")).to_have_text(format_money(expected.total, "RUB", "en"))
    expect(page.get_by_test_id("test-compare")).to_contain_text(LEADS_CPL)
    expect(form.get_by_label("Bonus scheme")).to_have_value(str(scorecard.pk))  # the choice stays
    shots(page, screenshot, "hr-test-scheme")


def test_hr_runs_a_scenario_sees_the_chart_and_totals_and_saves_it(page: Page, live_server, screenshot):
    approve_october_and_november()
    demo = Employee.objects.get(personnel_number="DEMO-A").company
    table = BandTable.objects.get(company=demo, name="Seed bands (0 / 80 / 100)")
    expected = scenario_compute(
        company=demo,
        parameters=scenario_parameters(company=demo, months=2, band_table=table.pk, band_rows="0;0\n80;0,8\n100;1"),
    )

    sign_in(page, live_server, "hr")
    page.set_viewport_size(WIDE)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Scenarios").click()
    page.wait_for_load_state("load")  # scenarios.js listens for the table's change: it must be attached first
    form = page.get_by_test_id("scenario-form")
    form.get_by_label("Last approved months").fill("2")
    form.get_by_label("Change a band table (optional)").select_option(label=table.name)
    rows = form.get_by_label("Its rows: lower bound, %; coefficient")
    expect(rows).to_have_value("0;0\n80;0.5\n100;1")  # the table's rows, filled in to edit
    rows.fill("0;0\n80;0,8\n100;1")
    form.get_by_role("button", name="Compare with what was paid").click()

    expect(page.get_by_test_id("scenario-chart")).to_be_visible()
    expect(page.locator(".scenario-chart__scenario")).to_have_count(2)
    expect(page.get_by_test_id("scenario-paid")).to_have_text(format_money(expected.total.paid, "RUB", "en"))
    expect(page.get_by_test_id("scenario-total")).to_have_text(format_money(expected.total.scenario, "RUB", "en"))
    expect(page.get_by_test_id("understood-rows")).to_contain_text("from 80.00% → 0.8")
    shots(page, screenshot, "hr-scenarios")

    save = page.get_by_test_id("scenario-save")
    save.get_by_label("Save as a named scenario").fill("Middle band 0.8")
    save.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Scenario “Middle band 0.8”")).to_be_visible()
    expect(page.get_by_test_id("saved-scenarios")).to_contain_text("Middle band 0.8")
    expect(page.get_by_test_id("scenario-total")).to_have_text(format_money(expected.total.scenario, "RUB", "en"))
    assert Scenario.objects.get().parameters["band_rows"][1] == ["80", "0.8"]
    shots(page, screenshot, "hr-scenario-saved")


def test_hr_changes_a_kpi_sets_weights_and_sees_what_it_would_have_paid(page: Page, live_server, screenshot):
    from decimal import Decimal

    from kpis.models import KpiSet

    approve_october_and_november()
    demo = Employee.objects.get(personnel_number="DEMO-A").company
    kpi_set = KpiSet.objects.get(company=demo, stage=2, is_active=True)
    items = list(kpi_set.items.select_related("kpi").order_by("id"))
    first, second = items[0].weight - Decimal("0.05"), items[1].weight + Decimal("0.05")
    typed = {str(item.kpi_id): f"{item.weight}" for item in items}
    typed[str(items[0].kpi_id)], typed[str(items[1].kpi_id)] = f"{first}", f"{second}"
    expected = scenario_compute(
        company=demo, parameters=scenario_parameters(company=demo, months=2, kpi_set=kpi_set.pk, kpi_weights=typed)
    )

    sign_in(page, live_server, "hr")
    page.set_viewport_size(WIDE)
    page.goto(f"{live_server.url}/portal/hr/scenarios/")
    form = page.get_by_test_id("scenario-form")
    weights = form.locator(f'[data-weights-for="{kpi_set.pk}"]')
    expect(weights).to_be_hidden()
    form.get_by_label("Last approved months").fill("2")
    form.get_by_label("Change a KPI set's weights (optional)").select_option(str(kpi_set.pk))
    expect(weights).to_be_visible()
    expect(weights.get_by_label(items[0].kpi.name)).to_have_value(f"{items[0].weight.normalize():f}")  # today's
    expect(weights.locator("[data-weights-sum]")).to_have_text("Σ 1")
    weights.get_by_label(items[0].kpi.name).fill(f"{first.normalize():f}".replace(".", ","))
    expect(weights.locator("[data-weights-sum]")).to_have_text("Σ 0.95")  # the live sum, before sending
    weights.get_by_label(items[1].kpi.name).fill(f"{second.normalize():f}".replace(".", ","))
    form.get_by_role("button", name="Compare with what was paid").click()

    expect(page.get_by_test_id("scenario-total")).to_have_text(format_money(expected.total.scenario, "RUB", "en"))
    expect(page.get_by_test_id("understood-weights")).to_contain_text(items[0].kpi.name)
    assert expected.total.difference != 0
    shots(page, screenshot, "hr-scenario-weights")
    page.set_viewport_size(NARROW)
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]  # the rows fit a phone
