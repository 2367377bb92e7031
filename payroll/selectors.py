"""Reads of payroll runs and payouts, and which runs need a row that someone wants to delete."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext

import engine
from compensation.selectors import CompanyConfiguration, payout_inputs
from core.deletion import Blocker
from core.periods import ClosedPeriod
from engine import Period
from organizations import access
from organizations.models import Company, Employee
from payroll.models import FROZEN, LIVE, READY, RELEASED, Adjustment, Payout, PayrollRun


def adjustments_by_employee(*, employee_ids: Sequence[int], period: Period) -> dict[int, list[engine.Adjustment]]:
    """The period's adjustments of these employees, in the order they were entered."""
    found: dict[int, list[engine.Adjustment]] = defaultdict(list)
    for employee_id, amount, reason in (
        Adjustment.objects.filter(employee_id__in=employee_ids, period=str(period))
        .order_by("id")
        .values_list("employee_id", "amount", "reason")
    ):
        found[employee_id].append(engine.Adjustment(amount, reason))
    return found


def payroll_inputs(
    *, company: Company, period: Period, employees: Sequence[Employee], configuration: CompanyConfiguration | None = None
) -> list[engine.PayoutInput]:
    """The engine's input for each of these employees as the run computes it: the company's
    configuration and records (`payout_inputs`) and the period's adjustments. The run, the
    preview, the projection and the what-if all start here, so they agree (spec §9)."""
    adjustments = adjustments_by_employee(employee_ids=[employee.pk for employee in employees], period=period)
    return payout_inputs(
        company=company, period=period, employees=employees, adjustments=adjustments, configuration=configuration
    )


def runs_visible_to(user, *, roles: Sequence[str] = (access.HR, access.FINANCE)) -> QuerySet[PayrollRun]:
    """The runs a user may read: their company's for HR and finance (`roles` narrows it: all
    payslips of a run are HR's); every run for a superuser; none for anyone else. The API,
    the portal and the downloads all ask this."""
    runs = PayrollRun.objects.all()
    role = access.user_role(user)
    if role == "superuser":
        return runs
    if role in roles:
        return runs.filter(company_id=access.user_company_id(user))
    return runs.none()


def payouts_visible_to(user) -> QuerySet[Payout]:
    """The payouts a user may read: those of the runs they may read (`runs_visible_to`); a
    marketer their own, once the run is approved (before that a payout may still change,
    spec §8)."""
    payouts = Payout.objects.all()
    role = access.user_role(user)
    if role == "superuser":
        return payouts
    if role in (access.HR, access.FINANCE):
        return payouts.filter(run__company_id=access.user_company_id(user))
    if role == access.MARKETER:
        return payouts.filter(employee__user=user, run__status__in=RELEASED)
    return payouts.none()


def payouts_with_payslips_for(user) -> QuerySet[Payout]:
    """Payouts whose payslip the user may download: of the payouts they may read
    (`payouts_visible_to`), those of a calculated run for HR and superusers, and otherwise
    (marketers, finance) only their own once the run is approved."""
    payouts = payouts_visible_to(user).select_related("run__company", "employee")
    role = access.user_role(user)
    if role in ("superuser", access.HR):
        return payouts.filter(run__status__in=READY)
    if role in (access.MARKETER, access.FINANCE):
        return payouts.filter(employee__user=user, run__status__in=RELEASED)
    return payouts.none()


def payroll_run_summary(run: PayrollRun) -> dict:
    """The run's figures as JSON-ready data (money as strings)."""
    return {
        "id": run.pk,
        "company": run.company.slug,
        "period": run.period,
        "status": run.status,
        "employees": run.employees_total,
        "employees_done": run.employees_done,
        "fixed": str(run.fixed_total),
        "bonus": str(run.bonus_total),
        "adjustments": str(run.adjustments_total),
        "total": str(run.total),
        "warnings": run.warnings_count,
    }


def payroll_run_warnings(run: PayrollRun) -> list[dict]:
    """Every warning of the run, with the employee it concerns."""
    rows = (
        run.payouts.exclude(warnings=[])
        .order_by("employee__personnel_number")
        .values_list("employee__personnel_number", "employee__full_name", "warnings")
    )
    return [
        {"personnel_number": number, "employee": name, **warning}
        for number, name, warnings in rows
        for warning in warnings
    ]




def _in_effect(start: date, end: date | None, period: Period) -> bool:
    """Whether [start, end) overlaps the period."""
    return start <= period.last_day and (end is None or end > period.first_day)


