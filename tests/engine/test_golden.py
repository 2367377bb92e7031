"""The worked examples of spec §10, through `calculate_payout`, to the kopeck."""

from datetime import date
from decimal import Decimal

import pytest

from engine import LINEAR, STEP, Factor, SalaryAgreement, Scheme, WorkCalendar, calculate_payout

from .builders import (
    NOVEMBER,
    STAGE_BANDS,
    bands,
    d,
    factor_entry,
    kpi_entry,
    kpi_set,
    kpis,
    money,
    payout_input,
    seed_scheme,
    warning_codes,
)


def test_a_the_seeds_marketer():
    result = calculate_payout(
        payout_input(
            scheme=seed_scheme(),
            kpis=kpis("leads", "cpl"),
            plans={"leads": d(200), "cpl": d(500)},
            measures={"leads": d(200), "marketing_spend": d("111111.00")},
        )
    )

    assert (result.fixed, result.bonus, result.total) == (money("30000"), money("15000"), money("45000"))
    assert result.coefficients == (Decimal(1), Decimal("0.5"))
    assert kpi_entry(result, "leads")["fulfillment_pct"] == "100.00"
    cpl = kpi_entry(result, "cpl")
    assert cpl["actual"] == "555.555"
    assert cpl["fulfillment_pct"] == "90.00"
    assert factor_entry(result, "k1")["band"] == {"row": 3, "from_pct": "100", "to_pct": None}
    assert factor_entry(result, "k2")["band"] == {"row": 2, "from_pct": "80", "to_pct": "100"}
    assert factor_entry(result, "k2")["coefficient"] == "0.5"
    assert result.trace["bonus"]["capped"] is False
    assert result.trace["total"] == "45000.00"
    assert result.warnings == ()


def _stage_two_input(mode: str):
    """Example B: fulfillments 120, 90, 100, 80, 200 from recorded measures."""
    factor = Factor("k", bands(STAGE_BANDS, mode, name="stage"), kpi_set=kpi_set(), source="active set for stage 2")
    return payout_input(
        salary_agreements=(SalaryAgreement(date(2020, 1, 1), d("40000.00")),),
        scheme=Scheme("stage 2", (factor,), base_share=d("0.5")),
        kpis=kpis("awareness", "new_client_share", "repeat_requests", "purchase_frequency_growth", "avg_check_growth"),
        plans={
            "awareness": d(1000),
            "new_client_share": d(20),
            "repeat_requests": d(50),
            "purchase_frequency_growth": d(100),
            "avg_check_growth": d(50),
        },
        measures={
            "aware_prospects": d(1200),
            "new_clients": d(18),
            "total_clients": d(100),
            "repeat_requests": d(50),
            "purchases": d(80),
            "revenue": d(10000),
            "orders": d(10),
        },
        previous_measures={"purchases": d(100), "revenue": d(10000), "orders": d(10)},
    )


@pytest.mark.parametrize(
    ("mode", "coefficient", "bonus", "total"),
    [
        pytest.param(STEP, "1", "20000.00", "60000.00", id="step"),
        pytest.param(LINEAR, "1.0150", "20300.00", "60300.00", id="linear"),
    ],
)
def test_b_a_stage_two_scorecard(mode, coefficient, bonus, total):
    result = calculate_payout(_stage_two_input(mode))

    assert (result.fixed, result.bonus, result.total) == (money("40000"), Decimal(bonus), Decimal(total))
    assert result.score == Decimal("101.00")
    assert result.coefficients == (Decimal(coefficient),)
    factor = factor_entry(result, "k")
    assert factor["input"]["score"] == "101.00"
    assert factor["band"] == {"row": 4, "from_pct": "100", "to_pct": "120"}
    assert factor["coefficient"] == coefficient
    assert factor["source"] == "active set for stage 2"
    items = factor["input"]["items"]
    assert [item["fulfillment_pct"] for item in items] == ["120.00", "90.00", "100.00", "80.00", "200.00"]
    assert [item["capped_pct"] for item in items] == ["120.00", "90.00", "100.00", "80.00", "150"]
    assert [item["weight"] for item in items] == ["0.1", "0.2", "0.4", "0.2", "0.1"]
    assert result.trace["bonus"]["base"] == {"kind": "share", "share": "0.5", "amount": "20000.000"}
    assert result.warnings == ()


@pytest.mark.parametrize(
    ("holidays", "working_days", "fixed"),
    [
        pytest.param((), 21, "48857.14", id="no-holidays"),
        pytest.param((date(2026, 11, 4),), 20, "51300.00", id="4-november-holiday"),
    ],
)
def test_c_a_joiner_with_a_raise(holidays, working_days, fixed):
    result = calculate_payout(
        payout_input(
            calendar=WorkCalendar.build(NOVEMBER, holidays=holidays),
            hire_date=date(2026, 11, 9),
            salary_agreements=(
                SalaryAgreement(date(2026, 11, 9), d("60000.00")),
                SalaryAgreement(date(2026, 11, 16), d("66000.00")),
            ),
        )
    )

    assert (result.fixed, result.bonus, result.total) == (Decimal(fixed), money("0"), Decimal(fixed))
    trace = result.trace["fixed"]
    assert trace["working_days_in_period"] == working_days
    assert [(s["from"], s["to"], s["monthly_amount"], s["working_days"]) for s in trace["segments"]] == [
        ("2026-11-09", "2026-11-15", "60000.00", 5),
        ("2026-11-16", "2026-11-30", "66000.00", 11),
    ]
    assert warning_codes(result) == ["no_scheme"]


def test_d_a_zero():
    table = bands(((0, 0), (80, "0.5"), (100, 1), (200, "1.2")), name="with top band")
    result = calculate_payout(
        payout_input(
            scheme=Scheme("d", (Factor("cost", table, kpi_code="cpc"), Factor("reach", table, kpi_code="traffic"))),
            kpis=kpis("cpc", "traffic"),
            plans={"cpc": d(500), "traffic": d(1000)},
            measures={"ad_spend": d(0), "clicks": d(40)},
        )
    )

    cpc = kpi_entry(result, "cpc")
    assert (cpc["actual"], cpc["fulfillment_pct"]) == ("0", "1000.00")
    assert factor_entry(result, "cost")["band"] == {"row": 4, "from_pct": "200", "to_pct": None}
    traffic = kpi_entry(result, "traffic")
    assert traffic["actual"] is None
    assert traffic["fulfillment_pct"] == "0.00"
    assert traffic["undefined"] == "measure 'visits' was not recorded"
    assert factor_entry(result, "reach")["band"] == {"row": 1, "from_pct": "0", "to_pct": "80"}
    assert result.coefficients == (Decimal("1.2"), Decimal(0))
    assert (result.bonus, result.total) == (money("0"), money("30000"))
    assert warning_codes(result) == ["kpi_undefined"]
    assert result.warnings[0]["kpi"] == "traffic"
