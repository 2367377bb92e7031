"""Periods, working days and prorated fixed pay (spec §7)."""

from __future__ import annotations

import calendar as _stdlib_calendar
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from .rounding import ZERO, quantize_money

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, order=True, slots=True)
class Period:
    """One calendar month, written `YYYY-MM`."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.match(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise ValueError(f"{text!r} is not a period; write it as YYYY-MM, for example 2026-11")
        return cls(int(match.group(1)), int(match.group(2)))

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
    # _through[d] = working days on days 1..d of the month (index 0 is 0).
    _through: tuple[int, ...] = field(repr=False, compare=False, default=())

    @classmethod
    def build(cls, period: Period, holidays: Iterable[date] = (), transferred_working_days: Iterable[date] = ()) -> WorkCalendar:
        off = set(holidays)
        extra = set(transferred_working_days)
        days = []
        counts = [0]
        for number in range(1, period.days + 1):
            day = date(period.year, period.month, number)
            working = day in extra or (day.weekday() < 5 and day not in off)
            if working:
                days.append(day)
            counts.append(counts[-1] + working)
        return cls(period, tuple(days), tuple(counts))

    @property
    def count(self) -> int:
        return len(self.working_days)

    def working_days_between(self, first: date, last: date) -> int:
        """Working days from `first` to `last` inclusive, both clipped to the period."""
        first = max(first, self.period.first_day)
        last = min(last, self.period.last_day)
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
    amount: Decimal  # monthly_amount × working_days / W, not rounded


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
    """`fixed = round_half_up(Σ salaryⱼ · wⱼ / W, 2)` over the days employed in the period.

    `agreements` must be sorted by `effective_from`; the latest one that started on or before
    a day governs that day.
    """
    period = calendar.period
    total_days = calendar.count
    first = max(hire_date, period.first_day)
    last = min(termination_date, period.last_day) if termination_date else period.last_day
    if total_days == 0 or last < first or not agreements:
        return FixedPay(ZERO.quantize(Decimal("0.01")), total_days, ())
    starts = [agreement.effective_from for agreement in agreements]
    index = bisect_right(starts, first) - 1
    if index < 0:  # no agreement yet on the first employed day: start at the first one
        index = 0
        first = max(first, starts[0])
    segments = []
    total = ZERO
    while index < len(agreements) and first <= last:
        agreement = agreements[index]
        following = agreements[index + 1].effective_from if index + 1 < len(agreements) else None
        segment_last = min(last, following - timedelta(days=1)) if following else last
        if segment_last >= first:
            worked = calendar.working_days_between(first, segment_last)
            amount = agreement.monthly_amount * worked / total_days
            total += amount
            segments.append(SalarySegment(first, segment_last, agreement.monthly_amount, worked, amount))
            first = segment_last + timedelta(days=1)
        index += 1
    return FixedPay(quantize_money(total), total_days, tuple(segments))
