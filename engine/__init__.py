"""The calculation core: plain Python (decimal, dataclasses), no Django.

Plain data goes in, a payout with its JSON-ready trace comes out. The arithmetic is
`docs/calculation.md`; the § numbers in docstrings are its sections.
"""

from .bands import LINEAR, STEP, BandHit, BandPoint, BandTable, band_points_problems, band_points_warnings
from .calendar import FixedPay, Period, SalaryAgreement, WorkCalendar, prorate_fixed_pay
from .formula import Formula, FormulaError, Undefined, parse_formula
from .kpisets import KpiSet, KpiSetItem, kpi_set_problems
from .payout import (
    BASE_FIXED,
    BASE_SHARE,
    HIGHER_IS_BETTER,
    LOWER_IS_BETTER,
    Adjustment,
    Factor,
    Kpi,
    PayoutInput,
    PayoutResult,
    Scheme,
    calculate_payout,
    fulfillment,
)
from .problems import Problem, RuleViolation
from .projection import LAST, SUM, project_measures, project_payout, run_rate, what_if_payout
from .rounding import quantize_money, round_half_up

__all__ = [
    "BASE_FIXED", "BASE_SHARE", "HIGHER_IS_BETTER", "LAST", "LINEAR", "LOWER_IS_BETTER", "STEP", "SUM",
    "Adjustment", "BandHit", "BandPoint", "BandTable", "Factor", "FixedPay", "Formula", "FormulaError",
    "Kpi", "KpiSet", "KpiSetItem", "PayoutInput", "PayoutResult", "Period", "Problem", "RuleViolation",
    "SalaryAgreement", "Scheme", "Undefined", "WorkCalendar", "band_points_problems", "band_points_warnings", "calculate_payout",
    "fulfillment", "kpi_set_problems", "parse_formula", "project_measures", "project_payout",
    "prorate_fixed_pay", "quantize_money", "round_half_up", "run_rate", "what_if_payout",
]
