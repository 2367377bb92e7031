"""One payout (spec §3, §6, §8): fulfillment, warnings, base, cap, adjustments, trace."""

import dataclasses
import json
from datetime import date
from decimal import Decimal

import pytest

from engine import (
    BASE_FIXED,
    HIGHER_IS_BETTER,
    LOWER_IS_BETTER,
    Adjustment,
    Factor,
    PayoutResult,
    Scheme,
    calculate_payout,
    fulfillment,
)

from .builders import (
    NOVEMBER,
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

SEED_PLANS = {"leads": d(200), "cpl": d(500)}
SEED_MEASURES = {"leads": d(200), "marketing_spend": d("100000.00")}  # F 100 and 100: k1 = k2 = 1


def _seed_payout(**overrides):
    values = {"scheme": seed_scheme(), "kpis": kpis("leads", "cpl"), "plans": SEED_PLANS, "measures": SEED_MEASURES}
    values.update(overrides)
    return calculate_payout(payout_input(**values))


def _flat_scheme(coefficient, **options):
    """A one-factor scheme whose coefficient is `coefficient` whatever the fulfillment."""
    return Scheme("flat", (Factor("k", bands(((0, coefficient),)), kpi_code="leads"),), **options)


@pytest.mark.parametrize(
    ("direction", "plan", "actual", "expected"),
    [
        pytest.param(HIGHER_IS_BETTER, "200", "100", "50.00", id="higher-half"),
        pytest.param(HIGHER_IS_BETTER, "3", "1", "33.33", id="higher-rounded-down"),
        pytest.param(HIGHER_IS_BETTER, "3", "2", "66.67", id="higher-rounded-up"),
        pytest.param(HIGHER_IS_BETTER, "100", "99.995", "100.00", id="half-up-not-half-even"),
        pytest.param(HIGHER_IS_BETTER, "100", "99.99499", "99.99", id="just-below-half"),
        pytest.param(HIGHER_IS_BETTER, "100", "99.996", "100.00", id="99.996-reads-100"),
        pytest.param(HIGHER_IS_BETTER, "1", "20", "1000.00", id="clamped-to-1000"),
        pytest.param(HIGHER_IS_BETTER, "100", "-5", "0.00", id="clamped-to-0"),
        pytest.param(HIGHER_IS_BETTER, "100", "0", "0.00", id="higher-actual-0"),
        pytest.param(LOWER_IS_BETTER, "500", "555.555", "90.00", id="lower-example-a"),
        pytest.param(LOWER_IS_BETTER, "500", "250", "200.00", id="lower-better"),
        pytest.param(LOWER_IS_BETTER, "500", "0", "1000.00", id="lower-actual-0-is-top"),
        pytest.param(LOWER_IS_BETTER, "500", "0.01", "1000.00", id="lower-clamped"),
        pytest.param(LOWER_IS_BETTER, "500", "-1", "0.00", id="lower-negative-actual"),
        pytest.param(HIGHER_IS_BETTER, None, "100", "0.00", id="no-plan"),
        pytest.param(LOWER_IS_BETTER, "500", None, "0.00", id="undefined-actual"),
        pytest.param(LOWER_IS_BETTER, None, "0", "0.00", id="no-plan-beats-actual-0"),
    ],
)
def test_fulfillment(direction, plan, actual, expected):
    value = fulfillment(direction, None if plan is None else d(plan), None if actual is None else d(actual))
    assert str(value) == expected


def test_no_scheme_pays_no_bonus_and_warns():
    result = calculate_payout(payout_input(adjustments=(Adjustment(d("100.00"), "late fee refund"),)))
    assert (result.fixed, result.bonus, result.adjustments, result.total) == (
        money("30000"),
        money("0"),
        money("100"),
        money("30100"),
    )
    assert warning_codes(result) == ["no_scheme"]
    assert result.trace["bonus"] is None
    assert "kpis" not in result.trace
    assert (result.coefficients, result.score) == ((), None)


def test_a_missing_plan_counts_as_0_and_warns():
    result = _seed_payout(plans={"cpl": d(500)})
    leads = kpi_entry(result, "leads")
    assert leads["no_plan"] is True
    assert (leads["plan"], leads["actual"], leads["fulfillment_pct"]) == (None, "200", "0.00")
    assert factor_entry(result, "k1")["band"]["row"] == 1
    assert result.bonus == money("0")
    assert warning_codes(result) == ["no_plan"]
    assert result.warnings[0]["kpi"] == "leads"
    assert str(NOVEMBER) in result.warnings[0]["message"]


def test_an_undefined_kpi_without_plan_reports_both():
    result = _seed_payout(plans={}, measures={})
    assert warning_codes(result) == ["kpi_undefined", "no_plan", "kpi_undefined", "no_plan"]
    assert kpi_entry(result, "cpl")["undefined"] == "measure 'leads' was not recorded"


def test_division_by_zero_is_undefined_with_its_reason():
    result = _seed_payout(measures={"leads": d(0), "marketing_spend": d(1000)})
    cpl = kpi_entry(result, "cpl")
    assert cpl["undefined"] == "division by zero (the divisor at position 17 is 0)"
    assert cpl["fulfillment_pct"] == "0.00"
    assert result.warnings[0]["message"] == f"KPI 'cpl' is undefined: {cpl['undefined']}"


def test_an_unknown_kpi_counts_as_0_and_warns():
    result = _seed_payout(kpis=kpis("leads"))
    assert kpi_entry(result, "cpl")["undefined"] == "KPI 'cpl' is not defined"
    assert warning_codes(result) == ["kpi_unknown"]
    assert result.coefficients == (Decimal(1), Decimal(0))


@pytest.mark.parametrize(
    ("coefficient", "cap", "bonus", "capped"),
    [
        pytest.param("2", "1.5", "45000.00", True, id="capped"),
        pytest.param("1.5", "1.5", "45000.00", False, id="at-the-cap"),
        pytest.param("1.2", "1.5", "36000.00", False, id="below-the-cap"),
        pytest.param("2", None, "60000.00", False, id="no-cap"),
        pytest.param("2", "0", "0.00", True, id="cap-0"),
    ],
)
def test_the_cap_limits_the_bonus_to_cap_times_base(coefficient, cap, bonus, capped):
    scheme = _flat_scheme(coefficient, cap=None if cap is None else d(cap))
    result = _seed_payout(scheme=scheme)
    assert result.bonus == Decimal(bonus)
    trace = result.trace["bonus"]
    assert trace["capped"] is capped
    assert trace["cap"] == cap
    assert trace["cap_amount"] == (None if cap is None else str(d(cap) * d("30000.00")))
    assert trace["amount"] == bonus


def test_a_share_base_is_share_times_rounded_fixed():
    result = _seed_payout(
        hire_date=date(2026, 11, 30), scheme=_flat_scheme("1", base_share=d("0.5"))
    )  # fixed = 30000/21 = 1428.571… -> 1428.57; base 714.285 -> bonus 714.29
    assert result.fixed == money("1428.57")
    assert result.trace["bonus"]["base"] == {"kind": "share", "share": "0.5", "amount": "714.285"}
    assert result.bonus == money("714.29")


@pytest.mark.parametrize(
    ("amount", "bonus"),
    [pytest.param("10000.00", "5000.00", id="fixed-amount"), pytest.param(None, "0.00", id="fixed-amount-missing")],
)
def test_a_fixed_amount_base_ignores_fixed_pay(amount, bonus):
    scheme = _flat_scheme("0.5", base_kind=BASE_FIXED, base_amount=None if amount is None else d(amount))
    result = _seed_payout(scheme=scheme, hire_date=date(2026, 11, 16))
    assert result.fixed == money("15714.29")  # 30000 × 11 / 21
    assert result.bonus == Decimal(bonus)
    assert result.trace["bonus"]["base"]["kind"] == "fixed_amount"
    assert result.trace["bonus"]["base"]["share"] is None


def test_adjustments_add_into_the_total():
    adjustments = (Adjustment(d("1500.00"), "one-off bonus"), Adjustment(d("-200.50"), "correction of October"))
    result = _seed_payout(adjustments=adjustments)
    assert (result.fixed, result.bonus, result.adjustments) == (money("30000"), money("30000"), money("1299.50"))
    assert result.total == money("61299.50")
    assert result.trace["adjustments"] == [
        {"amount": "1500.00", "reason": "one-off bonus"},
        {"amount": "-200.50", "reason": "correction of October"},
    ]
    assert result.trace["total"] == "61299.50"


def test_an_unresolved_factor_counts_as_0_and_says_why():
    table = bands(((0, "0.25"), (50, 1)))
    scheme = Scheme(
        "stage", (Factor("k1", table, kpi_code="leads"), Factor("k3", table, unresolved_reason="no active set for stage 4"))
    )
    result = _seed_payout(scheme=scheme)
    factor = factor_entry(result, "k3")
    assert factor["input"] == {"unresolved": "no active set for stage 4"}
    assert (factor["percentage"], factor["band"]["row"], factor["coefficient"]) == ("0.00", 1, "0.25")
    assert result.coefficients == (Decimal(1), Decimal("0.25"))
    assert result.bonus == money("7500")
    assert warning_codes(result) == ["factor_unresolved"]
    assert result.warnings[0]["message"] == "k3: no active set for stage 4; counts as 0 %"


def test_a_factor_without_input_or_reason_is_unresolved_too():
    result = _seed_payout(scheme=Scheme("bare", (Factor("k", bands()),)))
    assert factor_entry(result, "k")["input"] == {"unresolved": "the factor has no input"}


def test_a_kpi_used_twice_is_evaluated_and_warned_once():
    stage = Factor("k3", bands(), kpi_set=kpi_set(("0.5", "0.5"), codes=("leads", "cpl")))
    scheme = Scheme("both", (*seed_scheme().factors, stage))
    result = _seed_payout(scheme=scheme, plans={"cpl": d(500)})
    assert [entry["code"] for entry in result.trace["kpis"]] == ["leads", "cpl"]
    assert warning_codes(result) == ["no_plan"]
    assert result.score == Decimal("50.00")
    assert factor_entry(result, "k3")["input"]["items"][0] == {
        "kpi": "leads",
        "weight": "0.5",
        "fulfillment_pct": "0.00",
        "capped_pct": "0.00",
        "weighted": "0.000",
    }


def test_the_score_comes_from_the_kpi_set_factor():
    assert _seed_payout().score is None


def test_warnings_found_while_gathering_come_first():
    gathered = ({"code": "stage_missing", "message": "no stage recorded"},)
    result = _seed_payout(warnings=gathered, plans={})
    assert warning_codes(result) == ["stage_missing", "no_plan", "no_plan"]


def test_the_trace_is_json_ready_and_complete():
    result = _seed_payout(measures={"leads": d(200), "marketing_spend": d("111111.00")})
    document = json.loads(json.dumps(result.as_json()))
    assert document["fixed"] == "30000.00"
    assert document["coefficients"] == ["1", "0.5"]
    assert document["trace"]["fixed"]["segments"] == [
        {"from": "2026-11-01", "to": "2026-11-30", "monthly_amount": "30000.00", "working_days": 21, "amount": "30000.00"}
    ]
    cpl = document["trace"]["kpis"][1]
    assert cpl == {
        "code": "cpl",
        "plan": "500",
        "name": "cpl",
        "direction": "lower_is_better",
        "formula": "marketing_spend / leads",
        "measures": {"leads": "200", "marketing_spend": "111111.00"},
        "actual": "555.555",
        "fulfillment_pct": "90.00",
    }
    assert document["trace"]["bonus"]["product"] == "0.5"
    assert document["trace"]["bonus"]["factors"][0]["input"] == {"kpi": "leads"}


def test_previous_measures_appear_in_the_trace():
    result = calculate_payout(
        payout_input(
            scheme=Scheme("s", (Factor("k", bands(), kpi_code="purchase_frequency_growth"),)),
            kpis=kpis("purchase_frequency_growth"),
            plans={"purchase_frequency_growth": d(100)},
            measures={"purchases": d(90)},
        )
    )
    entry = kpi_entry(result, "purchase_frequency_growth")
    assert entry["previous_measures"] == {"purchases": None}
    assert entry["undefined"] == "prev(purchases) was not recorded"


def test_the_result_is_a_complete_frozen_payout_result():
    result = _seed_payout()
    fields = {field.name: getattr(result, field.name) for field in dataclasses.fields(PayoutResult)}
    assert vars(result) == fields
    assert result == PayoutResult(**fields)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.bonus = Decimal(0)  # type: ignore[misc]
