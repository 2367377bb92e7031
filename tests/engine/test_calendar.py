"""Periods, working days and prorated fixed pay (spec §7)."""

from datetime import date
from decimal import Decimal

import pytest

from engine import Period, SalaryAgreement, WorkCalendar, calculate_payout, prorate_fixed_pay
from engine.calendar import iso_date

from .builders import NOVEMBER, NOVEMBER_CALENDAR, d, money, payout_input, warning_codes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("2026-11", Period(2026, 11), id="plain"),
        pytest.param(" 2026-01 ", Period(2026, 1), id="surrounding-space"),
        pytest.param("1999-12", Period(1999, 12), id="december"),
    ],
)
def test_period_parse(text, expected):
    assert Period.parse(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("2026-13", id="month-13"),
        pytest.param("2026-00", id="month-0"),
        pytest.param("2026-1", id="one-digit-month"),
        pytest.param("26-11", id="two-digit-year"),
        pytest.param("2026/11", id="slash"),
        pytest.param("2026-11-01", id="a-date"),
        pytest.param("", id="empty"),
        pytest.param("November", id="words"),
        pytest.param(None, id="none"),
        pytest.param(202611, id="a-number"),
    ],
)
def test_period_parse_refuses(text):
    with pytest.raises(ValueError, match="is not a period; write it as YYYY-MM"):
        Period.parse(text)


def test_period_arithmetic():
    assert str(Period(2026, 3)) == "2026-03"
    assert (Period(2026, 1).previous, Period(2026, 12).next) == (Period(2025, 12), Period(2027, 1))
    assert (Period(2026, 5).previous, Period(2026, 5).next) == (Period(2026, 4), Period(2026, 6))
    assert (Period(2028, 2).days, Period(2026, 2).days) == (29, 28)
    assert (NOVEMBER.first_day, NOVEMBER.last_day) == (date(2026, 11, 1), date(2026, 11, 30))
    assert Period.of(date(2026, 11, 23)) == NOVEMBER
    assert Period(2025, 12) < Period(2026, 1) < Period(2026, 2)


@pytest.mark.parametrize(
    ("holidays", "transferred", "count"),
    [
        pytest.param((), (), 21, id="mon-to-fri"),
        pytest.param((date(2026, 11, 4),), (), 20, id="a-holiday"),
        pytest.param((date(2026, 11, 7),), (), 21, id="a-holiday-on-a-saturday"),
        pytest.param((date(2026, 10, 5),), (), 21, id="a-holiday-in-another-month"),
        pytest.param((), (date(2026, 11, 7),), 22, id="a-transferred-saturday"),
        pytest.param((date(2026, 11, 4),), (date(2026, 11, 7),), 21, id="holiday-moved-to-saturday"),
        pytest.param((date(2026, 11, 7),), (date(2026, 11, 7),), 22, id="transferred-wins-over-holiday"),
    ],
)
def test_working_days(holidays, transferred, count):
    calendar = WorkCalendar.build(NOVEMBER, holidays=holidays, transferred_working_days=transferred)
    assert calendar.count == count
    assert len(calendar.working_days) == count
    assert all(day.month == 11 for day in calendar.working_days)


@pytest.mark.parametrize(
    ("first", "last", "count"),
    [
        pytest.param(date(2026, 11, 9), date(2026, 11, 15), 5, id="a-week"),
        pytest.param(date(2026, 11, 7), date(2026, 11, 8), 0, id="a-weekend"),
        pytest.param(date(2026, 10, 1), date(2026, 12, 31), 21, id="clipped-to-the-period"),
        pytest.param(date(2026, 11, 30), date(2026, 11, 30), 1, id="one-day"),
        pytest.param(date(2026, 11, 20), date(2026, 11, 10), 0, id="reversed"),
    ],
)
def test_working_days_between(first, last, count):
    assert NOVEMBER_CALENDAR.working_days_between(first, last) == count


def _agreements(*pairs):
    return tuple(SalaryAgreement(day, d(amount)) for day, amount in pairs)


