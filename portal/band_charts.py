"""The plan builder's charts, worked out in Python so the page carries a plain inline SVG:
a band table's coefficient against fulfillment, and a scheme's bonus over the inputs of its
first two factors. Every coefficient and bonus here is the engine's own (`BandTable.locate`,
`calculate_payout`): the charts draw what a payout pays, never a copy of the rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal

import engine
from core.numbers import nice_ceiling
from portal.charts import svg_number

WIDTH = 640
HEIGHT = 260
LEFT = 52  # room for the coefficient labels
RIGHT = 16
TOP = 14
BOTTOM = 40  # room for the fulfillment labels
ZERO = Decimal(0)
HUNDRED = Decimal(100)
STEPS = (Decimal(5), Decimal(10), Decimal(20), Decimal(25), Decimal(50), Decimal(100), Decimal(200), Decimal(250), Decimal(500))


def fulfillment_range(last_bound: Decimal) -> Decimal:
    """How far right a chart reaches: half as far again as the top band starts (at least to
    120 %), in whole tens, so the top band shows as a band."""
    reach = max(last_bound * Decimal("1.5"), last_bound + 20, Decimal(120))
    return (reach / 10).to_integral_value(rounding=ROUND_CEILING) * 10


def grid_step(reach: Decimal, most: int = 10) -> Decimal:
    """The smallest of 5, 10, 20, 25, 50… % that cuts `reach` into at most `most` equal steps
    (else into at most `most` steps and a shorter last one)."""
    for step in STEPS:
        if reach / step <= most and reach % step == 0:
            return step
    return next((step for step in STEPS if reach / step <= most), STEPS[-1])


@dataclass(frozen=True)
class BandChart:
    """A band table's curve: `vertices` are (fulfillment %, coefficient) corners of the line
    in the order drawn — a step table's riser is two vertices at one fulfillment, the one
    drawn later being what that fulfillment pays — and the SVG geometry of them."""

    mode: str
    vertices: tuple[tuple[Decimal, Decimal], ...]
    reach: Decimal  # the fulfillment at the right edge
    top: Decimal  # the coefficient at the top edge

    width = WIDTH
    height = HEIGHT
    left = LEFT
    right = WIDTH - RIGHT
    baseline = HEIGHT - BOTTOM
    label_y = HEIGHT - BOTTOM + 22

    def x(self, percentage: Decimal) -> Decimal:
        return Decimal(LEFT) + Decimal(WIDTH - LEFT - RIGHT) * min(percentage, self.reach) / self.reach

    def y(self, coefficient: Decimal) -> Decimal:
        return Decimal(HEIGHT - BOTTOM) - Decimal(HEIGHT - TOP - BOTTOM) * coefficient / self.top

    @property
    def polyline(self) -> str:
        """The `points` attribute of the curve's `<polyline>`."""
        return " ".join(f"{svg_number(self.x(pct))},{svg_number(self.y(coefficient))}" for pct, coefficient in self.vertices)

    @property
    def markers(self) -> list[dict]:
        """A dot where each band starts, with what it pays there (for the tooltips)."""
        seen, dots = set(), []
        for pct, coefficient in reversed(self.vertices):
            if pct in seen or pct == self.reach:
                continue
            seen.add(pct)
            dots.append({"pct": pct, "coefficient": coefficient, "x": svg_number(self.x(pct)), "y": svg_number(self.y(coefficient))})
        return sorted(dots, key=lambda dot: dot["pct"])

    @property
    def x_ticks(self) -> list[dict]:
        """Labels under the band starts and the right edge, leaving out one too close to the
        label before it."""
        ticks: list[dict] = []
        for pct in sorted({dot["pct"] for dot in self.markers} | {self.reach}):
            x = self.x(pct)
            if ticks and x - ticks[-1]["x_value"] < 48:
                continue
            ticks.append({"value": pct, "x": svg_number(x), "x_value": x})
        return ticks

    @property
    def y_ticks(self) -> list[dict]:
        step = self.top / 4
        return [{"value": (step * i).normalize(), "y": svg_number(self.y(step * i))} for i in range(5)]


def band_chart(points: Sequence[tuple[Decimal, Decimal]], mode: str) -> BandChart | None:
    """The curve of a table with these rows, or None when the rows are not a valid table."""
    try:
        table = engine.BandTable.build("chart", points, mode)
    except engine.RuleViolation:
        return None
    bounds = [Decimal(lower) for lower, _ in points]
    reach = fulfillment_range(bounds[-1])
    vertices: list[tuple[Decimal, Decimal]] = []
    if mode == engine.STEP:
        for index, lower in enumerate(bounds):
            paid = table.locate(lower)[1]
            end = bounds[index + 1] if index + 1 < len(bounds) else reach
            vertices += [(lower, paid), (end, paid)]
    else:
        for lower in [*bounds, reach]:
            vertices.append((lower, table.locate(lower)[1]))
    highest = max(coefficient for _, coefficient in vertices)
    top = nice_ceiling(highest * Decimal("1.1")) if highest > 0 else Decimal(1)
    return BandChart(mode, tuple(vertices), reach, top)


# --- the bonus over two inputs ----------------------------------------------------------

