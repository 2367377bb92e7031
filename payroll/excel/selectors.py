"""Reads for the Excel output: the rows of a payroll sheet, the payslips of a run, and which
payouts and runs a user may download."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import CharField, F, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce

from organizations import access
from payroll.excel.payslip import PayslipSource
from payroll.excel.sheet import SheetRow
from payroll.models import Payout, PayrollRun
from payroll.selectors import runs_visible_to
from payroll.statements import printed_from

CHUNK_SIZE = 2000

EMPLOYEE_COLUMNS = ("employee__personnel_number", "employee__full_name", "employee__position")
AMOUNT_COLUMNS = ("fixed", "bonus", "adjustments", "total")
SHEET_COLUMNS = ("printed_number", "printed_name", "printed_position", *AMOUNT_COLUMNS, "coefficients", "score")
PAYSLIP_COLUMNS = ("pk", *EMPLOYEE_COLUMNS, *AMOUNT_COLUMNS, "warnings", "trace")


def _printed(key: str, column: str) -> Coalesce:
    """The employee's `key` as the payout's trace stored it when it was calculated (the row
    as it is now for a payout calculated before traces kept it), as the payslip prints it."""
    return Coalesce(KT(f"trace__employee__{key}"), F(column), output_field=CharField())


def payroll_sheet_rows(run: PayrollRun) -> Iterator[SheetRow]:
    """The run's payouts in personnel-number order, as plain tuples, read in chunks (a
    server-side cursor on PostgreSQL), so memory stays flat however many there are. Names
    and positions are those the payouts were calculated with, as on the payslips."""
    return (
        run.payouts.order_by("employee__personnel_number", "pk")
        .annotate(
            printed_number=_printed("personnel_number", "employee__personnel_number"),
            printed_name=_printed("full_name", "employee__full_name"),
            printed_position=_printed("position", "employee__position"),
        )
        .values_list(*SHEET_COLUMNS)
        .iterator(chunk_size=CHUNK_SIZE)
    )


def _source(
    run: PayrollRun, number, name, position, fixed, bonus, adjustments, total, warnings, trace
) -> PayslipSource:
    company = run.company
    shown = printed_from(
        trace,
        employee={"personnel_number": number, "full_name": name, "position": position},
        company={"name": company.name, "currency": company.currency},
    )  # as calculated: a payslip never prints today's names
    return PayslipSource(
        company=shown["company"]["name"],
        currency=shown["company"]["currency"],
        language=company.language,
        period=run.period,
        run_status=run.status,
        personnel_number=shown["employee"]["personnel_number"],
        full_name=shown["employee"]["full_name"],
        position=shown["employee"]["position"],
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


def runs_with_sheets_for(user) -> QuerySet[PayrollRun]:
    """Runs whose payroll sheet the user may download: HR and finance of the company."""
    return runs_visible_to(user).select_related("company")


def runs_with_payslips_for(user) -> QuerySet[PayrollRun]:
    """Runs whose payslips (all of them, as a zip) the user may download: HR of the company."""
    return runs_visible_to(user, roles=(access.HR,)).select_related("company")
