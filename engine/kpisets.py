"""KPI sets (spec §4): weighted KPIs with a per-KPI cap, and the weighted score."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from .problems import Problem, RuleViolation
from .rounding import ZERO, decimal_places

ONE = Decimal(1)
DEFAULT_CAP_PCT = Decimal(150)
MIN_CAP_PCT = Decimal(100)
WEIGHT_PLACES = 4


@dataclass(frozen=True, slots=True)
class KpiSetItem:
    kpi_code: str
    weight: Decimal


@dataclass(frozen=True)
class KpiSet:
    """A validated KPI set; build it with `KpiSet.build`."""

    name: str
    items: tuple[KpiSetItem, ...]
    cap_pct: Decimal = DEFAULT_CAP_PCT
    # Worked out once for the traces of every payout: (code, weight, weight as text).
    _weighted: tuple[tuple[str, Decimal, str], ...] = field(init=False, repr=False, compare=False)
    _cap_text: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_weighted", tuple((i.kpi_code, i.weight, str(i.weight)) for i in self.items))
        object.__setattr__(self, "_cap_text", str(self.cap_pct))

    @classmethod
    def build(cls, name: str, items: Sequence[tuple[str, Decimal]], cap_pct: Decimal = DEFAULT_CAP_PCT) -> KpiSet:
        problems = kpi_set_problems(items, cap_pct)
        if problems:
            raise RuleViolation(problems)
        return cls(name, tuple(KpiSetItem(code, Decimal(weight)) for code, weight in items), Decimal(cap_pct))


def _format_sum(total: Decimal) -> str:
    return format(total.normalize(), "f")


def kpi_set_problems(items: Sequence[tuple[str | None, Decimal | None]], cap_pct: Decimal | None) -> list[Problem]:
    """Every rule of §4 a KPI set breaks: weights in (0, 1] with at most 4 places, summing to
    exactly 1, each KPI once, cap at least 100."""
    problems: list[Problem] = []
    if cap_pct is None:
        problems.append(Problem("kpi_set_cap_missing", "the cap is missing", "cap_pct"))
    elif cap_pct < MIN_CAP_PCT:
        problems.append(Problem("kpi_set_cap_low", f"the cap is {cap_pct} %, it must be at least 100 %", "cap_pct"))
    if not items:
        problems.append(Problem("kpi_set_empty", "a KPI set needs at least one KPI", "items"))
        return problems
    seen: dict[str, int] = {}
    total = ZERO
    weights_complete = True
    for row, (code, weight) in enumerate(items, start=1):
        if not code:
            problems.append(Problem("kpi_set_kpi_missing", "the KPI is missing", "kpi", row))
        elif code in seen:
            problems.append(
                Problem("kpi_set_duplicate", f"KPI {code!r} is already in row {seen[code]}; a KPI appears once", "kpi", row)
            )
        else:
            seen[code] = row
        if weight is None:
            weights_complete = False
            problems.append(Problem("kpi_set_weight_missing", "the weight is missing", "weight", row))
            continue
        total += weight
        if not ZERO < weight <= ONE:
            problems.append(
                Problem("kpi_set_weight_range", f"the weight is {weight}, it must be above 0 and at most 1", "weight", row)
            )
        elif decimal_places(weight) > WEIGHT_PLACES:
            problems.append(
                Problem("kpi_set_weight_places", f"the weight {weight} has more than {WEIGHT_PLACES} decimal places", "weight", row)
            )
    if weights_complete and total != ONE:
        problems.append(
            Problem("kpi_set_weights_sum", f"weights sum to {_format_sum(total)}, they must sum to 1", "weights")
        )
    return problems