HEAT_LEVELS = 8
HEAT_LEFT = 64
HEAT_TOP = 8
HEAT_CELL_W = 68
HEAT_CELL_H = 30
HEAT_BOTTOM = 44
CHART_PERIOD = engine.Period(2026, 1)


@dataclass(frozen=True)
class HeatCell:
    first: Decimal  # factor 1's input, %
    second: Decimal  # factor 2's input, %
    bonus: Decimal
    capped: bool
    level: int  # 0 (no bonus) … HEAT_LEVELS - 1 (the most)
    x: str
    y: str
    text_x: str
    text_y: str


def _axis(table: engine.BandTable) -> list[Decimal]:
    """Where a heat-map axis samples a factor's input: a regular grid to past its top band,
    and every band start (where the coefficient changes)."""
    bounds = [point.lower_bound_pct for point in table.points]
    reach = fulfillment_range(bounds[-1])
    step = grid_step(reach)
    regular = [step * i for i in range(int(reach / step) + 1)]
    return sorted({*regular, reach, *bounds})


def _payout(scheme: engine.Scheme, fixed: Decimal, inputs: Sequence[Decimal]) -> engine.PayoutResult:
    """A whole month's payout under `scheme` on `fixed` pay, factor j's input being
    `inputs[j]` % (a KPI with plan 100 and that actual): the run's own calculation."""
    factors, kpis, plans, measures = [], {}, {}, {}
    for index, (factor, percentage) in enumerate(zip(scheme.factors, inputs, strict=True)):
        code = f"input{index + 1}"
        factors.append(engine.Factor(factor.name, factor.band_table, kpi_code=code))
        kpis[code] = engine.Kpi(code, engine.HIGHER_IS_BETTER, engine.parse_formula(code))
        plans[code] = HUNDRED
        measures[code] = percentage
    data = engine.PayoutInput(
        employee="chart",
        period=CHART_PERIOD,
        calendar=engine.WorkCalendar.build(CHART_PERIOD),
        hire_date=date(2000, 1, 1),
        termination_date=None,
        salary_agreements=(engine.SalaryAgreement(date(2000, 1, 1), fixed),),
        scheme=engine.Scheme(scheme.name, tuple(factors), scheme.base_kind, scheme.base_share, scheme.base_amount, scheme.cap),
        kpis=kpis,
        plans=plans,
        measures=measures,
    )
    return engine.calculate_payout(data)


def bonus_heatmap(scheme: engine.Scheme, *, fixed: Decimal) -> dict | None:
    """The bonus of a month on `fixed` pay for each pair of inputs of the first two factors
    (any further factor at 100 %), as a grid of cells: columns factor 1, rows factor 2 (the
    highest on top). None for a scheme of fewer than two factors."""
    if len(scheme.factors) < 2:
        return None
    columns = _axis(scheme.factors[0].band_table)
    rows = list(reversed(_axis(scheme.factors[1].band_table)))
    rest = [HUNDRED] * (len(scheme.factors) - 2)
    results = [[_payout(scheme, fixed, [first, second, *rest]) for first in columns] for second in rows]
    highest = max(result.bonus for line in results for result in line)
    cells = []
    for row_index, (second, line) in enumerate(zip(rows, results, strict=True)):
        for column_index, (first, result) in enumerate(zip(columns, line, strict=True)):
            x = HEAT_LEFT + column_index * HEAT_CELL_W
            y = HEAT_TOP + row_index * HEAT_CELL_H
            level = 0 if result.bonus <= 0 or highest <= 0 else 1 + int((HEAT_LEVELS - 2) * result.bonus / highest)
            cells.append(
                HeatCell(
                    first, second, result.bonus, bool(result.trace["bonus"]["capped"]), level,
                    str(x), str(y), str(x + HEAT_CELL_W // 2), str(y + HEAT_CELL_H // 2),
                )
            )
    width = HEAT_LEFT + len(columns) * HEAT_CELL_W + 8
    height = HEAT_TOP + len(rows) * HEAT_CELL_H + HEAT_BOTTOM
    grid_bottom = HEAT_TOP + len(rows) * HEAT_CELL_H
    return {
        "width": width,
        "height": height,
        "cells": cells,
        "columns": [{"value": v, "x": str(HEAT_LEFT + i * HEAT_CELL_W + HEAT_CELL_W // 2)} for i, v in enumerate(columns)],
        "rows": [{"value": v, "y": str(HEAT_TOP + i * HEAT_CELL_H + HEAT_CELL_H // 2)} for i, v in enumerate(rows)],
        "table": [{"second": second, "cells": cells[i * len(columns) : (i + 1) * len(columns)]} for i, second in enumerate(rows)],
        "column_values": columns,
        "label_x": str(HEAT_LEFT - 8),
        "label_y": str(grid_bottom + 16),
        "axis_x": str(HEAT_LEFT + len(columns) * HEAT_CELL_W // 2),
        "axis_y": str(grid_bottom + 36),
        "first": scheme.factors[0].name,
        "second": scheme.factors[1].name,
        "others": [factor.name for factor in scheme.factors[2:]],
        "highest": highest,
        "fixed": fixed,
    }
