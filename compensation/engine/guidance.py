"""What it takes to reach the next band (for the projection, spec §9): per factor, the
next band's lower bound, the distance in percentage points and, for a factor on one KPI,
the KPI value that reaches it, in the KPI's own units."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from .payout import LOWER_IS_BETTER, PayoutInput, PayoutResult
from .rounding import HUNDRED

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
                target = _kpi_target(kpi.direction, plan, upcoming.lower_bound_pct, kpi.unit)
                actual = kpi_entries.get(kpi.code, {}).get("actual")
                item["next_band"]["kpi"] = kpi.code
                item["next_band"]["target"] = str(target)
                item["next_band"]["direction"] = kpi.direction
                text = f"{kpi.code} must fall to {target}" if kpi.direction == LOWER_IS_BETTER else f"{kpi.code} must reach {target}"
                if actual is not None:
                    gap = Decimal(actual) - target if kpi.direction == LOWER_IS_BETTER else target - Decimal(actual)
                    step = Decimal(1) if kpi.unit == "count" else _CENT
                    gap = gap.quantize(step, rounding=ROUND_CEILING)
                    item["next_band"]["change_needed"] = str(gap)
                    if kpi.direction != LOWER_IS_BETTER:
                        text = f"{gap} more {kpi.code}"
                item["next_band"]["text"] = text
        guidance.append(item)
    return guidance
