"""One payout (spec §3, §6, §7, §8): plain data in, amounts and a JSON-ready trace out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext
from typing import Any

from .bands import BandTable
from .calendar import FixedPay, Period, SalaryAgreement, WorkCalendar, prorate_fixed_pay
from .formula import Formula, Undefined
from .kpisets import KpiSet
from .rounding import CALCULATION_CONTEXT, HUNDRED, ZERO, quantize_money, round_half_up

HIGHER_IS_BETTER = "higher_is_better"
LOWER_IS_BETTER = "lower_is_better"
DIRECTIONS = (HIGHER_IS_BETTER, LOWER_IS_BETTER)
BASE_SHARE = "share"
BASE_FIXED = "fixed_amount"
BASE_KINDS = (BASE_SHARE, BASE_FIXED)
FULFILLMENT_CEILING = Decimal(1000)
MONEY_ZERO = Decimal("0.00")

# Warning codes: stable, so runs, tests and the API can rely on them.
NO_SALARY = "no_salary"
NO_SCHEME = "no_scheme"
NO_PLAN = "no_plan"
KPI_UNDEFINED = "kpi_undefined"
KPI_UNKNOWN = "kpi_unknown"
NO_WORKING_DAYS = "no_working_days"
FACTOR_UNRESOLVED = "factor_unresolved"


@dataclass(frozen=True, slots=True)
class Kpi:
    code: str
    direction: str
    formula: Formula
    name: str = ""
    unit: str = ""


@dataclass(frozen=True, slots=True)
class Factor:
    """A coefficient of the bonus. Its input is one KPI (`kpi_code`) or a KPI set
    (`kpi_set`). With neither, the input could not be resolved (for example: no active KPI
    set for the company's stage): it counts as 0 % and `unresolved_reason` says why."""

    name: str
    band_table: BandTable
    kpi_code: str | None = None
    kpi_set: KpiSet | None = None
    source: str = ""  # how the input was chosen, for the trace ("active set for stage 2")
    unresolved_reason: str = ""


@dataclass(frozen=True, slots=True)
class Scheme:
    name: str
    factors: tuple[Factor, ...]
    base_kind: str = BASE_SHARE
    base_share: Decimal = Decimal(1)
    base_amount: Decimal | None = None
    cap: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Adjustment:
    amount: Decimal
    reason: str


@dataclass(frozen=True)
class PayoutInput:
    """Everything one payout needs. `kpis` maps codes to definitions (shared by all
    employees of a run); `measures` and `previous_measures` map measure codes to values."""

    employee: str
    period: Period
    calendar: WorkCalendar
    hire_date: date
    termination_date: date | None
    salary_agreements: tuple[SalaryAgreement, ...]
    scheme: Scheme | None
    kpis: Mapping[str, Kpi]
    plans: Mapping[str, Decimal] = field(default_factory=dict)
    measures: Mapping[str, Decimal] = field(default_factory=dict)
    previous_measures: Mapping[str, Decimal] = field(default_factory=dict)
    adjustments: tuple[Adjustment, ...] = ()
    warnings: tuple[dict[str, str], ...] = ()  # found while gathering the inputs


@dataclass(frozen=True)
class PayoutResult:
    employee: str
    period: Period
    fixed: Decimal
    bonus: Decimal
    adjustments: Decimal
    total: Decimal
    coefficients: tuple[Decimal, ...]
    score: Decimal | None
    warnings: tuple[dict[str, str], ...]
    trace: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "employee": self.employee,
            "period": str(self.period),
            "fixed": str(self.fixed),
            "bonus": str(self.bonus),
            "adjustments": str(self.adjustments),
            "total": str(self.total),
            "coefficients": [str(k) for k in self.coefficients],
            "score": None if self.score is None else str(self.score),
            "warnings": list(self.warnings),
            "trace": self.trace,
        }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def fulfillment(direction: str, plan: Decimal | None, actual: Decimal | None) -> Decimal:
    """Spec §3: percent of plan reached, clamped to [0, 1000], rounded half-up to 0.01."""
    if plan is None or actual is None:
        value = ZERO
    elif direction == LOWER_IS_BETTER:
        value = FULFILLMENT_CEILING if actual == ZERO else plan / actual * HUNDRED
    else:
        value = actual / plan * HUNDRED
    if value < ZERO:
        value = ZERO
    elif value > FULFILLMENT_CEILING:
        value = FULFILLMENT_CEILING
    return round_half_up(value, 2)


