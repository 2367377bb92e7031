"""Reads for calculations: gather every input of many payouts in a fixed number of queries
and hand plain data to the engine."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import cached_property, lru_cache

from django.db.models import F, Prefetch, Q, QuerySet

from compensation import engine
from compensation.engine import Period, RuleViolation
from compensation.models import (
    BandPoint,
    BonusScheme,
    CalendarDay,
    Company,
    CompanyStage,
    Employee,
    SalaryAgreement,
    SchemeAssignment,
    SchemeFactor,
)

_UNUSABLE_TABLE = engine.BandTable.build("(unusable)", [(Decimal(0), Decimal(0))])


def employees_in_period(*, company: Company, period: Period) -> QuerySet[Employee]:
    """Employees employed on at least one day of the period."""
    return Employee.objects.filter(company=company, hire_date__lte=period.last_day).filter(
        Q(termination_date__isnull=True) | Q(termination_date__gte=period.first_day)
    )


def work_calendar(*, company: Company, period: Period) -> engine.WorkCalendar:
    days = (
        CalendarDay.objects.filter(company=company, date__range=(period.first_day, period.last_day))
        .order_by("date")
        .values_list("date", "kind")
    )
    holidays, working = [], []
    for day, kind in days:
        (holidays if kind == CalendarDay.Kind.HOLIDAY else working).append(day)
    return engine.WorkCalendar.build(period, holidays, working)


def company_stage(*, company: Company, period: Period) -> int | None:
    """The stage in effect on the period's last day."""
    stage = (
        CompanyStage.objects.filter(company=company, effective_from__lte=period.last_day)
        .order_by("-effective_from")
        .values_list("stage", flat=True)
        .first()
    )
    return stage


def catalogue_and_own(model, *, company: Company) -> QuerySet:
    """Catalogue rows (no company) and the company's own, the company's last: read into a
    dict by code, the company's own row wins over the catalogue's."""
    return model.objects.filter(Q(company__isnull=True) | Q(company=company)).order_by(
        F("company_id").asc(nulls_first=True)
    )


def kpi_definitions(*, company: Company) -> dict[str, engine.Kpi]:
    """The catalogue's KPIs and the company's own (which win on the same code), parsed."""
    from kpis.models import Kpi

    definitions: dict[str, engine.Kpi] = {}
    for kpi in catalogue_and_own(Kpi, company=company).select_related("measure"):
        try:
            formula = _parsed(kpi.expression)
        except engine.FormulaError:
            continue  # cannot be saved through the domain layer; treated as not defined
        definitions[kpi.code] = engine.Kpi(kpi.code, kpi.direction, formula, kpi.name, kpi.unit)
    return definitions


@lru_cache(maxsize=4096)
def _parsed(expression: str) -> engine.Formula:
    """A formula parsed once per process: parsing is a pure function of the text and the
    result is immutable, so every request reading the same KPI shares it."""
    return engine.parse_formula(expression)


def measure_aggregations(*, company: Company) -> dict[str, str]:
    """Each measure's aggregation; the company's own measure wins over the catalogue's."""
    from kpis.models import Measure

    return dict(catalogue_and_own(Measure, company=company).values_list("code", "aggregation"))


def _set_items():
    from kpis.models import KpiSetItem

    return KpiSetItem.objects.select_related("kpi").order_by("id")


def _kpi_set(kpi_set) -> engine.KpiSet:
    items = [(item.kpi.code, item.weight) for item in kpi_set.items.all()]
    return engine.KpiSet.build(kpi_set.name, items, kpi_set.cap_pct)


def _band_table(table, warnings: list[dict[str, str]]) -> engine.BandTable:
    points = [(point.lower_bound_pct, point.coefficient) for point in table.points.all()]
    try:
        return engine.BandTable.build(table.name, points, table.mode)
    except RuleViolation as violation:
        warnings.append({"code": "band_table_invalid", "message": f"band table {table.name!r} is unusable: {violation}"})
        return _UNUSABLE_TABLE


class _CompanyContext:
    """What every payout of one company and period shares. The stage and its active KPI
    set are read only when a scheme has a factor on them (most payouts do not)."""

    def __init__(self, company: Company, period: Period):
        self.company = company
        self.period = period
        self.calendar = work_calendar(company=company, period=period)
        self.kpis = kpi_definitions(company=company)

    @cached_property
    def stage(self) -> int | None:
        return company_stage(company=self.company, period=self.period)

    @cached_property
    def stage_kpi_set(self):
        """kpis.KpiSet with its items, or None."""
        from kpis.models import KpiSet

        if self.stage is None:
            return None
        return (
            KpiSet.objects.filter(company=self.company, stage=self.stage, is_active=True)
            .prefetch_related(Prefetch("items", queryset=_set_items()))
            .order_by("pk")  # one active set per stage; the default ordering would join the company
            .first()
        )


def _company_context(company: Company, period: Period) -> _CompanyContext:
    return _CompanyContext(company, period)


