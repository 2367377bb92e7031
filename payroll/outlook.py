"""One employee's payout outside a run: the preview, the projection and the what-if (with the
rules for the what-if's input, which the API and the portal share). They gather the same
inputs as the run (`payroll_inputs`, adjustments included), so their totals are the run's
(spec §9)."""

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from compensation.models import BonusScheme
from compensation.selectors import company_configuration
from core import numbers
from core.domain import field_decimal, problem_message
from engine import PayoutResult, Period, calculate_payout
from engine.guidance import next_bands
from engine.projection import projected_input, what_if_input
from engine.rules import measure_value_problems
from kpis.models import Measure, MeasureValue
from kpis.selectors import catalogue_and_own
from organizations.models import Employee
from payroll.provenance import add_provenance, payout_provenance
from payroll.selectors import payroll_inputs


class PayoutOutlook:
    """One employee's payout for one period, from inputs gathered once: as recorded so far
    (`recorded`), at the run rate (`projection`, spec §9) and with other measures
    (`what_if`). A page that shows several of them gathers the inputs once."""

    def __init__(self, *, employee: Employee, period: Period):
        self.employee, self.period = employee, period
        self.configuration = company_configuration(company=employee.company, period=period)
        (self.data,) = payroll_inputs(
            company=employee.company, period=period, employees=[employee], configuration=self.configuration
        )
        self._projections: dict = {}

    @cached_property
    def recorded(self) -> PayoutResult:
        """The payout with its trace (and where its event-fed measures came from, as a run
        stores it), computed now and stored nowhere."""
        result = calculate_payout(self.data)
        fed = payout_provenance(employees=[self.employee], period=str(self.period))
        add_provenance(result.trace, fed.get(self.employee.pk))
        return result

    def projection(self, today) -> dict:
        """The payout the period brings at the current run rate, with what it takes to reach
        the next band of each factor (computed once per day asked for)."""
        if today not in self._projections:
            projected, rate = projected_input(self.data, self.configuration.aggregations, today)
            self._projections[today] = {"run_rate": str(rate), **_explained(projected)}
        return self._projections[today]

    @cached_property
    def measure_units(self) -> dict[str, str]:
        """The measures the employee's KPIs read in the period, in the order they read them,
        with their units ("" for a measure with no definition)."""
        codes: dict[str, None] = {}
        for entry in self.recorded.trace.get("kpis", []):
            codes.update(dict.fromkeys(entry.get("measures", {})))
        units = dict(catalogue_and_own(Measure, company=self.employee.company).filter(code__in=codes).values_list("code", "unit"))
        return {code: units.get(code, "") for code in codes}

    def what_if(self, measures: dict[str, Decimal]) -> dict:
        """The payout with these measures in place of the recorded ones; stores nothing.
        `measures` are checked already (`what_if_measures_validate`)."""
        return _explained(what_if_input(self.data, measures))


def payout_preview(*, employee: Employee, period: Period) -> PayoutResult:
    return PayoutOutlook(employee=employee, period=period).recorded


def payout_projection(*, employee: Employee, period: Period, today) -> dict:
    return PayoutOutlook(employee=employee, period=period).projection(today)


def payout_with_scheme(*, employee: Employee, period: Period, scheme: BonusScheme) -> PayoutResult:
    """The employee's payout for the period as the run would compute it (the same plans,
    measures, salary, calendar and adjustments) with `scheme`, one of the company's, in place
    of the one assigned; computed now and stored nowhere."""
    if scheme.company_id != employee.company_id:
        raise ValueError("the scheme belongs to another company")
    outlook = PayoutOutlook(employee=employee, period=period)
    compiled, warnings = outlook.configuration.schemes([scheme.pk])[scheme.pk]
    return calculate_payout(replace(outlook.data, scheme=compiled, warnings=warnings))


# The what-if's refusals, by code. The portal's catalogue translates them (portal/locale, where
# portal.selectors marks them for makemessages); the API answers them in the request's language.
WHAT_IF_NOT_READ = "what_if_measure_not_read"
WHAT_IF_MESSAGES = {
    WHAT_IF_NOT_READ: gettext_lazy("Not a measure of your KPIs."),
    "measure_count_negative": gettext_lazy("A count cannot be negative."),
    "measure_value_not_finite": gettext_lazy("Not a number."),
    numbers.NOT_A_NUMBER: gettext_lazy("%(value)s is not a number"),
    numbers.TOO_LARGE: gettext_lazy("%(value)s is too large: at most %(digits)s digits before the decimal point"),
    numbers.TOO_PRECISE: gettext_lazy("%(value)s has too many decimal places: at most %(places)s"),
}


def what_if_measures_validate(*, outlook: PayoutOutlook, measures: Mapping[str, Any]) -> dict[str, Decimal]:
    """Typed what-if values as numbers, or one `ValidationError` keyed by measure code naming
    every bad value: a measure the employee's KPIs do not read, no number a recorded value could
    hold (`field_decimal`, reading grouped thousands as people type them: `1,234.5`, `1 234,5`),
    a negative count. The API and the portal both call this, so they accept and refuse alike."""
    value_field = MeasureValue._meta.get_field("value")
    code_length = Measure._meta.get_field("code").max_length
    units = outlook.measure_units
    values: dict[str, Decimal] = {}
    errors: dict[str, list[ValidationError]] = {}

    def refuse(code: str, problem: str, default: str = "", **params) -> None:
        message = WHAT_IF_MESSAGES.get(problem, default)
        errors[code[:code_length]] = [ValidationError(message, code=problem, params=params or None)]

    for code, text in measures.items():
        if code not in units:
            refuse(code, WHAT_IF_NOT_READ)
            continue
        try:
            value = field_decimal(value_field, text, thousands_separators=True)
        except numbers.NumberError as error:
            refuse(
                code,
                error.code,
                error.message,
                value=numbers.quote(text),
                digits=value_field.max_digits - value_field.decimal_places,
                places=value_field.decimal_places,
            )
            continue
        problems = measure_value_problems(units[code], value)
        if problems:
            refuse(code, problems[0].code, problem_message(problems[0]))
        else:
            values[code] = value
    if errors:
        raise ValidationError(errors)
    return values


def payout_what_if(*, employee: Employee, period: Period, measures: Mapping[str, Any]) -> dict:
    """The payout with these typed measures in place of the recorded ones (`ValidationError`
    keyed by measure code for values it cannot use)."""
    outlook = PayoutOutlook(employee=employee, period=period)
    return outlook.what_if(what_if_measures_validate(outlook=outlook, measures=measures))


def _explained(data) -> dict:
    """A payout with what it takes to reach the next band of each factor."""
    result = calculate_payout(data)
    return {"payout": result.as_json(), "next_bands": next_bands(data, result)}