def _runs_of_periods(runs, applies) -> list[PayrollRun]:
    return [run for run in runs if applies(Period.parse(run.period))]


def runs_using(obj) -> list[PayrollRun]:
    """The payroll runs that keep `obj` from being deleted: for an employee, the live runs
    (queued, calculating) of a period they work in (their payouts protect them already:
    Payout.employee is PROTECT); for a
    stage, salary agreement, scheme assignment or the company's own KPI set, the calculated,
    approved or paid runs of a period it was in effect in (a KPI set: of its stage). Other
    rows: none."""
    from compensation.models import SalaryAgreement, SchemeAssignment
    from kpis.models import KpiSet
    from organizations.models import CompanyStage, Employee

    if isinstance(obj, Employee):
        live = PayrollRun.objects.filter(company_id=obj.company_id, status__in=LIVE)
        working = _runs_of_periods(
            live,
            lambda p: obj.hire_date <= p.last_day and (obj.termination_date is None or obj.termination_date >= p.first_day),
        )
        return working
    if isinstance(obj, (SalaryAgreement, SchemeAssignment)):
        later = (
            type(obj).objects.filter(employee_id=obj.employee_id, effective_from__gt=obj.effective_from)
            .order_by("effective_from").values_list("effective_from", flat=True).first()
        )  # fmt: skip
        runs = PayrollRun.objects.filter(status__in=READY, payouts__employee_id=obj.employee_id).distinct()
        return _runs_of_periods(runs, lambda p: _in_effect(obj.effective_from, later, p))
    if isinstance(obj, CompanyStage):
        runs = PayrollRun.objects.filter(company_id=obj.company_id, status__in=READY)
        return _runs_of_periods(runs, lambda p: _stage_on(obj.company_id, p) == obj.pk)
    if isinstance(obj, KpiSet) and obj.company_id is not None:
        runs = PayrollRun.objects.filter(company_id=obj.company_id, status__in=READY)
        stages = dict(CompanyStage.objects.filter(company_id=obj.company_id).values_list("pk", "stage"))
        return _runs_of_periods(runs, lambda p: stages.get(_stage_on(obj.company_id, p)) == obj.stage)
    return []


def _stage_on(company_id: int, period: Period) -> int | None:
    """The id of the company's stage row in effect on the period's last day (as the run reads it)."""
    from organizations.models import CompanyStage

    return (
        CompanyStage.objects.filter(company_id=company_id, effective_from__lte=period.last_day)
        .order_by("-effective_from").values_list("pk", flat=True).first()
    )  # fmt: skip


def deletion_blockers(obj, runs: list[PayrollRun] | None = None) -> list[str]:
    """Why `obj` cannot be deleted, one line per payroll run that needs it (empty: it can be);
    `runs`: those `runs_using(obj)` already found."""
    lines = []
    for run in runs_using(obj) if runs is None else runs:
        why = "is calculating it" if run.status in LIVE else f"was calculated with it ({run.get_status_display().lower()})"
        lines.append(f"the {run.period} payroll run {why}")
    return lines


def deletion_guard(obj) -> list[Blocker]:
    """What `core.deletion` asks: the runs that need `obj`, each with its reason; for a KPI
    or a measure, the corrections that change a value of it."""
    runs = runs_using(obj)
    found = [Blocker(reason, run) for run, reason in zip(runs, deletion_blockers(obj, runs), strict=True)]
    return found + _corrections_changing(obj)


def _corrections_changing(obj) -> list[Blocker]:
    from kpis.models import Kpi, Measure
    from payroll.models import Correction

    if isinstance(obj, Kpi):
        corrections = Correction.objects.filter(changes__kpi=obj)
    elif isinstance(obj, Measure):
        corrections = Correction.objects.filter(changes__measure=obj)
    else:
        return []
    return [
        Blocker(gettext("the correction of {period} (#{number}) changes a value of it").format(period=c.period, number=c.pk), c)
        for c in corrections.distinct().order_by("period", "pk")
    ]


def closed_periods(company_id: int) -> list[ClosedPeriod]:
    """What `core.periods` asks: the company's periods with an approved or paid run, with
    who approved each and when."""
    runs = (
        PayrollRun.objects.filter(company_id=company_id, status__in=FROZEN)
        .select_related("approved_by")
        .order_by("period")
    )
    return [
        ClosedPeriod(
            Period.parse(run.period),
            (run.approved_by.get_full_name() or run.approved_by.get_username()) if run.approved_by else "",
            run.approved_at,
        )
        for run in runs
    ]
