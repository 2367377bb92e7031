"""Periods, working days and prorated fixed pay (spec §7)."""

from __future__ import annotations

import calendar as _stdlib_calendar
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

from .exact import COUNTER, EXACT_CONTEXT, NOT_EXACT, ratio_display, round_ratio
from .rounding import MONEY_ZERO, ZERO, quantize_money

_PERIOD = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")
#: The periods any input may name: a payroll is for a month of this range (and the months
#: next to it, which projections and calendars reach, are still dates).
FIRST_YEAR, LAST_YEAR = 1900, 2100
ONE_DAY = timedelta(days=1)


_ISO_DATES: dict[date, str] = {}


def iso_date(day: date) -> str:
    """`day.isoformat()`, remembered: a trace names the same few dates (the period's first
    and last day, hire dates) for thousands of payouts, and formatting costs more than a
    look-up."""
    text = _ISO_DATES.get(day)
    if text is None:
        if len(_ISO_DATES) >= 4096:
            _ISO_DATES.clear()
        text = _ISO_DATES[day] = day.isoformat()
    return text


@dataclass(frozen=True, order=True, slots=True)
class Period:
    """One calendar month, written `YYYY-MM`."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        """`YYYY-MM` of a year from FIRST_YEAR to LAST_YEAR; raises `ValueError`."""
        match = _PERIOD.match(text.strip()) if isinstance(text, str) and len(text) <= 20 else None
        if match is None:
            shown = f"{text[:40]!r}…" if isinstance(text, str) and len(text) > 40 else repr(text)[:60]
            raise ValueError(f"{shown} is not a period; write it as YYYY-MM, for example 2026-11")
        period = cls(int(match.group(1)), int(match.group(2)))
        if not FIRST_YEAR <= period.year <= LAST_YEAR:
            raise ValueError(f"{period} is out of range: a period is from {FIRST_YEAR}-01 to {LAST_YEAR}-12")
        return period

    @classmethod
    def of(cls, day: date) -> Period:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def days(self) -> int:
        return _stdlib_calendar.monthrange(self.year, self.month)[1]

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, self.days)

    @property
    def previous(self) -> Period:
        return Period(self.year - 1, 12) if self.month == 1 else Period(self.year, self.month - 1)

    @property
    def next(self) -> Period:
        return Period(self.year + 1, 1) if self.month == 12 else Period(self.year, self.month + 1)


@dataclass(frozen=True)
class WorkCalendar:
    """The working days of one period for one company: Monday to Friday, minus holidays,
    plus transferred working days."""

    period: Period
    working_days: tuple[date, ...]
    # _through[d] = working days on days 1..d of the month (index 0 is 0); worked out from
    # `working_days`, like the period's first and last day, once per calendar.
    _through: tuple[int, ...] = field(repr=False, compare=False, default=())
    _first_day: date = field(init=False, repr=False, compare=False)
    _last_day: date = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        period = self.period
        working = {day.day for day in self.working_days if Period.of(day) == period}
        counts = [0]
        for number in range(1, period.days + 1):
            counts.append(counts[-1] + (number in working))
        object.__setattr__(self, "_through", tuple(counts))
        object.__setattr__(self, "_first_day", period.first_day)
        object.__setattr__(self, "_last_day", period.last_day)

    @classmethod
    def build(cls, period: Period, holidays: Iterable[date] = (), transferred_working_days: Iterable[date] = ()) -> WorkCalendar:
        off = set(holidays)
        extra = set(transferred_working_days)
        days = []
        for number in range(1, period.days + 1):
            day = date(period.year, period.month, number)
            if day in extra or (day.weekday() < 5 and day not in off):
                days.append(day)
        return cls(period, tuple(days))

    @property
    def count(self) -> int:
        return len(self.working_days)

    def working_days_between(self, first: date, last: date) -> int:
        """Working days from `first` to `last` inclusive, both clipped to the period."""
        if first < self._first_day:
            first = self._first_day
        if last > self._last_day:
            last = self._last_day
        if last < first:
            return 0
        return self._through[last.day] - self._through[first.day - 1]


@dataclass(frozen=True, slots=True)
class SalaryAgreement:
    effective_from: date
    monthly_amount: Decimal


@dataclass(frozen=True, slots=True)
class SalarySegment:
    """Days of the period paid under one agreement."""

    first_day: date
    last_day: date
    monthly_amount: Decimal
    working_days: int
    amount: Decimal  # monthly_amount × working_days / W, not rounded (28 digits if it does not terminate)


@dataclass(frozen=True, slots=True)
class FixedPay:
    amount: Decimal  # rounded half-up to 0.01
    working_days_in_period: int
    segments: tuple[SalarySegment, ...]


def prorate_fixed_pay(
    calendar: WorkCalendar,
    agreements: Sequence[SalaryAgreement],
    hire_date: date,
    termination_date: date | None = None,
) -> FixedPay:
    """`fixed = round_half_up(Σ salaryⱼ · wⱼ / W, 2)` over the days employed in the period:
    one exact division of the exact sum, rounded from the exact quotient. A segment's
    `amount` is shown exactly when it terminates, else to 28 significant digits (display only).

    The latest agreement that started on or before a day governs that day (`agreements` in
    any order; they are usually sorted by `effective_from` already).
    """
    amount, total_days, segments = prorate(calendar, agreements, hire_date, termination_date)
    return FixedPay(amount, total_days, tuple(SalarySegment(*segment) for segment in segments))


#: A salary segment as `prorate` returns it: the fields of `SalarySegment`, in order.
Segment = tuple[date, date, Decimal, int, Decimal]


def prorate(
    calendar: WorkCalendar, agreements: Sequence[SalaryAgreement], hire_date: date, termination_date: date | None
) -> tuple[Decimal, int, list[Segment]]:
    """`prorate_fixed_pay` as plain tuples: the amount, the period's working days and the
    segments. A payout needs nothing more, and frozen dataclasses cost a payout more to
    build than the arithmetic."""
    total_days = len(calendar.working_days)
    first = hire_date if hire_date > calendar._first_day else calendar._first_day
    last = calendar._last_day
    if termination_date is not None and termination_date < last:
        last = termination_date
    count = len(agreements)
    if total_days == 0 or last < first or not count:
        return MONEY_ZERO, total_days, []
    index = 0
    starts: list[date] = []
    if count > 1:
        starts = [agreement.effective_from for agreement in agreements]
        if any(later < earlier for earlier, later in pairwise(starts)):
            agreements = sorted(agreements, key=_effective_from)
            starts.sort()
        index = max(bisect_right(starts, first) - 1, 0)
    start = agreements[index].effective_from
    if start > first:  # no agreement yet on the first employed day: start at the first one
        first = start
    segments: list[Segment] = []
    total = ZERO  # Σ salaryⱼ · wⱼ in Decimal while that is exact,
    exact_total: Fraction | None = None  # and as a Fraction from the first inexact term
    days_in_period = _day_count(total_days)
    while index < count and first <= last:
        monthly = agreements[index].monthly_amount
        segment_last = last
        if index + 1 < count:
            following = starts[index + 1] - ONE_DAY
            if following < last:
                segment_last = following
        if segment_last >= first:
            worked = calendar.working_days_between(first, segment_last)
            days = _day_count(worked)
            segments.append((first, segment_last, monthly, worked, _segment_amount(monthly, days, days_in_period)))
            if exact_total is None:
                try:
                    total = EXACT_CONTEXT.fma(monthly, days, total)  # exact, or it raises
                except NOT_EXACT:
                    exact_total = Fraction(total)
            if exact_total is not None:
                exact_total += Fraction(monthly) * worked
            first = segment_last + ONE_DAY
        index += 1
    COUNTER.values += 1
    if exact_total is None:
        try:
            return quantize_money(EXACT_CONTEXT.divide(total, days_in_period)), total_days, segments
        except NOT_EXACT:
            exact_total = Fraction(total)
    COUNTER.exact += 1
    return round_ratio(exact_total.numerator, exact_total.denominator * total_days, 2), total_days, segments


def _segment_amount(monthly: Decimal, days: Decimal, days_in_period: Decimal) -> Decimal:
    """`monthly × days / W` for the trace: exact when it terminates, else 28 digits."""
    try:
        return EXACT_CONTEXT.divide(EXACT_CONTEXT.multiply(monthly, days), days_in_period)
    except NOT_EXACT:
        numerator, denominator = monthly.as_integer_ratio()
        return ratio_display((numerator * int(days), denominator * int(days_in_period)))


_DAY_COUNTS = tuple(Decimal(number) for number in range(32))


def _day_count(days: int) -> Decimal:
    """A count of days as a Decimal (the same value `Decimal(days)` gives, without making it)."""
    return _DAY_COUNTS[days] if days < 32 else Decimal(days)


def _effective_from(agreement: SalaryAgreement) -> date:
    return agreement.effective_from
