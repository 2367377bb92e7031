"""Run-rate projection and what-if (spec §9)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from .calendar import Period
from .payout import PayoutInput, PayoutResult, calculate_payout

SUM = "sum"
LAST = "last"
AGGREGATIONS = (SUM, LAST)


def run_rate(period: Period, today: date) -> Decimal:
    """`days_in_month / days_elapsed`, the current day counted as elapsed. 1 once the
    period is over; before it starts there is nothing to scale (also 1)."""
    if today < period.first_day or today >= period.last_day:
        return Decimal(1)
    return Decimal(period.days) / Decimal(today.day)


def project_measures(
    measures: Mapping[str, Decimal], aggregations: Mapping[str, str], factor: Decimal
) -> dict[str, Decimal]:
    """Scale every `sum` measure by `factor`; `last` measures stay as they are."""
    return {code: value * factor if aggregations.get(code, SUM) == SUM else value for code, value in measures.items()}


def projected_input(data: PayoutInput, aggregations: Mapping[str, str], today: date) -> tuple[PayoutInput, Decimal]:
    """The input with its measures projected to the period's end, and the run rate used."""
    factor = run_rate(data.period, today)
    return dataclasses.replace(data, measures=project_measures(data.measures, aggregations, factor)), factor


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
