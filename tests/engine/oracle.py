"""An independent exact calculator, written from the spec (calculation-spec.md §3–§7, §9),
not from the engine: every value a `Fraction`, rounding half-up done with integers."""

from __future__ import annotations

import itertools
from decimal import Decimal
from fractions import Fraction

Q = Fraction


def half_up(value: Fraction, places: int) -> Decimal:
    """Round half-up (ties away from zero) to `places` decimals."""
    scale = 10**places
    scaled = abs(value) * scale
    whole = scaled.numerator // scaled.denominator
    if scaled - whole >= Q(1, 2):
        whole += 1
    sign = "-" if value < 0 else ""
    return Decimal(f"{sign}{whole}E-{places}")


def fulfillment(lower_is_better: bool, plan: Fraction, actual: Fraction | None) -> Decimal:
    """§3."""
    if actual is None:
        return Decimal("0.00")
    if lower_is_better:
        value = Q(1000) if actual == 0 else plan / actual * 100
    else:
        value = actual / plan * 100
    value = min(max(value, Q(0)), Q(1000))
    return half_up(value, 2)


def score(items: list[tuple[Fraction, Fraction]], cap: Fraction) -> Decimal:
    """§4: items are (weight, rounded fulfillment)."""
    return half_up(sum((w * min(f, cap) for w, f in items), Q(0)), 2)


def linear(points: list[tuple[Fraction, Fraction]], x: Fraction) -> Decimal:
    """§5 linear mode."""
    for (lower, low), (upper, high) in itertools.pairwise(points):
        if lower <= x < upper:
            return half_up(low + (high - low) * (x - lower) / (upper - lower), 4)
    if x >= points[-1][0]:
        return half_up(points[-1][1], 4)
    return half_up(points[0][1], 4)


def step(points: list[tuple[Fraction, Fraction]], x: Fraction) -> Fraction:
    coefficient = points[0][1]
    for lower, value in points:
        if x >= lower:
            coefficient = value
    return coefficient


def bonus(base: Fraction, coefficients: list[Fraction], cap: Fraction | None) -> Decimal:
    """§6."""
    product = Q(1)
    for k in coefficients:
        product *= k
    amount = base * product
    if cap is not None:
        amount = min(amount, cap * base)
    return half_up(amount, 2)


def fixed_pay(segments: list[tuple[Fraction, int]], working_days: int) -> Decimal:
    """§7: segments are (monthly salary, days worked under it)."""
    return half_up(sum((s * w for s, w in segments), Q(0)) / working_days, 2)


def projected(recorded: Fraction, days_in_month: int, days_elapsed: int) -> Fraction:
    """§9."""
    return recorded * days_in_month / days_elapsed