def _engine_scheme(scheme: BonusScheme, context: _CompanyContext, warnings: list[dict[str, str]]) -> engine.Scheme:
    factors = []
    for factor in scheme.factors.all():
        table = _band_table(factor.band_table, warnings)
        name = factor.name
        if factor.input_kind == SchemeFactor.Input.KPI:
            factors.append(engine.Factor(name, table, kpi_code=factor.kpi.code))
            continue
        if factor.input_kind == SchemeFactor.Input.KPI_SET:
            kpi_set, source = factor.kpi_set, f"KPI set {factor.kpi_set.name!r}"
        else:
            kpi_set, source = context.stage_kpi_set, f"the active KPI set for stage {context.stage}"
        if kpi_set is None:
            reason = (
                f"the company has no development stage on {context.period.last_day}"
                if context.stage is None
                else f"no KPI set is active for stage {context.stage}"
            )
            factors.append(engine.Factor(name, table, source="the active KPI set for the stage", unresolved_reason=reason))
            continue
        try:
            factors.append(engine.Factor(name, table, kpi_set=_kpi_set(kpi_set), source=f"{source}: {kpi_set.name}"))
        except RuleViolation as violation:
            factors.append(engine.Factor(name, table, source=source, unresolved_reason=f"{kpi_set.name} is invalid: {violation}"))
    return engine.Scheme(
        scheme.name, tuple(factors), scheme.base_kind, scheme.base_share, scheme.base_amount, scheme.cap
    )


def _latest_by_employee(rows: Iterable, key: str = "employee_id") -> dict[int, object]:
    latest: dict[int, object] = {}
    for row in rows:  # ordered by effective_from: the last one wins
        latest[getattr(row, key)] = row
    return latest


def payout_inputs(
    *,
    company: Company,
    period: Period,
    employee_ids: Sequence[int] | None = None,
    adjustments: dict[int, list[engine.Adjustment]] | None = None,
    employees: Sequence[Employee] | None = None,
) -> list[engine.PayoutInput]:
    """The engine's input for each employee of the company employed in `period` (or for
    exactly `employee_ids`, or exactly `employees` of the company when the caller has them
    loaded), in personnel-number order. The number of queries does not depend on how many
    employees there are."""
    from kpis.models import MeasureValue, Plan

    context = _company_context(company, period)
    if employees is None:
        queryset = (
            Employee.objects.filter(company=company, pk__in=employee_ids)
            if employee_ids is not None
            else employees_in_period(company=company, period=period)
        )
        employees = list(queryset.order_by("personnel_number"))
    else:
        employees = sorted(employees, key=lambda employee: employee.personnel_number)
    ids = [employee.pk for employee in employees]
    last_day = period.last_day

    salaries: dict[int, list[engine.SalaryAgreement]] = defaultdict(list)
    for employee_id, effective_from, amount in (
        SalaryAgreement.objects.filter(employee_id__in=ids, effective_from__lte=last_day)
        .order_by("effective_from")
        .values_list("employee_id", "effective_from", "monthly_amount")
    ):
        salaries[employee_id].append(engine.SalaryAgreement(effective_from, amount))

    assignments = _latest_by_employee(
        SchemeAssignment.objects.filter(employee_id__in=ids, effective_from__lte=last_day).order_by("effective_from")
    )
    scheme_ids = {assignment.scheme_id for assignment in assignments.values()}
    # Explicit orderings within each parent: the models' default orderings go through their
    # parents' (scheme → company → name) and cost a join per query.
    schemes = (
        BonusScheme.objects.filter(pk__in=scheme_ids)
        .order_by("pk")
        .prefetch_related(
            Prefetch(
                "factors",
                queryset=SchemeFactor.objects.select_related("kpi", "band_table", "kpi_set")
                .order_by("position", "id")
                .prefetch_related(
                    Prefetch("band_table__points", queryset=BandPoint.objects.order_by("lower_bound_pct")),
                    Prefetch("kpi_set__items", queryset=_set_items()),
                ),
            )
        )
    )
    scheme_warnings: dict[int, list[dict[str, str]]] = {}
    engine_schemes: dict[int, engine.Scheme] = {}
    for scheme in schemes:
        scheme_warnings[scheme.pk] = []
        engine_schemes[scheme.pk] = _engine_scheme(scheme, context, scheme_warnings[scheme.pk])

    plans: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for employee_id, code, value in Plan.objects.filter(employee_id__in=ids, period=str(period)).order_by().values_list(
        "employee_id", "kpi__code", "value"
    ):
        plans[employee_id][code] = value

    measures: dict[int, dict[str, Decimal]] = defaultdict(dict)
    previous: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for employee_id, record_period, code, value in MeasureValue.objects.filter(
        employee_id__in=ids, period__in=[str(period), str(period.previous)]
    ).order_by().values_list("employee_id", "period", "measure__code", "value"):
        (measures if record_period == str(period) else previous)[employee_id][code] = value

    inputs = []
    for employee in employees:
        assignment = assignments.get(employee.pk)
        scheme_id = assignment.scheme_id if assignment else None
        inputs.append(
            engine.PayoutInput(
                employee=employee.personnel_number,
                period=period,
                calendar=context.calendar,
                hire_date=employee.hire_date,
                termination_date=employee.termination_date,
                salary_agreements=tuple(salaries.get(employee.pk, ())),
                scheme=engine_schemes.get(scheme_id) if scheme_id else None,
                kpis=context.kpis,
                plans=plans.get(employee.pk, {}),
                measures=measures.get(employee.pk, {}),
                previous_measures=previous.get(employee.pk, {}),
                adjustments=tuple((adjustments or {}).get(employee.pk, ())),
                warnings=tuple(scheme_warnings.get(scheme_id, ())) if scheme_id else (),
            )
        )
    return inputs
