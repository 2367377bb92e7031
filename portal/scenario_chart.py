"""The geometry of a scenario's chart: per month, what was paid and what the scenario would
have paid, side by side, worked out in Python so the page carries a plain inline SVG."""

from __future__ import annotations

from decimal import Decimal

from portal.charts import svg_number

WIDTH = 960
HEIGHT = 300
LEFT = 124  # room for the axis labels
RIGHT = 8
TOP = 12
BOTTOM = 40  # room for the month labels
ZERO = Decimal(0)
TENTH = Decimal("0.1")


def _ceiling(value: Decimal) -> Decimal:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above `value` (> 0)."""
    exponent = value.adjusted()
    for step in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5)):
        if step.scaleb(exponent) >= value:
            return step.scaleb(exponent)
    return Decimal(10).scaleb(exponent)


def scenario_chart(months: list[tuple[str, Decimal, Decimal]], ticks: int = 4) -> dict:
    """Two bars a month, (period, paid, scenario) in, in SVG user units (strings, ready for
    attributes); amounts below zero are drawn at zero."""
    highest = max([max(paid, scenario) for _, paid, scenario in months] or [ZERO])
    step = _ceiling(highest / ticks) if highest > 0 else Decimal(1)
    top_value = step * ticks
    plot = Decimal(HEIGHT - TOP - BOTTOM)
    baseline = Decimal(HEIGHT - BOTTOM)

    def y(value: Decimal) -> Decimal:
        return baseline - plot * max(value, ZERO) / top_value

    slot = Decimal(WIDTH - LEFT - RIGHT) / max(len(months), 1)
    bar = min(slot * Decimal("0.32"), Decimal(90)).quantize(TENTH)
    bars = []
    for index, (period, paid, scenario) in enumerate(months):
        middle = Decimal(LEFT) + slot * index + slot / 2
        paid_y, scenario_y = y(paid), y(scenario)
        bars.append(
            {
                "period": period,
                "paid": paid,
                "scenario": scenario,
                "paid_x": svg_number(middle - bar - 2),
                "scenario_x": svg_number(middle + 2),
                "width": svg_number(bar),
                "paid_y": svg_number(paid_y),
                "paid_height": svg_number(baseline - paid_y),
                "scenario_y": svg_number(scenario_y),
                "scenario_height": svg_number(baseline - scenario_y),
                "label_x": svg_number(middle),
            }
        )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "baseline": HEIGHT - BOTTOM,
        "label_y": HEIGHT - BOTTOM + 26,
        "bars": bars,
        "ticks": [{"value": step * i, "y": svg_number(y(step * i))} for i in range(ticks + 1)],
        "has_data": bool(months),
    }
