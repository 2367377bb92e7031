"""Single-value rules shared by every way data comes in (admin, API, imports)."""

from decimal import Decimal

from .formula import FormulaError, parse_formula
from .problems import Problem, gettext_noop, problem

COUNT_UNIT = "count"


def plan_value_problems(value: Decimal | None) -> list[Problem]:
    """Spec §1: a plan is always > 0."""
    if value is None:
        return [problem("plan_missing", gettext_noop("the plan value is missing"), "value")]
    if not value.is_finite() or value <= 0:
        return [problem("plan_not_positive", gettext_noop("the plan is {value}, it must be greater than 0"), "value", value=value)]
    return []


def measure_value_problems(unit: str, value: Decimal | None) -> list[Problem]:
    """A measure value is a finite number; a count is never negative."""
    if value is None:
        return [problem("measure_value_missing", gettext_noop("the value is missing"), "value")]
    if not value.is_finite():
        return [problem("measure_value_not_finite", gettext_noop("{value} is not a number"), "value", value=value)]
    if unit == COUNT_UNIT and value < 0:
        return [problem("measure_count_negative", gettext_noop("the value is {value}, a count cannot be negative"), "value", value=value)]
    return []


def kpi_definition_problems(has_measure: bool, formula: str, known_measures: set[str]) -> list[Problem]:
    """A KPI is exactly one of: a measure, or a formula that parses over known measures."""
    formula = formula.strip()
    if has_measure and formula:
        return [problem("kpi_measure_and_formula", gettext_noop("give either a measure or a formula, not both"), "formula")]
    if not has_measure and not formula:
        return [problem("kpi_no_definition", gettext_noop("give a measure or a formula"), "formula")]
    if formula:
        try:
            parse_formula(formula, known_measures)
        except FormulaError as error:
            return [
                problem(
                    "kpi_formula_invalid", gettext_noop("{fault} at position {position}"), "formula",
                    fault=error.phrase, position=error.position + 1,
                )
            ]
    return []
