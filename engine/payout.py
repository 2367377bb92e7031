"""One payout (spec §3, §6, §7, §8): plain data in, amounts and a JSON-ready trace out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

from .bands import BandTable
from .calendar import Period, SalaryAgreement, WorkCalendar, iso_date, prorate
from .exact import COUNTER, DISPLAY_CONTEXT, NOT_EXACT, Number, Ratio, number_text, ratio_text, to_ratio
from .formula import Formula, Undefined
from .kpisets import KpiSet
from .rounding import CALCULATION_CONTEXT, MONEY_ZERO, ZERO, quantize_money

HIGHER_IS_BETTER = "higher_is_better"
LOWER_IS_BETTER = "lower_is_better"
DIRECTIONS = (HIGHER_IS_BETTER, LOWER_IS_BETTER)
BASE_SHARE = "share"
BASE_FIXED = "fixed_amount"
BASE_KINDS = (BASE_SHARE, BASE_FIXED)
FULFILLMENT_CEILING = Decimal(1000)
ONE = Decimal(1)

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
    measures: Mapping[str, Number] = field(default_factory=dict)  # a projection scales them exactly (Fractions)
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


def _text(value: Number | None) -> str | None:
    return None if value is None else number_text(value)


_FULFILLMENT_TOP = Decimal("1000.00")
_NO_MEASURES: Mapping[str, Decimal] = {}
_set_attribute = object.__setattr__
_NO_FULFILLMENT = (MONEY_ZERO, "0.00")
_TOP_FULFILLMENT = (_FULFILLMENT_TOP, "1000.00")


def fulfillment(direction: str, plan: Decimal | None, actual: Number | None) -> Decimal:
    """Spec §3: percent of plan reached, clamped to [0, 1000], rounded half-up to 0.01 from
    the exact value."""
    with localcontext(CALCULATION_CONTEXT):
        return _fulfillment(direction, plan, actual)[0]


def _fulfillment(direction: str, plan: Decimal | None, actual: Number | Ratio | None) -> tuple[Decimal, str]:
    """`fulfillment` and its text (the trace needs both, for every KPI of every payout).
    Computed exactly in integers from `actual` (a Decimal, a Fraction, or an exact ratio from
    `Formula.value_or_ratio`) and the plan: no rounding before the one at 0.01. (Measured:
    as fast as trying `Decimal` first, which is inexact for most ratios.)"""
    if plan is None or actual is None or plan <= ZERO:  # a plan is > 0 (rules refuse others on save)
        return _NO_FULFILLMENT
    if type(actual) is Decimal:
        numerator, denominator = actual.as_integer_ratio()
    elif isinstance(actual, tuple):
        numerator, denominator = actual
    else:
        numerator, denominator = to_ratio(actual)
    plan_numerator, plan_denominator = plan.as_integer_ratio()
    # The exact percentage is `top / bottom`, bottom > 0.
    if direction == LOWER_IS_BETTER:
        if not numerator:
            return _TOP_FULFILLMENT
        top, bottom = plan_numerator * denominator * 100, plan_denominator * numerator
        if bottom < 0:
            top, bottom = -top, -bottom
    else:
        top, bottom = numerator * plan_denominator * 100, denominator * plan_numerator
    if top <= 0:
        return _NO_FULFILLMENT
    if top >= 1000 * bottom:
        return _TOP_FULFILLMENT
    cents, remainder = divmod(top * 100, bottom)  # half-up to 0.01: 0 < cents <= 100,000
    if 2 * remainder >= bottom:
        cents += 1
    known = _PERCENTAGES.get(cents)
    if known is None:
        value = Decimal(f"{cents}E-2")
        known = _PERCENTAGES[cents] = (value, str(value))
    return known


#: Fulfillments as (value, text) by their count of hundredths: at most 100,001 of them, made
#: once each instead of for every KPI of every payout.
_PERCENTAGES: dict[int, tuple[Decimal, str]] = {}


class _Evaluation:
    """Evaluates each KPI once per payout and remembers its trace entry and the text of its
    fulfillment (the trace shows it again for every KPI set that holds the KPI)."""

    __slots__ = ("entries", "fulfillments", "kpis", "measures", "period", "plans", "previous", "warnings")

    def __init__(self, data: PayoutInput, warnings: list[dict[str, str]]):
        self.kpis = data.kpis
        self.plans = data.plans
        self.measures = data.measures
        self.previous = data.previous_measures or _NO_MEASURES
        self.period = data.period
        self.warnings = warnings
        self.entries: dict[str, dict[str, Any]] = {}
        self.fulfillments: dict[str, tuple[Decimal, str]] = {}

    def fulfillment_of(self, code: str) -> tuple[Decimal, str]:
        known = self.fulfillments.get(code)
        if known is not None:
            return known
        kpi = self.kpis.get(code)
        plan = self.plans.get(code)
        actual: Number | Ratio | None = None
        value: Number | Ratio | None = None
        text: str | None = None
        if kpi is None:
            reason = f"KPI {code!r} is not defined"
            entry: dict[str, Any] = {"code": code, "plan": _text(plan), "undefined": reason}
            self.warnings.append({"code": KPI_UNKNOWN, "kpi": code, "message": reason})
            direction = HIGHER_IS_BETTER
        else:
            direction = kpi.direction
            formula = kpi.formula
            measures = self.measures
            shown: dict[str, str | None] = {}
            for measure in formula.measure_order:
                value = measures.get(measure)
                if value is None:
                    shown[measure] = text = None
                else:
                    shown[measure] = text = str(value) if type(value) is Decimal else number_text(value)
            entry = {
                "code": code,
                "plan": None if plan is None else str(plan),
                "name": kpi.name,
                "direction": direction,
                "formula": formula.text,
                "measures": shown,
            }
            previous = self.previous
            if formula.previous_measure_order:
                shown = {}
                for measure in formula.previous_measure_order:
                    earlier = previous.get(measure)
                    if earlier is None:
                        shown[measure] = None
                    else:
                        shown[measure] = str(earlier) if type(earlier) is Decimal else number_text(earlier)
                entry["previous_measures"] = shown
            # `formula.value_or_ratio`, inline (it runs for every KPI of every payout); a
            # ratio known not to terminate gets its 28-digit text here, once.
            COUNTER.values += 1
            try:
                if formula.ratio_first:
                    actual = formula._evaluate_exact(measures, previous)
                    numerator, denominator = actual
                    if numerator * pow(10, denominator.bit_length(), denominator) % denominator:
                        COUNTER.exact += 1
                        text = str(DISPLAY_CONTEXT.divide(Decimal(numerator), Decimal(denominator)))
                        value = actual  # so the text above is used
                    else:
                        try:
                            actual = formula._evaluate(measures, previous)
                        except NOT_EXACT:
                            COUNTER.exact += 1
                else:
                    try:
                        actual = formula._evaluate(measures, previous)
                    except NOT_EXACT:
                        COUNTER.exact += 1
                        actual = formula._evaluate_exact(measures, previous)
            except Undefined as undefined:
                entry["undefined"] = undefined.reason
                self.warnings.append(
                    {"code": KPI_UNDEFINED, "kpi": code, "message": f"KPI {code!r} is undefined: {undefined.reason}"}
                )
        if actual is None:
            entry["actual"] = None
        elif actual is value:  # one measure, or a ratio that does not terminate: text made already
            entry["actual"] = text
        elif isinstance(actual, tuple):
            entry["actual"] = ratio_text(actual)
        else:
            entry["actual"] = str(actual) if type(actual) is Decimal else number_text(actual)
        if plan is None:
            entry["no_plan"] = True
            self.warnings.append(
                {"code": NO_PLAN, "kpi": code, "message": f"no plan for KPI {code!r} in {self.period}; fulfillment counts as 0"}
            )
        known = _fulfillment(direction, plan, actual)
        entry["fulfillment_pct"] = known[1]
        self.entries[code] = entry
        self.fulfillments[code] = known
        return known


def _factor(factor: Factor, evaluation: _Evaluation, warnings: list[dict[str, str]]) -> tuple[Decimal, Decimal | None, dict[str, Any]]:
    table = factor.band_table
    entry: dict[str, Any] = {"name": factor.name, "band_table": table.name, "mode": table.mode}
    if factor.source:
        entry["source"] = factor.source
    score = None
    if factor.kpi_code is not None:
        entry["input"] = {"kpi": factor.kpi_code}
        percentage, percentage_text = evaluation.fulfillment_of(factor.kpi_code)
    elif factor.kpi_set is not None:
        kpi_set = factor.kpi_set
        cap, cap_text = kpi_set.cap_pct, kpi_set._cap_text
        items: list[dict[str, str]] = []
        total = ZERO  # Σ weight · capped percentage in Decimal while that is exact,
        exact_total: Fraction | None = None  # else as a Fraction from the first inexact term
        for code, weight, weight_text in kpi_set._weighted:
            value, value_text = evaluation.fulfillment_of(code)
            if value <= cap:
                capped, capped_text = value, value_text
            else:
                capped, capped_text = cap, cap_text
            weighted: Number
            if exact_total is not None:
                weighted = Fraction(weight) * Fraction(capped)
                exact_total += weighted
            else:
                try:  # 4-place weights times 2-place percentages: exact unless a cap is huge
                    weighted = weight * capped
                    total += weighted
                except NOT_EXACT:
                    COUNTER.exact += 1
                    weighted = Fraction(weight) * Fraction(capped)
                    exact_total = sum((Fraction(w) * Fraction(min(evaluation.fulfillment_of(c)[0], cap))
                                 for c, w, _ in kpi_set._weighted[: len(items)]), Fraction(0)) + weighted
            items.append(
                {
                    "kpi": code,
                    "weight": weight_text,
                    "fulfillment_pct": value_text,
                    "capped_pct": capped_text,
                    "weighted": str(weighted) if type(weighted) is Decimal else number_text(weighted),
                }
            )
        COUNTER.values += 1
        percentage = score = quantize_money(total if exact_total is None else exact_total)
        percentage_text = str(score)
        entry["input"] = {"kpi_set": kpi_set.name, "cap_pct": cap_text, "items": items, "score": percentage_text}
    else:
        reason = factor.unresolved_reason or "the factor has no input"
        entry["input"] = {"unresolved": reason}
        warnings.append({"code": FACTOR_UNRESOLVED, "factor": factor.name, "message": f"{factor.name}: {reason}; counts as 0 %"})
        percentage, percentage_text = MONEY_ZERO, "0.00"
    index, coefficient, coefficient_text = table._locate_with_text(percentage)
    entry["percentage"] = percentage_text
    entry["band"] = {"row": index + 1, "from_pct": table._from_texts[index], "to_pct": table._to_texts[index]}
    entry["coefficient"] = coefficient_text
    return coefficient, score, entry


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
    fixed, working_days, fixed_segments = prorate(
        data.calendar, data.salary_agreements, data.hire_date, data.termination_date
    )
    if not data.salary_agreements or (working_days and not fixed_segments and _employed_in(data)):
        warnings.append({"code": NO_SALARY, "message": "no salary agreement in force; fixed pay is 0"})
    if working_days == 0:
        warnings.append({"code": NO_WORKING_DAYS, "message": f"{data.period} has no working days; fixed pay is 0"})
    fixed_text = str(fixed)
    termination = data.termination_date
    segments = []
    for first_day, last_day, monthly_amount, worked, amount in fixed_segments:
        segments.append(
            {
                "from": iso_date(first_day),
                "to": iso_date(last_day),
                "monthly_amount": str(monthly_amount),
                "working_days": worked,
                "amount": str(amount),
            }
        )
    trace: dict[str, Any] = {
        "fixed": {
            "working_days_in_period": working_days,
            "hire_date": iso_date(data.hire_date),
            "termination_date": None if termination is None else iso_date(termination),
            "segments": segments,
            "amount": fixed_text,
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
        for factor in scheme.factors:
            coefficient, factor_score, entry = _factor(factor, evaluation, warnings)
            coefficients.append(coefficient)
            factor_entries.append(entry)
            if factor_score is not None and score is None:
                score = factor_score
        share = scheme.base_kind == BASE_SHARE
        cap = scheme.cap
        base: Number
        product: Number
        uncapped: Number
        cap_amount: Number | None
        COUNTER.values += 1
        try:
            decimal_base = fixed * scheme.base_share if share else (scheme.base_amount or ZERO)
            decimal_product = ONE
            for coefficient in coefficients:
                decimal_product *= coefficient
            base, product, uncapped = decimal_base, decimal_product, decimal_base * decimal_product
            cap_amount = None if cap is None else cap * decimal_base
        except NOT_EXACT:  # more digits than the context carries: the same, exactly
            COUNTER.exact += 1
            exact_base = Fraction(fixed) * Fraction(scheme.base_share) if share else Fraction(scheme.base_amount or ZERO)
            exact_product = Fraction(1)
            for coefficient in coefficients:
                exact_product *= Fraction(coefficient)
            base, product, uncapped = exact_base, exact_product, exact_base * exact_product
            cap_amount = None if cap is None else Fraction(cap) * exact_base
        capped = uncapped if cap_amount is None or uncapped <= cap_amount else cap_amount
        bonus = quantize_money(capped)
        trace["kpis"] = list(evaluation.entries.values())
        trace["bonus"] = {
            "scheme": scheme.name,
            "base": {
                "kind": scheme.base_kind,
                "share": str(scheme.base_share) if share else None,
                "amount": number_text(base),
            },
            "factors": factor_entries,
            "product": number_text(product),
            "cap": None if cap is None else str(cap),
            "cap_amount": None if cap_amount is None else number_text(cap_amount),
            "capped": cap_amount is not None and uncapped > cap_amount,
            "amount": str(bonus),
        }
    if data.adjustments:
        try:
            adjustment_sum: Number = sum((a.amount for a in data.adjustments), ZERO)
        except NOT_EXACT:
            adjustment_sum = sum((Fraction(a.amount) for a in data.adjustments), Fraction(0))
        adjustments = quantize_money(adjustment_sum)
        trace["adjustments"] = [{"amount": str(a.amount), "reason": a.reason} for a in data.adjustments]
    else:
        adjustments = MONEY_ZERO
        trace["adjustments"] = []
    try:
        total = fixed + bonus + adjustments
    except NOT_EXACT:  # sums of cents beyond 28 digits
        total = quantize_money(Fraction(fixed) + Fraction(bonus) + Fraction(adjustments))
    trace["total"] = str(total)
    result = object.__new__(PayoutResult)
    # What PayoutResult(...) does, in one step instead of ten frozen-attribute sets.
    _set_attribute(
        result,
        "__dict__",
        {
            "employee": data.employee,
            "period": data.period,
            "fixed": fixed,
            "bonus": bonus,
            "adjustments": adjustments,
            "total": total,
            "coefficients": tuple(coefficients),
            "score": score,
            "warnings": tuple(warnings),
            "trace": trace,
        },
    )
    return result
