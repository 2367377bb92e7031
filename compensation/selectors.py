"""Reads for calculations: gather every input of many payouts in a fixed number of queries
and hand plain data to the engine."""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property, lru_cache

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet

import engine
from compensation.models import BandPoint, BonusScheme, SalaryAgreement, SchemeAssignment, SchemeFactor
from engine import Period, RuleViolation
from kpis.selectors import catalogue_and_own
from organizations import selectors as organization_selectors
from organizations.models import CalendarDay, Company, CompanyStage, Employee

_UNUSABLE_TABLE = engine.BandTable.build("(unusable)", [(Decimal(0), Decimal(0))])


def employees_in_period(*, company: Company, period: Period) -> QuerySet[Employee]:
    """Employees employed on at least one day of the period (`organizations.selectors`'s
    rule, which the kpis app's services share)."""
    return organization_selectors.employees_in_period(company=company, period=period)


def assigned_schemes(*, employee_ids: Iterable[int], period: Period) -> dict[int, int]:
    """The id of the bonus scheme assigned to each of these employees on the period's last
    day, as the run reads it (employees with none are left out). One query."""
    assigned: dict[int, int] = {}
    rows = (
        SchemeAssignment.objects.filter(employee_id__in=list(employee_ids), effective_from__lte=period.last_day)
        .order_by("employee_id", "effective_from")
        .values_list("employee_id", "scheme_id")
    )
    for employee_id, scheme_id in rows:
        assigned[employee_id] = scheme_id  # ordered by date: the last one is in effect
    return assigned


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


def _kpi_set(kpi_set, weights: Mapping[int, Decimal] | None = None) -> engine.KpiSet:
    """The set for the engine; `weights` (by KPI id) replace its items' weights, in memory."""
    weights = weights or {}
    items = [(item.kpi.code, weights.get(item.kpi_id, item.weight)) for item in kpi_set.items.all()]
    return engine.KpiSet.build(kpi_set.name, items, kpi_set.cap_pct)


def _band_table(table, warnings: list[dict[str, str]], points=None) -> engine.BandTable:
    if points is None:
        points = [(point.lower_bound_pct, point.coefficient) for point in table.points.all()]
    try:
        return engine.BandTable.build(table.name, points, table.mode)
    except RuleViolation as violation:
        warnings.append(
            {"code": "band_table_invalid", "message": f"band table {table.name!r} is unusable: {violation}"}
        )
        return _UNUSABLE_TABLE


