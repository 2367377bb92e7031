"""Reads for the Excel output: the rows of a payroll sheet, the payslips of a run, and which
payouts and runs a user may download."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Q, QuerySet

from organizations.access import user_membership
from organizations.models import CompanyMembership
from payroll.excel.payslip import PayslipSource
from payroll.excel.sheet import SheetRow
from payroll.models import READY, RELEASED, Payout, PayrollRun

CHUNK_SIZE = 2000

EMPLOYEE_COLUMNS = ("employee__personnel_number", "employee__full_name", "employee__position")
AMOUNT_COLUMNS = ("fixed", "bonus", "adjustments", "total")
SHEET_COLUMNS = (*EMPLOYEE_COLUMNS, *AMOUNT_COLUMNS, "coefficients", "score")
PAYSLIP_COLUMNS = ("pk", *EMPLOYEE_COLUMNS, *AMOUNT_COLUMNS, "warnings", "trace")


def payroll_sheet_rows(run: PayrollRun) -> Iterator[SheetRow]:
    """The run's payouts in personnel-number order, as plain tuples, read in chunks (a
    server-side cursor on PostgreSQL), so memory stays flat however many there are."""
    return (
        run.payouts.order_by("employee__personnel_number", "pk")
        .values_list(*SHEET_COLUMNS)
        .iterator(chunk_size=CHUNK_SIZE)
    )


def _source(
    run: PayrollRun, number, name, position, fixed, bonus, adjustments, total, warnings, trace
) -> PayslipSource:
    company = run.company
    return PayslipSource(
        company=company.name,
        currency=company.currency,
        language=company.language,
        period=run.period,
        run_status=run.status,
        personnel_number=number,
        full_name=name,
        position=position,
        fixed=fixed,
        bonus=bonus,
        adjustments=adjustments,
        total=total,
        warnings=warnings or (),
        trace=trace or {},
    )


def payslip_source(payout: Payout) -> PayslipSource:
    employee = payout.employee
    return _source(
        payout.run,
        employee.personnel_number,
        employee.full_name,
        employee.position,
        payout.fixed,
        payout.bonus,
        payout.adjustments,
        payout.total,
        payout.warnings,
        payout.trace,
    )


def payslip_sources(run: PayrollRun, *, chunk_size: int = 500) -> Iterator[tuple[int, PayslipSource]]:
    """(payout id, payslip source) of every payout of the run, in personnel-number order."""
    rows = run.payouts.order_by("employee__personnel_number", "pk").values_list(*PAYSLIP_COLUMNS)
    for pk, *values in rows.iterator(chunk_size=chunk_size):
        yield pk, _source(run, *values)


def _role_company(user, *roles: str) -> int | None:
    membership = user_membership(user)
    return membership.company_id if membership is not None and membership.role in roles else None


def payouts_with_payslips_for(user) -> QuerySet[Payout]:
    """Payouts whose payslip the user may download: their own once the run is approved;
    every payout of a ready run of their company for HR; every ready run's for superusers."""
    payouts = Payout.objects.select_related("run__company", "employee")
    if not getattr(user, "is_authenticated", False):
        return payouts.none()
    if user.is_superuser:
        return payouts.filter(run__status__in=READY)
    visible = Q(employee__user=user, run__status__in=RELEASED)
    hr_company = _role_company(user, CompanyMembership.Role.HR)
    if hr_company is not None:
        visible |= Q(run__company_id=hr_company, run__status__in=READY)
    return payouts.filter(visible)


def _runs_for(user, *roles: str) -> QuerySet[PayrollRun]:
    runs = PayrollRun.objects.select_related("company")
    if not getattr(user, "is_authenticated", False):
        return runs.none()
    if user.is_superuser:
        return runs
    company = _role_company(user, *roles)
    return runs.none() if company is None else runs.filter(company_id=company)


def runs_with_sheets_for(user) -> QuerySet[PayrollRun]:
    """Runs whose payroll sheet the user may download: HR and finance of the company."""
    return _runs_for(user, CompanyMembership.Role.HR, CompanyMembership.Role.FINANCE)


def runs_with_payslips_for(user) -> QuerySet[PayrollRun]:
    """Runs whose payslips (all of them, as a zip) the user may download: HR of the company."""
    return _runs_for(user, CompanyMembership.Role.HR)
