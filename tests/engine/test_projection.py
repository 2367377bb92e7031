"""Run-rate projection and what-if (spec §9)."""

from datetime import date
from decimal import Decimal

import pytest

from engine import LAST, SUM, Period, project_measures, project_payout, run_rate, what_if_payout

from .builders import NOVEMBER, d, kpi_entry, kpis, money, payout_input, seed_scheme


@pytest.mark.parametrize(
    ("period", "today", "rate"),
    [
        pytest.param(NOVEMBER, date(2026, 11, 10), "3", id="day-10-of-30"),
        pytest.param(NOVEMBER, date(2026, 11, 1), "30", id="first-day-counts-as-elapsed"),
        pytest.param(NOVEMBER, date(2026, 11, 7), "4.285714285714285714285714286", id="28-digits"),
        pytest.param(NOVEMBER, date(2026, 11, 29), "1.034482758620689655172413793", id="day-before-last"),
        pytest.param(NOVEMBER, date(2026, 11, 30), "1", id="last-day"),
        pytest.param(NOVEMBER, date(2026, 12, 5), "1", id="after-the-period"),
        pytest.param(NOVEMBER, date(2026, 10, 20), "1", id="before-the-period"),
        pytest.param(Period(2028, 2), date(2028, 2, 10), "2.9", id="leap-february"),
    ],
)
def test_run_rate(period, today, rate):
    assert run_rate(period, today) == Decimal(rate)


def test_sum_measures_are_scaled_and_last_measures_are_not():
    measures = {"leads": d(100), "aware_prospects": d(700), "visits": d(10)}
    projected = project_measures(measures, {"leads": SUM, "aware_prospects": LAST}, d(3))
    assert projected == {"leads": d(300), "aware_prospects": d(700), "visits": d(30)}  # unknown: sum
    assert measures["leads"] == d(100)


def _recorded():
    return payout_input(
        scheme=seed_scheme(),
        kpis=kpis("leads", "cpl"),
        plans={"leads": d(200), "cpl": d(500)},
        measures={"leads": d(50), "marketing_spend": d("25000.00")},
    )


def test_project_payout_computes_from_projected_measures():
    data = _recorded()
    result, rate = project_payout(data, {"leads": SUM, "marketing_spend": SUM}, date(2026, 11, 10))
    assert rate == d(3)
    leads = kpi_entry(result, "leads")
    assert (leads["measures"], leads["fulfillment_pct"]) == ({"leads": "150"}, "75.00")
    assert kpi_entry(result, "cpl")["actual"] == "500.00"  # 75000.00 / 150: a ratio of sums stays
    assert result.coefficients == (Decimal(0), Decimal(1))
    assert data.measures == {"leads": d(50), "marketing_spend": d("25000.00")}


def test_project_payout_leaves_last_measures_alone():
    result, _ = project_payout(_recorded(), {"leads": LAST, "marketing_spend": SUM}, date(2026, 11, 10))
    assert kpi_entry(result, "leads")["measures"] == {"leads": "50"}
    assert kpi_entry(result, "cpl")["fulfillment_pct"] == "33.33"  # 500 / (75000 / 50)


def test_after_the_period_the_projection_is_the_payout():
    data = _recorded()
    projected, rate = project_payout(data, {}, date(2026, 12, 1))
    assert rate == 1
    assert projected.as_json() == what_if_payout(data, {}).as_json()


def test_what_if_overrides_measures_and_stores_nothing():
    data = _recorded()
    result = what_if_payout(data, {"leads": d(200), "marketing_spend": d("100000.00")})
    assert (result.bonus, result.total) == (money("30000"), money("60000"))
    assert data.measures == {"leads": d(50), "marketing_spend": d("25000.00")}
    partial = what_if_payout(data, {"leads": d(200)})  # the rest stays as recorded
    assert kpi_entry(partial, "cpl")["measures"] == {"leads": "200", "marketing_spend": "25000.00"}
