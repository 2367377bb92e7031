"""What it takes to reach the next band (for the projection, spec §9): per factor, the
next band's lower bound, the distance in percentage points and, for a factor on one KPI,
the KPI value that reaches it, in the KPI's own units.

Whatever the input, it never raises: targets and gaps are worked out with exact rationals
(`Fraction`) and integer floor/ceiling, so no figure has "too many digits" — an actual of
1e26 or a what-if value of 1e-30 gives a target and a gap like any other."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from .exact import ROUNDING_CONTEXT
from .payout import LOWER_IS_BETTER, Kpi, PayoutInput, PayoutResult, Scheme


def _floor(value: Fraction, places: int) -> Decimal:
    scaled = value.numerator * 10**places // value.denominator
    return Decimal(f"{scaled}E-{places}") if places else Decimal(scaled)


def _ceiling(value: Fraction, places: int) -> Decimal:
    scaled = -(-value.numerator * 10**places // value.denominator)
    return Decimal(f"{scaled}E-{places}") if places else Decimal(scaled)


def _kpi_target(direction: str, plan: Decimal, threshold_pct: Decimal, unit: str) -> Decimal:
    """The KPI value whose fulfillment reaches `threshold_pct`. Rounded so it surely does:
    up for higher-is-better (whole units for counts), down for lower-is-better."""
    if direction == LOWER_IS_BETTER:
        return _floor(Fraction(plan) * 100 / Fraction(threshold_pct), 2)
    return _ceiling(Fraction(plan) * Fraction(threshold_pct) / 100, 0 if unit == "count" else 2)


def next_bands(data: PayoutInput, result: PayoutResult) -> list[dict[str, Any]]:
    """For each factor of the payout: where it stands and the next band above, if any."""
    if data.scheme is None or not result.trace.get("bonus"):
        return []
    return _next_bands(data, data.scheme, result)


def _next_bands(data: PayoutInput, scheme: Scheme, result: PayoutResult) -> list[dict[str, Any]]:
    kpi_entries = {entry["code"]: entry for entry in result.trace.get("kpis", [])}
    guidance = []
    for factor, entry in zip(scheme.factors, result.trace["bonus"]["factors"], strict=True):
        percentage = Decimal(entry["percentage"])
        upcoming = factor.band_table.next_band_above(percentage)
        item: dict[str, Any] = {
            "factor": factor.name,
            "percentage": entry["percentage"],
            "coefficient": entry["coefficient"],
            "next_band": None,
        }
        if upcoming is not None:
            item["next_band"] = {
                "from_pct": str(upcoming.lower_bound_pct),
                "coefficient": str(upcoming.coefficient),
                "points_away": str(ROUNDING_CONTEXT.subtract(upcoming.lower_bound_pct, percentage)),  # exact
            }
            kpi = data.kpis.get(factor.kpi_code) if factor.kpi_code else None
            plan = data.plans.get(factor.kpi_code) if factor.kpi_code else None
            if kpi is not None and plan is not None and upcoming.lower_bound_pct > 0:
                try:
                    item["next_band"].update(_kpi_guidance(kpi, plan, upcoming.lower_bound_pct, kpi_entries))
                except (ArithmeticError, ValueError):  # pragma: no cover - exact: nothing left to raise
                    pass
        guidance.append(item)
    return guidance


def _exact(text: str | None) -> Fraction | None:
    """The actual from the trace as an exact rational (None if absent or not a number)."""
    if text is None:
        return None
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return Fraction(value) if value.is_finite() else None


def _kpi_guidance(kpi: Kpi, plan: Decimal, threshold_pct: Decimal, kpi_entries: dict[str, dict[str, Any]]) -> dict[str, str]:
    """The KPI value that reaches the next band and, from the actual, the change needed."""
    target = _kpi_target(kpi.direction, plan, threshold_pct, kpi.unit)
    actual = kpi_entries.get(kpi.code, {}).get("actual")
    lower = kpi.direction == LOWER_IS_BETTER
    found = {"kpi": kpi.code, "target": str(target), "direction": kpi.direction}
    text = f"{kpi.code} must fall to {target}" if lower else f"{kpi.code} must reach {target}"
    exact_actual = _exact(actual)
    if exact_actual is not None:
        gap_value = exact_actual - Fraction(target) if lower else Fraction(target) - exact_actual
        gap = _ceiling(gap_value, 0 if kpi.unit == "count" else 2)
        found["change_needed"] = str(gap)
        if not lower:
            text = f"{gap} more {kpi.code}"
    found["text"] = text
    return found