class CompanyConfiguration:
    """What every payout of one company and period is computed from, compiled for the
    engine: the calendar, KPI definitions, measure aggregations and, on first use, the stage
    with its active KPI set and each bonus scheme. Read-only once compiled; processes share
    it between requests through `company_configuration`."""

    def __init__(self, company: Company, period: Period, version):
        self.company = company
        self.version = version  # read before any row it is compiled from
        self.period = period
        self.calendar = work_calendar(company=company, period=period)
        self.kpis = kpi_definitions(company=company)
        self.aggregations = measure_aggregations(company=company)
        self._schemes: dict[int, tuple[engine.Scheme, tuple[dict[str, str], ...]]] = {}

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

    def schemes(self, ids: Iterable[int]) -> dict[int, tuple[engine.Scheme, tuple[dict[str, str], ...]]]:
        """Each scheme of `ids` as the engine's, with the warnings of compiling it (one query
        for those not compiled yet)."""
        ids = set(ids)
        missing = ids - self._schemes.keys()
        if missing:
            self._schemes.update(self._compiled(missing))
        return {pk: self._schemes[pk] for pk in ids if pk in self._schemes}

    def schemes_with_points(
        self,
        ids: Iterable[int],
        band_points: Mapping[int, Sequence[tuple[Decimal, Decimal]]],
        kpi_weights: Mapping[int, Mapping[int, Decimal]] | None = None,
    ) -> dict[int, tuple[engine.Scheme, tuple[dict[str, str], ...]]]:
        """`schemes(ids)` with the rows of some band tables (by id) replaced by `band_points`
        and the weights of some KPI sets (by set id, then KPI id) by `kpi_weights` — the
        stage's active set too when it is one of them: a draft, compiled in memory for this
        call and kept nowhere (one query)."""
        return self._compiled(set(ids), band_points, kpi_weights)

    def _compiled(
        self, ids: set[int], band_points=None, kpi_weights=None
    ) -> dict[int, tuple[engine.Scheme, tuple[dict[str, str], ...]]]:
        # Explicit orderings within each parent: the models' default orderings go through
        # their parents' (scheme → company → name) and cost a join per query.
        schemes = (
            BonusScheme.objects.filter(pk__in=ids, company=self.company)
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
        compiled = {}
        for scheme in schemes:
            warnings: list[dict[str, str]] = []
            engine_scheme = _engine_scheme(scheme, self, warnings, band_points or {}, kpi_weights or {})
            compiled[scheme.pk] = (engine_scheme, tuple(warnings))
        return compiled


_CONFIGURATIONS: OrderedDict[tuple[int, str], CompanyConfiguration] = OrderedDict()
_CONFIGURATIONS_KEPT = 256
_configurations_lock = threading.Lock()


def company_configuration(*, company: Company, period: Period) -> CompanyConfiguration:
    """The company's configuration for `period`, compiled once per process and version and
    reused while the company's `config_version` in the database is the one it was compiled
    under (`compensation.configuration` replaces the version with every change). One query
    when it is reused: the version is read here, not taken from `company`, which may have
    been loaded before a change."""
    q = connection.ops.quote_name
    with connection.cursor() as cursor:  # the ORM's query building costs four times the query here
        cursor.execute(
            f"SELECT {q('config_version')} FROM {q(Company._meta.db_table)} WHERE {q('id')} = %s",
            [company.pk],
        )
        (version,) = cursor.fetchone()
    key = (company.pk, str(period))
    with _configurations_lock:
        kept = _CONFIGURATIONS.get(key)
        if kept is not None and kept.version == version:
            _CONFIGURATIONS.move_to_end(key)
            return kept
    compiled = CompanyConfiguration(company, period, version)
    with _configurations_lock:
        _CONFIGURATIONS[key] = compiled
        _CONFIGURATIONS.move_to_end(key)
        while len(_CONFIGURATIONS) > _CONFIGURATIONS_KEPT:
            _CONFIGURATIONS.popitem(last=False)
    return compiled


def forget_compiled_configurations() -> None:
    """Drop what this process has compiled (tests: each starts with none)."""
    with _configurations_lock:
        _CONFIGURATIONS.clear()


def _engine_scheme(
    scheme: BonusScheme, context: CompanyConfiguration, warnings: list[dict[str, str]], band_points=None, kpi_weights=None
) -> engine.Scheme:
    factors = []
    for factor in scheme.factors.all():
        table = _band_table(factor.band_table, warnings, (band_points or {}).get(factor.band_table_id))
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
            factors.append(
                engine.Factor(name, table, source="the active KPI set for the stage", unresolved_reason=reason)
            )
            continue
        try:
            engine_set = _kpi_set(kpi_set, (kpi_weights or {}).get(kpi_set.pk))
            factors.append(engine.Factor(name, table, kpi_set=engine_set, source=f"{source}: {kpi_set.name}"))
        except RuleViolation as violation:
            factors.append(
                engine.Factor(name, table, source=source, unresolved_reason=f"{kpi_set.name} is invalid: {violation}")
            )
    return engine.Scheme(
        scheme.name, tuple(factors), scheme.base_kind, scheme.base_share, scheme.base_amount, scheme.cap
    )


@dataclass
class EmployeeRows:
    """What payouts read of each employee, by employee id."""

    salaries: dict[int, list[engine.SalaryAgreement]] = field(default_factory=lambda: defaultdict(list))
    schemes: dict[int, int] = field(default_factory=dict)  # the scheme assigned on the period's last day
    plans: dict[int, dict[str, Decimal]] = field(default_factory=lambda: defaultdict(dict))
    measures: dict[int, dict[str, Decimal]] = field(default_factory=lambda: defaultdict(dict))
    previous_measures: dict[int, dict[str, Decimal]] = field(default_factory=lambda: defaultdict(dict))


EMPLOYEE_ROWS_BATCH = 1000


def employee_rows(*, employee_ids: Sequence[int], period: Period) -> EmployeeRows:
    """The employees' salary agreements and scheme assignments up to the period's last day,
    their plans of the period and their measure values of the period and the one before.

    One hand-written query per 1,000 employees in place of four ORM queries: on the
    marketer's projection, building those four cost more than everything else the request
    does (bench/api.py). Columns come back as each backend stores them (PostgreSQL: Decimal
    and date; SQLite: numbers and ISO text) and are converted here as the ORM would."""
    from kpis.models import Kpi, Measure, MeasureValue, Plan

    rows = EmployeeRows()
    q = connection.ops.quote_name

    def table(model) -> str:
        return q(model._meta.db_table)

    def column(model, name: str) -> str:
        return q(model._meta.get_field(name).column)

    salary_places = SalaryAgreement._meta.get_field("monthly_amount").decimal_places
    plan_places = Plan._meta.get_field("value").decimal_places
    measure_places = MeasureValue._meta.get_field("value").decimal_places
    last_day, current, previous = period.last_day, str(period), str(period.previous)
    for start in range(0, len(employee_ids), EMPLOYEE_ROWS_BATCH):
        batch = list(employee_ids[start : start + EMPLOYEE_ROWS_BATCH])
        among = ", ".join(["%s"] * len(batch))
        sql = f"""
            SELECT 's', s.{column(SalaryAgreement, "employee")}, s.{column(SalaryAgreement, "effective_from")},
                   NULL, s.{column(SalaryAgreement, "monthly_amount")}, NULL, NULL
              FROM {table(SalaryAgreement)} s
             WHERE s.{column(SalaryAgreement, "employee")} IN ({among})
               AND s.{column(SalaryAgreement, "effective_from")} <= %s
            UNION ALL
            SELECT 'a', a.{column(SchemeAssignment, "employee")}, a.{column(SchemeAssignment, "effective_from")},
                   NULL, NULL, a.{column(SchemeAssignment, "scheme")}, NULL
              FROM {table(SchemeAssignment)} a
             WHERE a.{column(SchemeAssignment, "employee")} IN ({among})
               AND a.{column(SchemeAssignment, "effective_from")} <= %s
            UNION ALL
            SELECT 'p', p.{column(Plan, "employee")}, NULL, k.{column(Kpi, "code")}, p.{column(Plan, "value")},
                   NULL, p.{column(Plan, "period")}
              FROM {table(Plan)} p JOIN {table(Kpi)} k ON k.{column(Kpi, "id")} = p.{column(Plan, "kpi")}
             WHERE p.{column(Plan, "employee")} IN ({among}) AND p.{column(Plan, "period")} = %s
            UNION ALL
            SELECT 'm', v.{column(MeasureValue, "employee")}, NULL, m.{column(Measure, "code")},
                   v.{column(MeasureValue, "value")}, NULL, v.{column(MeasureValue, "period")}
              FROM {table(MeasureValue)} v
              JOIN {table(Measure)} m ON m.{column(Measure, "id")} = v.{column(MeasureValue, "measure")}
             WHERE v.{column(MeasureValue, "employee")} IN ({among}) AND v.{column(MeasureValue, "period")} IN (%s, %s)
            ORDER BY 1, 2, 3
        """
        params = [*batch, last_day, *batch, last_day, *batch, current, *batch, current, previous]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        for kind, employee_id, day, code, value, scheme_id, record_period in fetched:
            if kind == "s":  # ordered by effective_from
                rows.salaries[employee_id].append(engine.SalaryAgreement(_date(day), _decimal(value, salary_places)))
            elif kind == "a":  # ordered by effective_from: the last one is in effect
                rows.schemes[employee_id] = scheme_id
            elif kind == "p":
                rows.plans[employee_id][code] = _decimal(value, plan_places)
            else:
                target = rows.measures if record_period == current else rows.previous_measures
                target[employee_id][code] = _decimal(value, measure_places)
    return rows


def _decimal(value, places: int) -> Decimal:
    """A decimal column's value as the ORM gives it: SQLite returns int or float."""
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places))


