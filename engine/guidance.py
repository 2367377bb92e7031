"""What it takes to reach the next band (for the projection, spec §9): per factor, the
next band's lower bound, the distance in percentage points and, for a factor on one KPI,
the KPI value that reaches it, in the KPI's own units.

Whatever the input, it never raises: a figure that cannot be stated (a target or a gap
with more digits than the calculation carries) is left out, and with it the text."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext
from typing import Any

from .payout import LOWER_IS_BETTER, Kpi, PayoutInput, PayoutResult
from .rounding import CALCULATION_CONTEXT, HUNDRED

_CENT = Decimal("0.01")


def _kpi_target(direction: str, plan: Decimal, threshold_pct: Decimal, unit: str) -> Decimal:
    """The KPI value whose fulfillment reaches `threshold_pct`. Rounded so it surely does:
    up for higher-is-better (whole units for counts), down for lower-is-better."""
    if direction == LOWER_IS_BETTER:
        return (plan * HUNDRED / threshold_pct).quantize(_CENT, rounding=ROUND_FLOOR)
    target = plan * threshold_pct / HUNDRED
    return target.quantize(Decimal(1) if unit == "count" else _CENT, rounding=ROUND_CEILING)


def next_bands(data: PayoutInput, result: PayoutResult) -> list[dict[str, Any]]:
    """For each factor of the payout: where it stands and the next band above, if any."""
    if data.scheme is None or not result.trace.get("bonus"):
        return []
    with localcontext(CALCULATION_CONTEXT):
        return _next_bands(data, result)


def _next_bands(data: PayoutInput, result: PayoutResult) -> list[dict[str, Any]]:
    kpi_entries = {entry["code"]: entry for entry in result.trace.get("kpis", [])}
    guidance = []
    for factor, entry in zip(data.scheme.factors, result.trace["bonus"]["factors"], strict=True):
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
                "points_away": str(upcoming.lower_bound_pct - percentage),
            }
            kpi = data.kpis.get(factor.kpi_code) if factor.kpi_code else None
            plan = data.plans.get(factor.kpi_code) if factor.kpi_code else None
            if kpi is not None and plan is not None and upcoming.lower_bound_pct > 0:
                try:
                    item["next_band"].update(_kpi_guidance(kpi, plan, upcoming.lower_bound_pct, kpi_entries))
                except ArithmeticError:  # InvalidOperation, Overflow: no figure to state
                    pass
        guidance.append(item)
    return guidance


def _kpi_guidance(kpi: Kpi, plan: Decimal, threshold_pct: Decimal, kpi_entries: dict[str, dict]) -> dict[str, str]:
    """The KPI value that reaches the next band and, from the actual, the change needed."""
    target = _kpi_target(kpi.direction, plan, threshold_pct, kpi.unit)
    actual = kpi_entries.get(kpi.code, {}).get("actual")
    lower = kpi.direction == LOWER_IS_BETTER
    found = {"kpi": kpi.code, "target": str(target), "direction": kpi.direction}
    text = f"{kpi.code} must fall to {target}" if lower else f"{kpi.code} must reach {target}"
    if actual is not None:
        gap = Decimal(actual) - target if lower else target - Decimal(actual)
        gap = gap.quantize(Decimal(1) if kpi.unit == "count" else _CENT, rounding=ROUND_CEILING)
        found["change_needed"] = str(gap)
        if not lower:
            text = f"{gap} more {kpi.code}"
    found["text"] = text
    return found