class _Evaluation:
    """Evaluates each KPI once per payout and remembers its trace entry."""

    def __init__(self, data: PayoutInput, warnings: list[dict[str, str]]):
        self.data = data
        self.warnings = warnings
        self.entries: dict[str, dict[str, Any]] = {}
        self.fulfillments: dict[str, Decimal] = {}

    def fulfillment_of(self, code: str) -> Decimal:
        known = self.fulfillments.get(code)
        if known is not None:
            return known
        data = self.data
        kpi = data.kpis.get(code)
        plan = data.plans.get(code)
        entry: dict[str, Any] = {"code": code, "plan": _text(plan)}
        actual = None
        if kpi is None:
            entry["undefined"] = f"KPI {code!r} is not defined"
            self.warnings.append({"code": KPI_UNKNOWN, "kpi": code, "message": entry["undefined"]})
            direction = HIGHER_IS_BETTER
        else:
            direction = kpi.direction
            entry["name"] = kpi.name
            entry["direction"] = direction
            entry["formula"] = kpi.formula.text
            entry["measures"] = {m: _text(data.measures.get(m)) for m in sorted(kpi.formula.measures)}
            if kpi.formula.previous_measures:
                entry["previous_measures"] = {
                    m: _text(data.previous_measures.get(m)) for m in sorted(kpi.formula.previous_measures)
                }
            try:
                actual = kpi.formula.evaluate(data.measures, data.previous_measures)
            except Undefined as undefined:
                entry["undefined"] = undefined.reason
                self.warnings.append(
                    {"code": KPI_UNDEFINED, "kpi": code, "message": f"KPI {code!r} is undefined: {undefined.reason}"}
                )
        entry["actual"] = _text(actual)
        if plan is None:
            entry["no_plan"] = True
            self.warnings.append(
                {"code": NO_PLAN, "kpi": code, "message": f"no plan for KPI {code!r} in {data.period}; fulfillment counts as 0"}
            )
        value = fulfillment(direction, plan, actual)
        entry["fulfillment_pct"] = str(value)
        self.entries[code] = entry
        self.fulfillments[code] = value
        return value


def _factor(factor: Factor, evaluation: _Evaluation, warnings: list[dict[str, str]]) -> tuple[Decimal, Decimal | None, dict]:
    entry: dict[str, Any] = {"name": factor.name, "band_table": factor.band_table.name, "mode": factor.band_table.mode}
    if factor.source:
        entry["source"] = factor.source
    score = None
    if factor.kpi_code is not None:
        entry["input"] = {"kpi": factor.kpi_code}
        percentage = evaluation.fulfillment_of(factor.kpi_code)
    elif factor.kpi_set is not None:
        kpi_set = factor.kpi_set
        items = []
        total = ZERO
        for item in kpi_set.items:
            value = evaluation.fulfillment_of(item.kpi_code)
            capped = value if value <= kpi_set.cap_pct else kpi_set.cap_pct
            weighted = item.weight * capped
            total += weighted
            items.append(
                {
                    "kpi": item.kpi_code,
                    "weight": str(item.weight),
                    "fulfillment_pct": str(value),
                    "capped_pct": str(capped),
                    "weighted": str(weighted),
                }
            )
        percentage = score = round_half_up(total, 2)
        entry["input"] = {"kpi_set": kpi_set.name, "cap_pct": str(kpi_set.cap_pct), "items": items, "score": str(score)}
    else:
        reason = factor.unresolved_reason or "the factor has no input"
        entry["input"] = {"unresolved": reason}
        warnings.append({"code": FACTOR_UNRESOLVED, "factor": factor.name, "message": f"{factor.name}: {reason}; counts as 0 %"})
        percentage = ZERO.quantize(Decimal("0.01"))
    hit = factor.band_table.look_up(percentage)
    entry["percentage"] = str(percentage)
    entry["band"] = {
        "row": hit.row,
        "from_pct": str(hit.lower_bound_pct),
        "to_pct": _text(hit.upper_bound_pct),
    }
    entry["coefficient"] = str(hit.coefficient)
    return hit.coefficient, score, entry