def _date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def payout_inputs(
    *,
    company: Company,
    period: Period,
    employee_ids: Sequence[int] | None = None,
    adjustments: dict[int, list[engine.Adjustment]] | None = None,
    employees: Sequence[Employee] | None = None,
    configuration: CompanyConfiguration | None = None,
) -> list[engine.PayoutInput]:
    """The engine's input for each employee of the company employed in `period` (or for
    exactly `employee_ids`, or exactly `employees` of the company when the caller has them
    loaded), in personnel-number order, with the company's `configuration` for the period
    (read here unless the caller has it). The number of queries does not depend on how many
    employees there are."""
    context = configuration or company_configuration(company=company, period=period)
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

    rows = employee_rows(employee_ids=ids, period=period)
    engine_schemes = context.schemes(rows.schemes.values())

    inputs = []
    for employee in employees:
        scheme_id = rows.schemes.get(employee.pk)
        inputs.append(
            engine.PayoutInput(
                employee=employee.personnel_number,
                period=period,
                calendar=context.calendar,
                hire_date=employee.hire_date,
                termination_date=employee.termination_date,
                salary_agreements=tuple(rows.salaries.get(employee.pk, ())),
                scheme=engine_schemes[scheme_id][0] if scheme_id in engine_schemes else None,
                kpis=context.kpis,
                plans=rows.plans.get(employee.pk, {}),
                measures=rows.measures.get(employee.pk, {}),
                previous_measures=rows.previous_measures.get(employee.pk, {}),
                adjustments=tuple((adjustments or {}).get(employee.pk, ())),
                warnings=engine_schemes[scheme_id][1] if scheme_id in engine_schemes else (),
            )
        )
    return inputs


