"""HR's workspace at a glance (the portal's HR home): for this month and the last, whether
the plans are published and where the payroll run stands; the open corrections; the people
missing a salary, a scheme or a login; the band tables that look wrong. A fixed number of
queries whatever the number of employees (tests/portal/test_hr_home.py counts them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, OuterRef, Prefetch, Q

from compensation.models import BandPoint, BandTable, SalaryAgreement, SchemeAssignment, SchemeFactor
from compensation.selectors import assigned_schemes, company_stage, employees_in_period
from compensation.services import band_table_warnings
from engine import Period
from kpis.models import KpiSetItem, Plan
from organizations.models import Company, Employee
from payroll.models import CORRECTION_ENDED, ENDED_WITHOUT_RESULT, Correction, PayrollRun, RunStatus

# Where a month's payroll stands, in HR's words (the run's own statuses grouped).
RUN_NONE, RUN_CALCULATING, RUN_TO_REVIEW, RUN_APPROVED, RUN_PAID, RUN_FAILED = (
    "none", "calculating", "to_review", "approved", "paid", "failed",
)
_RUN_STATES = {
    RunStatus.QUEUED: RUN_CALCULATING,
    RunStatus.CALCULATING: RUN_CALCULATING,
    RunStatus.CALCULATED: RUN_TO_REVIEW,
    RunStatus.APPROVED: RUN_APPROVED,
    RunStatus.PAID: RUN_PAID,
}
SHOWN = 8  # names listed per line; the count tells the rest


@dataclass(frozen=True)
class Person:
    pk: int
    personnel_number: str
    full_name: str


@dataclass
class PlanCoverage:
    """How many employees with a scheme have a plan for every KPI their scheme reads in the
    month (by KPI code, as the run reads plans); `missing`: those who lack one."""

    planned: int = 0
    expected: int = 0
    missing: list[Person] = field(default_factory=list)

    @property
    def published(self) -> bool:
        return self.expected > 0 and self.planned == self.expected


@dataclass
class Month:
    period: Period
    plans: PlanCoverage
    run_state: str
    run: PayrollRun | None  # the live run (or the failed last one); None: no run yet


@dataclass
class Workspace:
    months: list[Month]  # this month, then the last one
    corrections: list[Correction]
    corrections_count: int
    without_salary: list[Person]
    without_scheme: list[Person]
    without_login: list[Person]
    tables_with_warnings: list[tuple[BandTable, list[str]]]


def _required_codes(*, company: Company, period: Period) -> dict[int, set[str]]:
    """The KPI codes each of the company's schemes reads in the month (a factor's KPI, its
    KPI set's, the set active for the company's stage): three queries at most."""
    factors = list(
        SchemeFactor.objects.filter(scheme__company=company).values_list("scheme_id", "input_kind", "kpi__code", "kpi_set_id")
    )
    set_ids = {kpi_set for _scheme, kind, _code, kpi_set in factors if kind == SchemeFactor.Input.KPI_SET and kpi_set}
    wants_stage = any(kind == SchemeFactor.Input.STAGE_KPI_SET for _scheme, kind, _code, _set in factors)
    stage = company_stage(company=company, period=period) if wants_stage else None
    by_set: dict[int, set[str]] = {}
    stage_codes: set[str] = set()
    in_sets = Q(kpi_set_id__in=set_ids)
    if stage is not None:
        in_sets |= Q(kpi_set__company=company, kpi_set__stage=stage, kpi_set__is_active=True)
    if set_ids or stage is not None:
        rows = KpiSetItem.objects.filter(in_sets).values_list(
            "kpi_set_id", "kpi__code", "kpi_set__company_id", "kpi_set__stage", "kpi_set__is_active"
        )
        for kpi_set, code, owner, set_stage, active in rows:
            by_set.setdefault(kpi_set, set()).add(code)
            if stage is not None and owner == company.pk and set_stage == stage and active:
                stage_codes.add(code)
    required: dict[int, set[str]] = {}
    for scheme, kind, code, kpi_set in factors:
        codes = required.setdefault(scheme, set())
        if kind == SchemeFactor.Input.KPI and code:
            codes.add(code)
        elif kind == SchemeFactor.Input.KPI_SET and kpi_set:
            codes |= by_set.get(kpi_set, set())
        elif kind == SchemeFactor.Input.STAGE_KPI_SET:
            codes |= stage_codes
    return required


def plan_coverage(*, company: Company, period: Period) -> PlanCoverage:
    """The month's plans against what each employee's scheme reads (six queries at most)."""
    people = {
        pk: Person(pk, number, name)
        for pk, number, name in employees_in_period(company=company, period=period)
        .order_by("personnel_number")
        .values_list("pk", "personnel_number", "full_name")
    }
    schemes = assigned_schemes(employee_ids=people, period=period)
    coverage = PlanCoverage()
    if not schemes:
        return coverage
    required = _required_codes(company=company, period=period)
    planned: dict[int, set[str]] = {}
    for employee, code in Plan.objects.filter(employee__company=company, period=str(period)).values_list("employee_id", "kpi__code"):
        planned.setdefault(employee, set()).add(code)
    for pk, person in people.items():
        if pk not in schemes:
            continue
        coverage.expected += 1
        if required.get(schemes[pk], set()) <= planned.get(pk, set()):
            coverage.planned += 1
        else:
            coverage.missing.append(person)
    return coverage


def _run_states(*, company: Company, periods: list[Period]) -> dict[str, tuple[str, PayrollRun | None]]:
    """Each month's run in HR's words: the live one, else a failed last attempt, else none."""
    found: dict[str, tuple[str, PayrollRun | None]] = {str(period): (RUN_NONE, None) for period in periods}
    runs = PayrollRun.objects.filter(company=company, period__in=list(found)).order_by("period", "created_at", "id")
    for run in runs:  # oldest first: a later run of the month replaces an earlier one
        if run.status not in ENDED_WITHOUT_RESULT:
            found[run.period] = (_RUN_STATES[RunStatus(run.status)], run)
        elif found[run.period][0] in (RUN_NONE, RUN_FAILED):
            found[run.period] = (RUN_FAILED, run) if run.status == RunStatus.FAILED else (RUN_NONE, None)
    return found


def _people_gaps(*, company: Company, today: date) -> tuple[list[Person], list[Person], list[Person]]:
    """Employees still working (not gone before today) with no salary or no scheme in force
    today, or no login: one query."""
    in_force = {"employee": OuterRef("pk"), "effective_from__lte": today}
    rows = (
        Employee.objects.filter(company=company)
        .filter(Q(termination_date__isnull=True) | Q(termination_date__gte=today))
        .annotate(
            has_salary=Exists(SalaryAgreement.objects.filter(**in_force)),
            has_scheme=Exists(SchemeAssignment.objects.filter(**in_force)),
        )
        .filter(Q(has_salary=False) | Q(has_scheme=False) | Q(user__isnull=True))
        .order_by("personnel_number")
        .values_list("pk", "personnel_number", "full_name", "has_salary", "has_scheme", "user_id")
    )
    salary: list[Person] = []
    scheme: list[Person] = []
    login: list[Person] = []
    for pk, number, name, has_salary, has_scheme, user in rows:
        person = Person(pk, number, name)
        if not has_salary:
            salary.append(person)
        if not has_scheme:
            scheme.append(person)
        if user is None:
            login.append(person)
    return salary, scheme, login


def hr_workspace(*, company: Company, today: date) -> Workspace:
    """Everything HR's home shows, for `today`'s month and the one before."""
    this_month = Period.of(today)
    months = [this_month, this_month.previous]
    states = _run_states(company=company, periods=months)
    open_corrections = Correction.objects.filter(company=company).exclude(status__in=CORRECTION_ENDED)
    corrections = list(open_corrections.order_by("-created_at", "-id")[: SHOWN + 1])
    tables = BandTable.objects.filter(company=company).order_by("name").prefetch_related(
        Prefetch("points", queryset=BandPoint.objects.order_by("lower_bound_pct"))
    )
    warned = [(table, warnings) for table in tables if (warnings := band_table_warnings(table))]
    salary, scheme, login = _people_gaps(company=company, today=today)
    return Workspace(
        months=[Month(period, plan_coverage(company=company, period=period), *states[str(period)]) for period in months],
        corrections=corrections[:SHOWN],
        corrections_count=len(corrections) if len(corrections) <= SHOWN else open_corrections.count(),
        without_salary=salary,
        without_scheme=scheme,
        without_login=login,
        tables_with_warnings=warned,
    )
