"""The geometry of the pay-history chart (stacked fixed + bonus per month, a mark for the
total), worked out in Python so the page carries a plain inline SVG and no chart library."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.numbers import nice_ceiling

WIDTH = 960
HEIGHT = 300
LEFT = 124  # room for the axis labels
RIGHT = 8
TOP = 12
BOTTOM = 64  # room for the month and year labels
ZERO = Decimal(0)


@dataclass(frozen=True)
class Month:
    period: str  # YYYY-MM
    fixed: Decimal | None  # None: no payout that month
    bonus: Decimal | None
    total: Decimal | None


def _y(value: Decimal, top_value: Decimal) -> Decimal:
    plot = Decimal(HEIGHT - TOP - BOTTOM)
    return Decimal(HEIGHT - BOTTOM) - plot * value / top_value


def svg_number(number: Decimal) -> str:
    """A coordinate as an SVG attribute: to a tenth of a user unit."""
    return f"{number.quantize(Decimal('0.1')):f}"


def pay_history_chart(months: list[Month], ticks: int = 4) -> dict:
    """Bars and axis ticks in SVG user units (strings, ready for attributes)."""
    highest = max(
        [max(m.total or ZERO, (m.fixed or ZERO) + max(m.bonus or ZERO, ZERO)) for m in months] or [ZERO]
    )
    step = nice_ceiling(highest / ticks) if highest > 0 else Decimal(1)
    top_value = (step * ticks) if highest > 0 else Decimal(ticks)
    slot = Decimal(WIDTH - LEFT - RIGHT) / max(len(months), 1)
    bar = (slot * Decimal("0.6")).quantize(Decimal("0.1"))
    bars = []
    for index, month in enumerate(months):
        x = Decimal(LEFT) + slot * index + (slot - bar) / 2
        item = {"period": month.period, "x": svg_number(x), "width": svg_number(bar), "label_x": svg_number(x + bar / 2), "empty": True,
                "year": month.period[:4] if index == 0 or month.period.endswith("-01") else "",
                # every other month counting back from the last: the labels a phone shows
                "minor": (len(months) - 1 - index) % 2 == 1}
        if month.fixed is not None:
            fixed = max(month.fixed, ZERO)
            bonus = max(month.bonus or ZERO, ZERO)
            fixed_top = _y(fixed, top_value)
            bonus_top = _y(fixed + bonus, top_value)
            total_y = _y(max(month.total or ZERO, ZERO), top_value)
            item.update(
                empty=False,
                fixed_y=svg_number(fixed_top),
                fixed_height=svg_number(Decimal(HEIGHT - BOTTOM) - fixed_top),
                bonus_y=svg_number(bonus_top),
                bonus_height=svg_number(fixed_top - bonus_top),
                total_y=svg_number(total_y),
                total_x1=svg_number(x - bar * Decimal("0.15")),
                total_x2=svg_number(x + bar * Decimal("1.15")),
                fixed=month.fixed,
                bonus=month.bonus,
                total=month.total,
            )
        bars.append(item)
    axis = [
        {"value": step * i, "y": svg_number(_y(step * i, top_value))}
        for i in range(ticks + 1)
    ] if highest > 0 else [{"value": ZERO, "y": svg_number(Decimal(HEIGHT - BOTTOM))}]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "baseline": HEIGHT - BOTTOM,
        "label_y": HEIGHT - BOTTOM + 26,
        "year_y": HEIGHT - BOTTOM + 56,
        "bars": bars,
        "ticks": axis,
        "has_data": any(not b["empty"] for b in bars),
    }