def _employed_in(data: PayoutInput) -> bool:
    """Whether the employment (hire to termination, inclusive) overlaps the period."""
    period = data.period
    return data.hire_date <= period.last_day and (
        data.termination_date is None or data.termination_date >= period.first_day
    )


def calculate_payout(data: PayoutInput) -> PayoutResult:
    """Compute one payout exactly as the spec says, with its trace."""
    with localcontext(CALCULATION_CONTEXT):
        return _calculate(data)


def _calculate(data: PayoutInput) -> PayoutResult:
    warnings: list[dict[str, str]] = list(data.warnings)
    fixed_pay: FixedPay = prorate_fixed_pay(data.calendar, data.salary_agreements, data.hire_date, data.termination_date)
    if not data.salary_agreements or (
        fixed_pay.working_days_in_period and not fixed_pay.segments and _employed_in(data)
    ):
        warnings.append({"code": NO_SALARY, "message": "no salary agreement in force; fixed pay is 0"})
    if fixed_pay.working_days_in_period == 0:
        warnings.append({"code": NO_WORKING_DAYS, "message": f"{data.period} has no working days; fixed pay is 0"})
    fixed = fixed_pay.amount
    trace: dict[str, Any] = {
        "fixed": {
            "working_days_in_period": fixed_pay.working_days_in_period,
            "hire_date": data.hire_date.isoformat(),
            "termination_date": data.termination_date.isoformat() if data.termination_date else None,
            "segments": [
                {
                    "from": s.first_day.isoformat(),
                    "to": s.last_day.isoformat(),
                    "monthly_amount": str(s.monthly_amount),
                    "working_days": s.working_days,
                    "amount": str(s.amount),
                }
                for s in fixed_pay.segments
            ],
            "amount": str(fixed),
        }
    }
    coefficients: list[Decimal] = []
    score = None
    scheme = data.scheme
    if scheme is None:
        warnings.append({"code": NO_SCHEME, "message": "no bonus scheme in force; bonus is 0"})
        bonus = MONEY_ZERO
        trace["bonus"] = None
    else:
        evaluation = _Evaluation(data, warnings)
        factor_entries = []
        product = Decimal(1)
        for factor in scheme.factors:
            coefficient, factor_score, entry = _factor(factor, evaluation, warnings)
            coefficients.append(coefficient)
            factor_entries.append(entry)
            product *= coefficient
            if factor_score is not None and score is None:
                score = factor_score
        base = fixed * scheme.base_share if scheme.base_kind == BASE_SHARE else (scheme.base_amount or ZERO)
        uncapped = base * product
        capped = uncapped if scheme.cap is None else min(uncapped, scheme.cap * base)
        bonus = quantize_money(capped)
        trace["kpis"] = list(evaluation.entries.values())
        trace["bonus"] = {
            "scheme": scheme.name,
            "base": {
                "kind": scheme.base_kind,
                "share": str(scheme.base_share) if scheme.base_kind == BASE_SHARE else None,
                "amount": str(base),
            },
            "factors": factor_entries,
            "product": str(product),
            "cap": _text(scheme.cap),
            "cap_amount": None if scheme.cap is None else str(scheme.cap * base),
            "capped": scheme.cap is not None and uncapped > scheme.cap * base,
            "amount": str(bonus),
        }
    adjustments = quantize_money(sum((a.amount for a in data.adjustments), ZERO))
    total = fixed + bonus + adjustments
    trace["adjustments"] = [{"amount": str(a.amount), "reason": a.reason} for a in data.adjustments]
    trace["total"] = str(total)
    return PayoutResult(
        data.employee, data.period, fixed, bonus, adjustments, total, tuple(coefficients), score, tuple(warnings), trace
    )
