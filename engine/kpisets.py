"""KPI sets (spec §4): weighted KPIs with a per-KPI cap, and the weighted score."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from .problems import Problem, RuleViolation, gettext_noop, problem
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
        problems.append(problem("kpi_set_cap_missing", gettext_noop("the cap is missing"), "cap_pct"))
    elif cap_pct < MIN_CAP_PCT:
        problems.append(problem("kpi_set_cap_low", gettext_noop("the cap is {cap} %, it must be at least 100 %"), "cap_pct", cap=cap_pct))
    if not items:
        problems.append(problem("kpi_set_empty", gettext_noop("a KPI set needs at least one KPI"), "items"))
        return problems
    seen: dict[str, int] = {}
    total = ZERO
    weights_complete = True
    for row, (code, weight) in enumerate(items, start=1):
        if not code:
            problems.append(problem("kpi_set_kpi_missing", gettext_noop("the KPI is missing"), "kpi", row))
        elif code in seen:
            problems.append(
                problem(
                    "kpi_set_duplicate", gettext_noop("KPI {kpi} is already in row {first}; a KPI appears once"), "kpi", row,
                    kpi=repr(code), first=seen[code],
                )
            )
        else:
            seen[code] = row
        if weight is None:
            weights_complete = False
            problems.append(problem("kpi_set_weight_missing", gettext_noop("the weight is missing"), "weight", row))
            continue
        total += weight
        if not ZERO < weight <= ONE:
            problems.append(
                problem(
                    "kpi_set_weight_range", gettext_noop("the weight is {weight}, it must be above 0 and at most 1"), "weight", row,
                    weight=weight,
                )
            )
        elif decimal_places(weight) > WEIGHT_PLACES:
            problems.append(
                problem(
                    "kpi_set_weight_places", gettext_noop("the weight {weight} has more than {places} decimal places"), "weight", row,
                    weight=weight, places=WEIGHT_PLACES,
                )
            )
    if weights_complete and total != ONE:
        problems.append(
            problem("kpi_set_weights_sum", gettext_noop("weights sum to {total}, they must sum to 1"), "weights", total=_format_sum(total))
        )
    return problems
