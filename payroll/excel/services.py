"""Writing payroll documents: the payroll sheet kept on the run (`PayrollRun.sheet`),
payslips, and a run's payslips as one zip."""

from __future__ import annotations

import re
import secrets
import tempfile
import zipfile
from typing import IO

from django.core.files import File
from django.db import transaction

from payroll.excel.payslip import payslip_xlsx
from payroll.excel.selectors import payroll_sheet_rows, payslip_source, payslip_sources
from payroll.excel.sheet import SheetHeading, SheetSummary, write_payroll_sheet
from payroll.models import READY, Payout, PayrollRun

SHEETS_FOLDER = "payroll-sheets"
TOKEN_BYTES = 8


def payroll_sheet_stem(run: PayrollRun) -> str:
    """Where the sheet of the run's current calculation lives, less a random part and the
    extension. A recalculation has another stem, so a sheet never outlives the payouts it
    shows; the random part keeps the name from being guessed should MEDIA_ROOT ever be
    served (downloads go through the views, which check who asks). The run's status is in
    the name too, since the sheet's heading shows it (and the approver): an approved run's
    sheet is written anew."""
    return f"{SHEETS_FOLDER}/{run.company.slug}_{run.period}_run{run.pk}_calc{run.calculation}_{run.status}"


def payroll_sheet_download_name(run: PayrollRun) -> str:
    return f"payroll_{run.company.slug}_{run.period}.xlsx"


def payroll_sheet_write(*, run: PayrollRun, target: IO[bytes]) -> SheetSummary:
    """Write the run's payroll sheet into `target` (a seekable binary file open for reading
    and writing)."""
    company = run.company
    approver = run.approved_by
    heading = SheetHeading(
        company=company.name,
        currency=company.currency,
        language=company.language,
        period=run.period,
        run_status=run.status,
        approved_by=(approver.get_full_name() or approver.get_username()) if approver is not None else "",
        provisional=run.provisional,
    )
    return write_payroll_sheet(target, heading, payroll_sheet_rows(run))


def payroll_sheet_is_current(run: PayrollRun) -> bool:
    """Whether the run has the sheet of its current calculation, and the file is there."""
    name = run.sheet.name or ""
    pattern = rf"{re.escape(payroll_sheet_stem(run))}_[0-9a-f]{{{TOKEN_BYTES * 2}}}\.xlsx"
    return bool(re.fullmatch(pattern, name)) and run.sheet.storage.exists(name)


def payroll_sheet_build(*, run: PayrollRun) -> PayrollRun | None:
    """Write the sheet of the run's payouts into `run.sheet` (replacing the previous one).
    Returns None, keeping nothing, when the run is not calculated or was recalculated while
    the sheet was being written (or approved: that sheet is written next)."""
    run = PayrollRun.objects.select_related("company", "approved_by").get(pk=run.pk)
    if run.status not in READY:
        return None
    calculation, status = run.calculation, run.status
    storage = run.sheet.storage
    name = f"{payroll_sheet_stem(run)}_{secrets.token_hex(TOKEN_BYTES)}.xlsx"
    with tempfile.TemporaryFile() as written:
        payroll_sheet_write(run=run, target=written)
        written.seek(0)
        saved = storage.save(name, File(written, name=name))
    with transaction.atomic():
        current = PayrollRun.objects.select_for_update().select_related("company").get(pk=run.pk)
        if current.calculation != calculation or current.status != status:
            storage.delete(saved)
            return None
        previous = current.sheet.name
        current.sheet.name = saved
        current.save(update_fields=["sheet"])
        if previous and previous != saved:
            transaction.on_commit(lambda: storage.delete(previous))
    return current


def payroll_sheet_ensure(*, run: PayrollRun) -> PayrollRun | None:
    """The run with the sheet of its current calculation, built now if it is missing or
    stale; None while the run is not calculated."""
    if run.status in READY and payroll_sheet_is_current(run):
        return run
    return payroll_sheet_build(run=run)


def payslip_file_name(personnel_number: str, period: str) -> str:
    """`<personnel number>_<period>.xlsx`, with anything unsafe in a file name replaced."""
    number = re.sub(r"[^\w.-]+", "_", personnel_number).strip("._") or "payout"
    return f"{number}_{period}.xlsx"


def payslip_render(*, payout: Payout) -> bytes:
    return payslip_xlsx(payslip_source(payout))


def payslips_zip_write(*, run: PayrollRun, target: IO[bytes]) -> int:
    """Every payslip of the run into a zip written to `target`, one file per payout; the
    payslips are made one after another, so memory does not grow with the run. Returns how
    many were written."""
    count = 0
    names: set[str] = set()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:  # an xlsx is compressed already
        for pk, source in payslip_sources(run):
            name = payslip_file_name(source.personnel_number, run.period)
            if name in names:  # two numbers that differ only in unsafe characters
                name = name.replace(".xlsx", f"_{pk}.xlsx")
            names.add(name)
            archive.writestr(name, payslip_xlsx(source))
            count += 1
    return count
