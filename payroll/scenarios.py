"""Scenarios (issue 14): what a draft change would have paid over the last approved months,
against what was paid. The draft — another scheme for everyone on a scheme (or for all),
the rows of a band table changed, the weights of a KPI set changed — is compiled in memory
(`CompanyConfiguration.schemes_with_points`); each month's inputs are gathered in bulk as
the run gathers them (`payroll_inputs`: plans, measures, salaries, calendar, adjustments)
and the engine computes every payout again. Nothing is written here;
`payroll.services.scenario_save` keeps a named scenario's parameters and totals."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy

from compensation.models import BandPoint, BandTable, BonusScheme
from compensation.selectors import assigned_schemes, company_configuration
from compensation.services import band_table_problems
from core.domain import field_decimal, problem_text
from core.numbers import NumberError, parse_decimal
from engine import Period, calculate_payout
from kpis.models import KpiSet, KpiSetItem
from kpis.services import kpi_set_validate
from organizations.models import Company, Employee
from payroll.models import FROZEN, Payout, PayrollRun
from payroll.selectors import payroll_inputs

MONTHS_MIN, MONTHS_MAX = 1, 12
ZERO = Decimal("0.00")

# What a scenario's form is refused for (translated by the portal's catalogue, where
# portal.scenarios marks them for makemessages).
MESSAGES = {
    "months": gettext_lazy("Choose from 1 to 12 months."),
    "scheme_unknown": gettext_lazy("Not one of the company's bonus schemes."),
    "band_table_unknown": gettext_lazy("Not one of the company's band tables."),
    "band_rows_without_table": gettext_lazy("Choose the band table these rows replace."),
    "band_rows_missing": gettext_lazy("Type the table's rows, one “lower bound;coefficient” a line."),
    "band_row_shape": gettext_lazy("row %(row)s: write “lower bound;coefficient”, for example 80;0,5"),
    "band_row_number": gettext_lazy("row %(row)s: %(value)s is not a number"),
    "kpi_set_unknown": gettext_lazy("Not one of the company's KPI sets."),
    "kpi_weights_missing": gettext_lazy("Type the set's weights."),
    "no_approved_month": gettext_lazy("The company has no approved payroll run yet: nothing was paid to compare with."),
}


def _refusal(code: str, **params) -> ValidationError:
    return ValidationError(MESSAGES[code], code=code, params=params or None)


@dataclass(frozen=True)
class ScenarioParameters:
    """A draft change, checked: over the last `months` approved months, everyone on `scope`
    (None: everyone) is paid by `scheme` (None: their own), with `band_table`'s rows replaced
    by `band_points` wherever a scheme reads it."""

    months: int
    scope: BonusScheme | None = None
    scheme: BonusScheme | None = None
    band_table: BandTable | None = None
    band_points: tuple[tuple[Decimal, Decimal], ...] = ()
    kpi_set: KpiSet | None = None
    kpi_weights: tuple[tuple[int, Decimal], ...] = ()  # (KPI id, weight) in the set's order

    def as_json(self) -> dict[str, Any]:
        return {
            "months": self.months,
            "scope": self.scope.pk if self.scope else None,
            "scheme": self.scheme.pk if self.scheme else None,
            "band_table": self.band_table.pk if self.band_table else None,
            "band_rows": [[f"{lower:f}", f"{coefficient:f}"] for lower, coefficient in self.band_points],
            "kpi_set": self.kpi_set.pk if self.kpi_set else None,
            "kpi_weights": [[kpi_id, f"{weight:f}"] for kpi_id, weight in self.kpi_weights],
        }


def band_rows_text(rows) -> str:
    """Band rows as the form types them: one `lower;coefficient` a line."""
    return "\n".join(f"{lower};{coefficient}" for lower, coefficient in rows)


def _band_points(text: str) -> tuple[tuple[Decimal, Decimal], ...]:
    """`lower;coefficient` lines (a tab also separates; "0,5" and "0.5" alike) as rows, or a
    ValidationError naming every bad row, then the band table's own rules by row."""
    bound = BandPoint._meta.get_field("lower_bound_pct")
    coefficient_field = BandPoint._meta.get_field("coefficient")
    points: list[tuple[Decimal, Decimal]] = []
    errors: list[ValidationError] = []
    lines = [line.strip() for line in text.replace("\r", "").split("\n")]
    for row, line in enumerate((line for line in lines if line), start=1):
        parts = [part.strip() for part in line.replace("\t", ";").split(";")]
        if len(parts) != 2:
            errors.append(_refusal("band_row_shape", row=row))
            continue
        values = []
        for part, model_field in zip(parts, (bound, coefficient_field), strict=True):
            try:
                values.append(
                    parse_decimal(part, max_digits=model_field.max_digits, decimal_places=model_field.decimal_places)
                )
            except NumberError:
                errors.append(_refusal("band_row_number", row=row, value=f"“{part[:40]}”"))
        if len(values) == 2:
            points.append((values[0], values[1]))
    if errors:
        raise ValidationError(errors)
    if not points:
        raise ValidationError([_refusal("band_rows_missing")])
    problems = band_table_problems(points)
    if problems:
        raise ValidationError([ValidationError(problem_text(problem), code=problem.code) for problem in problems])
    return tuple(points)


