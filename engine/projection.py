"""Run-rate projection and what-if (spec §9)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from fractions import Fraction

from .calendar import Period
from .exact import EXACT_CONTEXT, NOT_EXACT, Number, display_decimal
from .payout import PayoutInput, PayoutResult, calculate_payout

SUM = "sum"
LAST = "last"
AGGREGATIONS = (SUM, LAST)


def exact_run_rate(period: Period, today: date) -> Fraction:
    """`days_in_month / days_elapsed` as an exact rational, the current day counted as
    elapsed. 1 once the period is over; before it starts there is nothing to scale (also 1)."""
    if today < period.first_day or today >= period.last_day:
        return Fraction(1)
    return Fraction(period.days, today.day)


def run_rate(period: Period, today: date) -> Decimal:
    """`exact_run_rate` for display: exact when it terminates (3, 2.9), else 28 significant
    digits. Projections never scale by this rounded rate (spec §9)."""
    return display_decimal(exact_run_rate(period, today))


def _scale(value: Number, factor: Fraction) -> Number:
    """`value · factor` exactly: `value · numerator / denominator` in Decimal when that is
    exact (`Inexact` trapped), else a Fraction."""
    if isinstance(value, Decimal):
        try:
            return EXACT_CONTEXT.divide(EXACT_CONTEXT.multiply(value, Decimal(factor.numerator)), Decimal(factor.denominator))
        except NOT_EXACT:
            pass
    return Fraction(value) * factor


def project_measures(
    measures: Mapping[str, Number], aggregations: Mapping[str, str], factor: Number
) -> dict[str, Number]:
    """Scale every `sum` measure by `factor` exactly (a Decimal where the product is one,
    else a Fraction); `last` measures stay as they are."""
    exact_factor = factor if type(factor) is Fraction else Fraction(factor)
    return {
        code: _scale(value, exact_factor) if aggregations.get(code, SUM) == SUM else value
        for code, value in measures.items()
    }


def projected_input(data: PayoutInput, aggregations: Mapping[str, str], today: date) -> tuple[PayoutInput, Decimal]:
    """The input with its measures projected to the period's end by the exact run rate, and
    that rate as a Decimal for display (`run_rate`)."""
    factor = exact_run_rate(data.period, today)
    projected = project_measures(data.measures, aggregations, factor)
    return dataclasses.replace(data, measures=projected), display_decimal(factor)


def what_if_input(data: PayoutInput, measures: Mapping[str, Decimal]) -> PayoutInput:
    """The input with the user's measures in place of the recorded ones."""
    return dataclasses.replace(data, measures={**data.measures, **measures})


def project_payout(data: PayoutInput, aggregations: Mapping[str, str], today: date) -> tuple[PayoutResult, Decimal]:
    """The payout the period will bring at the current run rate, and that rate."""
    projected, factor = projected_input(data, aggregations, today)
    return calculate_payout(projected), factor


def what_if_payout(data: PayoutInput, measures: Mapping[str, Decimal]) -> PayoutResult:
    """The payout with the user's measures in place of the recorded ones (stores nothing)."""
    return calculate_payout(what_if_input(data, measures))
