"""Numbers from outside are bounded before anything computes with them or prints them
(`core.numbers.parse_decimal`), and the engine's guidance never raises for one the
domain accepts (issue 10, items 5 and 9). No database: plain Python."""

import time
from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.numbers import (
    MAX_TEXT_CHARS,
    NOT_A_NUMBER,
    QUOTE_CHARS,
    TOO_LARGE,
    TOO_PRECISE,
    NumberError,
    parse_decimal,
    quote,
)
from engine import (
    BandTable,
    Factor,
    Kpi,
    PayoutInput,
    Period,
    SalaryAgreement,
    Scheme,
    WorkCalendar,
    calculate_payout,
    parse_formula,
)
from engine.guidance import next_bands

# a measure value's column: DecimalField(max_digits=18, decimal_places=4)
VALUE = {"max_digits": 18, "decimal_places": 4}
LARGEST = D("99999999999999.9999")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("180", D(180)),
        ("  12.5000 ", D("12.5")),
        ("1e3", D(1000)),
        ("1E+3", D(1000)),
        ("-0.0001", D("-0.0001")),
        ("+7", D(7)),
        (".5", D("0.5")),
        ("5.", D(5)),
        ("1 234,5", D("1234.5")),
        ("1\u00a0234,5", D("1234.5")),
        ("\u22125", D(-5)),
        ("0e999999999", D(0)),
        ("-0", D(0)),
        ("99999999999999.9999", LARGEST),
        ("0.00000000000000000000000000000000000001e38", D(1)),
        (42, D(42)),
    ],
)
def test_numbers_the_column_holds_are_read_plain(text, expected):
    assert str(parse_decimal(text, **VALUE)) == str(expected)  # the value, written plain


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("1e999999999", TOO_LARGE, "at most 14 digits before the decimal point"),
        ("-1e999999999", TOO_LARGE, "at most 14 digits"),
        ("1e99999999999999999999999999999999999999", TOO_LARGE, "at most 14 digits"),
        ("100000000000000", TOO_LARGE, "at most 14 digits"),
        ("1e-30", TOO_PRECISE, "at most 4"),
        ("-1e-30", TOO_PRECISE, "at most 4"),
        ("1e-999999999", TOO_PRECISE, "at most 4"),
        ("1.00001", TOO_PRECISE, "at most 4"),
        ("NaN", NOT_A_NUMBER, "is not a number"),
        ("Infinity", NOT_A_NUMBER, "is not a number"),
        ("1_000", NOT_A_NUMBER, "is not a number"),
        ("\u0663", NOT_A_NUMBER, "is not a number"),  # an Arabic-Indic 3: Decimal() would take it
        ("1,234.5", NOT_A_NUMBER, "one decimal separator"),
        ("", NOT_A_NUMBER, "is not a number"),
        (".", NOT_A_NUMBER, "is not a number"),
        ("e5", NOT_A_NUMBER, "is not a number"),
        (None, NOT_A_NUMBER, "is not a number"),
        (1.5, NOT_A_NUMBER, "is not a number"),  # floats are formatted by the caller, as it knows how
        ("1" * 5_000_000, NOT_A_NUMBER, f"longer than {MAX_TEXT_CHARS} characters"),
    ],
)
def test_numbers_the_column_cannot_hold_are_refused_fast_with_a_short_message(text, code, words):
    started = time.perf_counter()
    with pytest.raises(NumberError) as refused:
        parse_decimal(text, **VALUE)
    assert time.perf_counter() - started < 0.1
    assert refused.value.code == code
    assert words in refused.value.message
    assert len(refused.value.message) < QUOTE_CHARS + 80


def test_a_grouped_number_reads_when_thousands_separators_are_allowed():
    assert parse_decimal("1,234.5", **VALUE, thousands_separators=True) == D("1234.5")
    assert parse_decimal("1.234,5", **VALUE, thousands_separators=True) == D("1234.5")