WEIGHT = KpiSetItem._meta.get_field("weight")


def kpi_set_items(kpi_set: KpiSet) -> list[KpiSetItem]:
    """The set's items with their KPIs, in the order the set is compiled in (by id)."""
    return list(kpi_set.items.select_related("kpi").order_by("id"))


def _kpi_weights(kpi_set: KpiSet, typed: Mapping[str, Any]) -> tuple[tuple[int, Decimal], ...]:
    """The weights typed for each of the set's KPIs (`typed` by KPI id as text; "0,2" and
    "0.2" alike), checked by the rule of saving a set (`kpis.services.kpi_set_validate`):
    a ValidationError keyed `kpi_weights[i].weight` for a row, `kpi_weights` for the set."""
    items = kpi_set_items(kpi_set)
    texts = [str(typed.get(str(item.kpi_id)) or "").strip() for item in items]
    if not any(texts):
        raise ValidationError({"kpi_weights": [_refusal("kpi_weights_missing")]})
    weights: list[Decimal | None] = []
    unread: dict[str, list[ValidationError]] = {}
    for row, text in enumerate(texts, start=1):
        weight = None
        if text:
            try:
                weight = field_decimal(WEIGHT, text)
            except NumberError as error:
                said = gettext("row {row}: {message}").format(row=row, message=error.message)  # as problem_text
                unread[f"kpi_weights[{row - 1}].weight"] = [ValidationError(said, code=error.code)]
        weights.append(weight)
    if unread:
        raise ValidationError(unread)
    try:
        kpi_set_validate(cap_pct=kpi_set.cap_pct, items=[(item.kpi, w) for item, w in zip(items, weights, strict=True)])
    except ValidationError as error:
        raise ValidationError(
            {key.replace("items[", "kpi_weights[") if key != "__all__" else "kpi_weights": problems
             for key, problems in error.error_dict.items()}
        ) from None  # fmt: skip
    return tuple((item.kpi_id, weight) for item, weight in zip(items, weights, strict=True) if weight is not None)


def _company_row(model, company: Company, value: Any):
    """The company's row of `model` with id `value` (None for an empty choice); LookupError
    for anything else, another company's row included."""
    if value in (None, ""):
        return None
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise LookupError(value) from None
    row = model.objects.filter(company=company, pk=pk).first()
    if row is None:
        raise LookupError(value)
    return row


def scenario_parameters(
    *,
    company: Company,
    months: Any,
    scope: Any = None,
    scheme: Any = None,
    band_table: Any = None,
    band_rows: str = "",
    kpi_set: Any = None,
    kpi_weights: Mapping[str, Any] | None = None,
) -> ScenarioParameters:
    """The draft as typed (ids and text, from a form or a saved scenario), checked: one
    ValidationError keyed by field naming every problem (months 1–12; schemes, the band
    table and the KPI set the company's own; band rows numbers that make a valid table; the
    set's weights, by KPI id, what saving the set accepts)."""
    errors: dict[str, list[ValidationError]] = {}
    try:
        count = int(str(months).strip())
    except (TypeError, ValueError):
        count = 0
    if not MONTHS_MIN <= count <= MONTHS_MAX:
        errors["months"] = [_refusal("months")]
    found: dict[str, Any] = {}
    for name, model, code, value in (
        ("scope", BonusScheme, "scheme_unknown", scope),
        ("scheme", BonusScheme, "scheme_unknown", scheme),
        ("band_table", BandTable, "band_table_unknown", band_table),
        ("kpi_set", KpiSet, "kpi_set_unknown", kpi_set),
    ):
        try:
            found[name] = _company_row(model, company, value)
        except LookupError:
            errors[name] = [_refusal(code)]
    points: tuple[tuple[Decimal, Decimal], ...] = ()
    if (band_rows or "").strip():
        if found.get("band_table") is None and "band_table" not in errors:
            errors["band_rows"] = [_refusal("band_rows_without_table")]
        else:
            try:
                points = _band_points(band_rows)
            except ValidationError as error:
                errors["band_rows"] = error.error_list
    elif found.get("band_table") is not None:
        errors["band_rows"] = [_refusal("band_rows_missing")]
    weights: tuple[tuple[int, Decimal], ...] = ()
    if found.get("kpi_set") is not None:
        try:
            weights = _kpi_weights(found["kpi_set"], kpi_weights or {})
        except ValidationError as error:
            errors.update(error.error_dict)
    if errors:
        raise ValidationError(errors)
    return ScenarioParameters(
        count, found["scope"], found["scheme"], found["band_table"], points, found["kpi_set"], weights
    )