@pytest.mark.parametrize(
    ("hire", "termination", "agreements", "fixed", "segments"),
    [
        pytest.param(
            date(2020, 1, 1), None, [(date(2020, 1, 1), "30000.00")], "30000.00", [(21, "30000.00")], id="full-month"
        ),
        pytest.param(
            date(2020, 1, 1),
            date(2026, 11, 13),
            [(date(2020, 1, 1), "21000.00")],
            "10000.00",
            [(10, "21000.00")],
            id="termination-mid-month",
        ),
        pytest.param(
            date(2026, 11, 9),
            date(2026, 11, 20),
            [(date(2026, 11, 9), "42000.00")],
            "20000.00",
            [(10, "42000.00")],
            id="hired-and-terminated-in-the-month",
        ),
        pytest.param(
            date(2026, 11, 2),
            None,
            [(date(2026, 11, 9), "21000.00")],
            "16000.00",
            [(16, "21000.00")],
            id="hired-before-the-first-agreement",
        ),
        pytest.param(
            date(2020, 1, 1),
            None,
            [(date(2020, 1, 1), "21000.00"), (date(2026, 11, 9), "42000.00"), (date(2026, 11, 23), "63000.00")],
            "43000.00",
            [(5, "21000.00"), (10, "42000.00"), (6, "63000.00")],
            id="two-raises-in-the-month",
        ),
        pytest.param(
            date(2020, 1, 1),
            None,
            [(date(2020, 1, 1), "10000.00"), (date(2025, 1, 1), "21000.00"), (date(2026, 12, 1), "99000.00")],
            "21000.00",
            [(21, "21000.00")],
            id="only-the-agreement-in-force-counts",
        ),
        pytest.param(
            date(2026, 11, 30), None, [(date(2026, 11, 1), "30000.00")], "1428.57", [(1, "30000.00")], id="rounded"
        ),
        pytest.param(
            date(2026, 11, 7), date(2026, 11, 8), [(date(2026, 11, 1), "30000.00")], "0.00", [(0, "30000.00")],
            id="employed-only-on-a-weekend",
        ),
        pytest.param(date(2026, 12, 1), None, [(date(2026, 12, 1), "30000.00")], "0.00", [], id="hired-next-month"),
        pytest.param(date(2020, 1, 1), date(2026, 10, 31), [(date(2020, 1, 1), "1")], "0.00", [], id="left-before"),
    ],
)
def test_proration(hire, termination, agreements, fixed, segments):
    pay = prorate_fixed_pay(NOVEMBER_CALENDAR, _agreements(*agreements), hire, termination)
    assert pay.amount == Decimal(fixed)
    assert str(pay.amount) == fixed
    assert pay.working_days_in_period == 21
    assert [(s.working_days, str(s.monthly_amount)) for s in pay.segments] == segments


def test_segment_amounts_are_not_rounded():
    pay = prorate_fixed_pay(NOVEMBER_CALENDAR, _agreements((date(2026, 11, 1), "10000.00")), date(2026, 11, 30))
    (segment,) = pay.segments
    assert segment.amount == Decimal("10000.00") / 21
    assert (segment.first_day, segment.last_day) == (date(2026, 11, 30), date(2026, 11, 30))
    assert pay.amount == money("476.19")


def test_the_sum_is_rounded_once_not_per_segment():
    agreements = _agreements((date(2026, 11, 1), "1.00"), (date(2026, 11, 3), "1.00"), (date(2026, 11, 4), "1.00"))
    pay = prorate_fixed_pay(NOVEMBER_CALENDAR, agreements, date(2026, 11, 1), date(2026, 11, 4))
    # three segments of 1.00 × 1/21 (2, 3, 4 November): rounded each, 3 × 0.05 = 0.15; once, 0.1428… -> 0.14
    assert [s.working_days for s in pay.segments] == [1, 1, 1]
    assert pay.amount == money("0.14")


def test_no_agreement_gives_0_with_a_warning():
    result = calculate_payout(payout_input(salary_agreements=()))
    assert (result.fixed, result.total) == (money("0"), money("0"))
    assert warning_codes(result) == ["no_salary", "no_scheme"]


def test_no_agreement_in_force_in_the_period_gives_0_with_a_warning():
    result = calculate_payout(payout_input(salary_agreements=_agreements((date(2026, 12, 1), "30000.00"))))
    assert result.fixed == money("0")
    assert warning_codes(result) == ["no_salary", "no_scheme"]


def test_a_month_without_working_days_pays_no_fixed_and_warns():
    every_day = [date(2026, 11, day) for day in range(1, 31)]
    result = calculate_payout(payout_input(calendar=WorkCalendar.build(NOVEMBER, holidays=every_day)))
    assert result.fixed == money("0")
    assert warning_codes(result) == ["no_working_days", "no_scheme"]


def test_agreements_in_any_order_give_the_same_pay():
    in_order = _agreements(
        (date(2020, 1, 1), "21000.00"), (date(2026, 11, 9), "42000.00"), (date(2026, 11, 23), "63000.00")
    )
    shuffled = (in_order[2], in_order[0], in_order[1])
    assert prorate_fixed_pay(NOVEMBER_CALENDAR, shuffled, date(2020, 1, 1)) == prorate_fixed_pay(
        NOVEMBER_CALENDAR, in_order, date(2020, 1, 1)
    )
    assert prorate_fixed_pay(NOVEMBER_CALENDAR, shuffled, date(2020, 1, 1)).amount == money("43000")


def test_a_calendar_made_without_build_counts_the_same():
    built = WorkCalendar.build(NOVEMBER, holidays=[date(2026, 11, 4)])
    direct = WorkCalendar(NOVEMBER, built.working_days)
    assert direct == built
    assert direct.working_days_between(date(2026, 11, 1), date(2026, 11, 15)) == 9
    assert direct.working_days_between(date(2026, 11, 1), date(2026, 11, 15)) == built.working_days_between(
        date(2026, 11, 1), date(2026, 11, 15)
    )


def test_iso_date_is_isoformat():
    assert iso_date(date(2026, 11, 4)) == "2026-11-04"
    assert iso_date(date(2026, 11, 4)) == date(2026, 11, 4).isoformat()