def test_quote_cuts_long_text_and_huge_integers():
    assert quote("short") == "'short'"
    assert quote("x" * 1000) == repr("x" * QUOTE_CHARS) + "…"
    assert len(quote(10**10_000)) < 60  # str() of it would raise


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet="0123456789eE+-.,  \u00a0\u2212", max_size=60)))
def test_the_parser_raises_nothing_but_its_own_error_for_any_text(text):
    try:
        value = parse_decimal(text, **VALUE)
    except NumberError as error:
        assert error.code in (NOT_A_NUMBER, TOO_LARGE, TOO_PRECISE)
        assert len(error.message) < QUOTE_CHARS + 100
    else:
        assert value.is_finite() and abs(value) <= LARGEST
        assert value == value.quantize(D("0.0001"))


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=-LARGEST, max_value=LARGEST, places=4, allow_nan=False, allow_infinity=False))
def test_every_value_the_column_holds_reads_back_as_itself(value):
    assert parse_decimal(str(value), **VALUE) == value
    assert parse_decimal(f"{value:f}", **VALUE) == value


# --- the guidance never raises for what the domain accepts ------------------------------

NOVEMBER = Period.parse("2026-11")
BANDS = BandTable.build("seed", [(D(0), D(0)), (D("0.01"), D("0.1")), (D(80), D("0.5")), (D(100), D(1)), (D(105), D("1.2"))])
KPIS = {
    "leads": Kpi("leads", "higher_is_better", parse_formula("leads"), unit="count"),
    "cpl": Kpi("cpl", "lower_is_better", parse_formula("marketing_spend / leads"), unit="money"),
    "reach": Kpi("reach", "higher_is_better", parse_formula("leads * marketing_spend * leads"), unit="ratio"),
}
accepted = st.decimals(min_value=-LARGEST, max_value=LARGEST, places=4, allow_nan=False, allow_infinity=False)
extremes = st.sampled_from([D(0), D("0.0001"), D("-0.0001"), D(1), LARGEST, -LARGEST])
plans = st.sampled_from([D("0.0001"), D(1), D(200), LARGEST])


def _guidance(leads, spend, plan_leads, plan_cpl, plan_reach):
    scheme = Scheme(
        "s",
        (Factor("k1", BANDS, kpi_code="leads"), Factor("k2", BANDS, kpi_code="cpl"), Factor("k3", BANDS, kpi_code="reach")),
    )
    data = PayoutInput(
        "E", NOVEMBER, WorkCalendar.build(NOVEMBER), date(2020, 1, 1), None,
        (SalaryAgreement(date(2020, 1, 1), D("30000.00")),), scheme, KPIS,
        {"leads": plan_leads, "cpl": plan_cpl, "reach": plan_reach}, {"leads": leads, "marketing_spend": spend},
    )
    return next_bands(data, calculate_payout(data))


@pytest.mark.parametrize(("leads", "spend"), [(D("1e-30"), D(93500)), (D("-1e-30"), D(93500)), (D("0.0001"), LARGEST)])
def test_the_guidance_leaves_out_what_it_cannot_state(leads, spend):
    # CPL = 93,500 / 1e-30: its target and the gap to it have more digits than the calculation carries
    items = {item["factor"]: item for item in _guidance(leads, spend, D(200), D(500), D(1))}
    assert set(items) == {"k1", "k2", "k3"}
    for item in items.values():
        upcoming = item["next_band"]
        assert upcoming is None or ("text" in upcoming) == ("target" in upcoming)


@settings(max_examples=300, deadline=None)
@given(st.one_of(accepted, extremes), st.one_of(accepted, extremes), plans, plans, plans)
def test_the_guidance_never_raises_for_values_the_domain_accepts(leads, spend, plan_leads, plan_cpl, plan_reach):
    for item in _guidance(leads, spend, plan_leads, plan_cpl, plan_reach):
        assert item["factor"] in ("k1", "k2", "k3")
