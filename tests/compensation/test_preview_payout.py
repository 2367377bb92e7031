"""The worked examples of spec §10 through the database and `preview_payout`."""

import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from compensation.demo import seed_demo
from compensation.models import BandTable, BonusScheme, SchemeAssignment, SchemeFactor
from compensation.services import bonus_scheme_save
from kpis.models import MeasureValue, Plan
from organizations.models import CalendarDay
from tests.factories import EmployeeFactory, SalaryAgreementFactory, band_table, catalogue_kpi, catalogue_measure

pytestmark = pytest.mark.django_db


def preview(number: str, period: str = "2026-11") -> dict:
    out = StringIO()
    call_command("preview_payout", number, period, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def demo():
    return seed_demo()


def test_example_a_the_seeds_marketer(demo):
    payout = preview("DEMO-A")
    assert (payout["fixed"], payout["bonus"], payout["total"]) == ("30000.00", "15000.00", "45000.00")
    k1, k2 = payout["trace"]["bonus"]["factors"]
    assert (k1["percentage"], k1["coefficient"]) == ("100.00", "1.0000")
    assert (k2["percentage"], k2["band"]["row"], k2["coefficient"]) == ("90.00", 2, "0.5000")


def test_example_b_stage_scorecard_step_and_linear(demo):
    payout = preview("DEMO-B")
    assert (payout["fixed"], payout["bonus"], payout["total"]) == ("40000.00", "20000.00", "60000.00")
    assert payout["score"] == "101.00"
    items = payout["trace"]["bonus"]["factors"][0]["input"]["items"]
    assert [item["fulfillment_pct"] for item in items] == ["120.00", "90.00", "100.00", "80.00", "200.00"]
    assert items[-1]["capped_pct"] == "150.00"

    table = BandTable.objects.get(company=demo, name="Scorecard bands")
    table.mode = "linear"
    table.save()
    linear = preview("DEMO-B")
    assert linear["trace"]["bonus"]["factors"][0]["coefficient"] == "1.0150"
    assert (linear["bonus"], linear["total"]) == ("20300.00", "60300.00")


def test_example_c_joiner_with_a_raise(demo):
    assert preview("DEMO-C")["fixed"] == "48857.14"
    CalendarDay.objects.create(company=demo, date=date(2026, 11, 4), kind="holiday", name="Unity Day")
    payout = preview("DEMO-C")
    assert payout["fixed"] == "51300.00"
    assert [s["working_days"] for s in payout["trace"]["fixed"]["segments"]] == [5, 11]


def test_example_d_zero_actual_and_undefined_kpi():
    employee = EmployeeFactory(personnel_number="DEMO-D")
    SalaryAgreementFactory(employee=employee, monthly_amount=Decimal("10000.00"))
    bands = band_table(employee.company, [(0, "0.1"), (80, "0.5"), (100, 1), (200, 2)])
    scheme = bonus_scheme_save(
        scheme=BonusScheme(company=employee.company, name="D"),
        factors=[
            SchemeFactor(name="k1", input_kind="kpi", kpi=catalogue_kpi("cpl"), band_table=bands),
            SchemeFactor(name="k2", position=2, input_kind="kpi", kpi=catalogue_kpi("traffic"), band_table=bands),
        ],
    )
    SchemeAssignment.objects.create(employee=employee, scheme=scheme, effective_from=employee.hire_date)
    for code, value in {"cpl": 500, "traffic": 1000}.items():
        Plan.objects.create(employee=employee, period="2026-11", kpi=catalogue_kpi(code), value=value)
    for code, value in {"marketing_spend": 0, "leads": 10}.items():
        MeasureValue.objects.create(employee=employee, period="2026-11", measure=catalogue_measure(code), value=value)

    payout = preview("DEMO-D")

    cpl, traffic = payout["trace"]["bonus"]["factors"]
    assert (cpl["percentage"], cpl["band"]["row"], cpl["coefficient"]) == ("1000.00", 4, "2.0000")
    assert (traffic["percentage"], traffic["band"]["row"], traffic["coefficient"]) == ("0.00", 1, "0.1000")
    undefined = next(k for k in payout["trace"]["kpis"] if k["code"] == "traffic")
    assert undefined["actual"] is None and "visits" in undefined["undefined"]
    assert payout["bonus"] == "2000.00"  # 10000 × 2 × 0.1
    assert [w["code"] for w in payout["warnings"]] == ["kpi_undefined"]


def test_text_output_explains_the_payout(demo):
    out = StringIO()
    call_command("preview_payout", "DEMO-A", "2026-11", stdout=out)
    text = out.getvalue()
    assert "k2: 90.00 % → band 2 [80.00, 100.00) → 0.5000" in text
    assert "Total 45000.00" in text


def test_preview_stores_nothing(demo):
    before = (Plan.objects.count(), MeasureValue.objects.count())
    preview("DEMO-A")
    assert (Plan.objects.count(), MeasureValue.objects.count()) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["NOPE", "2026-11"], "no employee with personnel number 'NOPE'"),
        (["DEMO-A", "2026-13"], "'2026-13' is not a period"),
    ],
    ids=["unknown-employee", "bad-period"],
)
def test_preview_refuses_bad_arguments(demo, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("preview_payout", *args)


def test_missing_scheme_and_salary_give_warnings_not_errors():
    EmployeeFactory(personnel_number="BARE")
    payout = preview("BARE")
    assert (payout["fixed"], payout["bonus"], payout["total"]) == ("0.00", "0.00", "0.00")
    assert {w["code"] for w in payout["warnings"]} == {"no_salary", "no_scheme"}