def scenario_parameters_from_json(*, company: Company, data: Mapping[str, Any]) -> ScenarioParameters:
    """A saved scenario's parameters, checked again (a scheme may have been deleted since)."""
    return scenario_parameters(
        company=company,
        months=data.get("months"),
        scope=data.get("scope"),
        scheme=data.get("scheme"),
        band_table=data.get("band_table"),
        band_rows=band_rows_text(data.get("band_rows") or []),
        kpi_set=data.get("kpi_set"),
        kpi_weights={str(kpi_id): weight for kpi_id, weight in data.get("kpi_weights") or []},
    )


@dataclass
class ScenarioLine:
    """Paid against the scenario, for one month or one person."""

    paid: Decimal = ZERO
    scenario: Decimal = ZERO
    payouts: int = 0

    @property
    def difference(self) -> Decimal:
        return self.scenario - self.paid

    def add(self, paid: Decimal, scenario: Decimal) -> None:
        self.paid += paid
        self.scenario += scenario
        self.payouts += 1


@dataclass
class ScenarioPerson(ScenarioLine):
    personnel_number: str = ""
    full_name: str = ""


@dataclass
class ScenarioMonth(ScenarioLine):
    period: str = ""


@dataclass
class ScenarioResult:
    parameters: ScenarioParameters
    months: list[ScenarioMonth] = field(default_factory=list)  # oldest first
    people: list[ScenarioPerson] = field(default_factory=list)  # the largest difference first
    total: ScenarioLine = field(default_factory=ScenarioLine)

    def totals_json(self) -> dict[str, Any]:
        return {
            "paid": str(self.total.paid),
            "scenario": str(self.total.scenario),
            "difference": str(self.total.difference),
            "payouts": self.total.payouts,
            "periods": [month.period for month in self.months],
        }


def approved_runs(*, company: Company, months: int) -> list[PayrollRun]:
    """The company's last `months` periods with an approved (or paid) run, oldest first."""
    runs = PayrollRun.objects.filter(company=company, status__in=FROZEN).order_by("-period")[:months]
    return sorted(runs, key=lambda run: run.period)


def scenario_compute(*, company: Company, parameters: ScenarioParameters) -> ScenarioResult:
    """What the draft would have paid in each of the last approved months to everyone in
    its scope who was paid then, against what was paid (the approved payouts' totals). A
    month's inputs are read in a fixed number of queries, whatever the number of people;
    raises ValidationError when no month has an approved run."""
    runs = approved_runs(company=company, months=parameters.months)
    if not runs:
        raise ValidationError({"months": [_refusal("no_approved_month")]})
    paid_by_run: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for run_id, employee_id, total in (
        Payout.objects.filter(run__in=runs).order_by().values_list("run_id", "employee_id", "total")
    ):
        paid_by_run[run_id][employee_id] = total
    everyone = {pk for paid in paid_by_run.values() for pk in paid}
    employees = {employee.pk: employee for employee in Employee.objects.filter(company=company, pk__in=everyone)}
    result = ScenarioResult(parameters)
    people: dict[int, ScenarioPerson] = {}
    band_points = {parameters.band_table.pk: parameters.band_points} if parameters.band_table else {}
    kpi_weights = {parameters.kpi_set.pk: dict(parameters.kpi_weights)} if parameters.kpi_set else {}
    for run in runs:
        period = Period.parse(run.period)
        paid = paid_by_run[run.pk]
        assigned = assigned_schemes(employee_ids=paid, period=period)
        in_scope = [
            employees[pk]
            for pk in paid
            if pk in employees and (parameters.scope is None or assigned.get(pk) == parameters.scope.pk)
        ]
        schemes_of = {
            employee.pk: parameters.scheme.pk if parameters.scheme else assigned.get(employee.pk) for employee in in_scope
        }
        configuration = company_configuration(company=company, period=period)
        wanted = {pk for pk in schemes_of.values() if pk is not None}
        compiled = (
            configuration.schemes_with_points(wanted, band_points, kpi_weights)
            if band_points or kpi_weights
            else configuration.schemes(wanted)
        )
        month = ScenarioMonth(period=run.period)
        inputs = payroll_inputs(company=company, period=period, employees=in_scope, configuration=configuration)
        by_number = {employee.personnel_number: employee for employee in in_scope}
        for data in inputs:
            employee = by_number[data.employee]
            scheme_id = schemes_of[employee.pk]
            scheme, warnings = compiled.get(scheme_id, (None, ())) if scheme_id is not None else (None, ())
            total = calculate_payout(replace(data, scheme=scheme, warnings=warnings)).total
            month.add(paid[employee.pk], total)
            person = people.get(employee.pk)
            if person is None:
                person = people[employee.pk] = ScenarioPerson(
                    personnel_number=employee.personnel_number, full_name=employee.full_name
                )
            person.add(paid[employee.pk], total)
            result.total.add(paid[employee.pk], total)
        result.months.append(month)
    result.people = sorted(people.values(), key=lambda p: (-abs(p.difference), p.personnel_number))
    return result