# --- what HR's month grid shows (the portal's plans and actuals) -------------------------


def kpis_in_use(*, company: Company, period: Period) -> list:
    """The KPIs a month's payouts read, by name: those of the company's schemes (a factor's
    KPI, its KPI set's, and the set active for the company's stage in the month), and any
    other KPI that has a plan in the month for one of the company's employees."""
    from kpis.models import Kpi, KpiSetItem, Plan

    factors = SchemeFactor.objects.filter(scheme__company=company).values_list("input_kind", "kpi_id", "kpi_set_id")
    ids, set_ids, wants_stage = set(), set(), False
    for input_kind, kpi_id, kpi_set_id in factors:
        if input_kind == SchemeFactor.Input.KPI and kpi_id:
            ids.add(kpi_id)
        elif input_kind == SchemeFactor.Input.KPI_SET and kpi_set_id:
            set_ids.add(kpi_set_id)
        elif input_kind == SchemeFactor.Input.STAGE_KPI_SET:
            wants_stage = True
    stage = company_stage(company=company, period=period) if wants_stage else None
    in_sets = Q(kpi_set_id__in=set_ids)
    if stage is not None:
        in_sets |= Q(kpi_set__company=company, kpi_set__stage=stage, kpi_set__is_active=True)
    if set_ids or stage is not None:
        ids.update(KpiSetItem.objects.filter(in_sets).values_list("kpi_id", flat=True))
    planned = Plan.objects.filter(employee__company=company, period=str(period)).values("kpi_id")
    return list(
        catalogue_and_own(Kpi, company=company)
        .filter(Q(pk__in=ids) | Q(pk__in=planned))
        .select_related("measure")
        .order_by("name", "code")
    )


def measures_in_use(*, company: Company, period: Period, kpis: Iterable | None = None) -> list:
    """The measures `kpis` (default: `kpis_in_use`) read in the month — each KPI's measure or
    the codes its formula reads, the company's own measure winning over the catalogue's — and
    any other measure recorded in the month for one of the company's employees; by name."""
    from kpis.models import Measure, MeasureValue

    kpis = kpis_in_use(company=company, period=period) if kpis is None else kpis
    codes: set[str] = set()
    for kpi in kpis:
        try:
            codes.update(_parsed(kpi.expression).measures)
        except engine.FormulaError:
            continue
    by_code = {measure.code: measure for measure in catalogue_and_own(Measure, company=company).filter(code__in=codes)}
    recorded = MeasureValue.objects.filter(employee__company=company, period=str(period)).values("measure_id")
    ids = {measure.pk for measure in by_code.values()}
    return list(
        catalogue_and_own(Measure, company=company).filter(Q(pk__in=ids) | Q(pk__in=recorded)).order_by("name", "code")
    )
