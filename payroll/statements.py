"""An employee's month as they are shown it: the approved statement of a closed month (the
payout of an approved or paid run, read from its stored amounts and trace, never recomputed)
or, while the month is open, the live projection (`payroll.outlook`). The portal and the API
both ask here, so they show the same figures with the same label."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.errors import DomainError
from engine import Period
from organizations.models import Employee
from payroll.models import RELEASED, Payout, PayrollRun
from payroll.selectors import payouts_visible_to

#: What a month's figures are: the approved payout's stored statement, or a projection.
APPROVED_STATEMENT = "approved_statement"
PROJECTION = "projection"

#: A what-if for a month whose statement is approved: its figures are final.
STATEMENT_APPROVED = "statement_approved"


class StatementApproved(DomainError):
    """The month is closed: its figures are the approved statement and no what-if applies."""

    def __init__(self, run: PayrollRun):
        super().__init__(
            STATEMENT_APPROVED,
            f"{run.period} is approved{_on(run)}: its statement is final, and a what-if applies to open months only",
        )


def _on(run) -> str:
    return f" on {run.approved_at.date().isoformat()}" if run.approved_at else ""


@dataclass(frozen=True)
class ClosedMonth:
    """A month whose run is approved or paid, and the employee's payout in it as the user may
    read it (None: the run has no payout of theirs, e.g. hired after it was calculated)."""

    run: PayrollRun
    payout: Payout | None


def closed_month(*, user, employee: Employee, period: Period) -> ClosedMonth | None:
    """The employee's month if its run is approved or paid (the month is then closed and
    shows the approved statement), else None (open: the projection). The payout is looked up
    through `payouts_visible_to`, so a marketer gets only their own."""
    run = (
        PayrollRun.objects.filter(company_id=employee.company_id, period=str(period), status__in=RELEASED)
        .select_related("company", "approved_by")
        .first()
    )
    if run is None:
        return None
    payout = payouts_visible_to(user).filter(run=run, employee=employee).select_related("employee").first()
    if payout is not None:
        payout.run = run  # the run as read, with its company and approver
    return ClosedMonth(run, payout)


def printed_from(trace: dict | None, *, employee: dict[str, str], company: dict[str, str]) -> dict[str, dict[str, str]]:
    """The employee (personnel number, full name, position) and company (name, currency) as a
    payout's documents print them: as the trace stored them when it was calculated, each
    missing one (a payout calculated before the trace kept them) from `employee` and
    `company`, the rows as they are now."""
    trace = trace or {}
    stored_employee, stored_company = trace.get("employee") or {}, trace.get("company") or {}
    return {
        "employee": {key: stored_employee.get(key, value) for key, value in employee.items()},
        "company": {key: stored_company.get(key, value) for key, value in company.items()},
    }


def printed(payout: Payout) -> dict[str, dict[str, str]]:
    """`printed_from` for a payout (its employee and its run's company loaded)."""
    employee, company = payout.employee, payout.run.company
    return printed_from(
        payout.trace,
        employee={
            "personnel_number": employee.personnel_number,
            "full_name": employee.full_name,
            "position": employee.position,
        },
        company={"name": company.name, "currency": company.currency},
    )


def statement_json(payout: Payout) -> dict[str, Any]:
    """The payout as stored, JSON-ready (money as strings), with what it is and who approved it."""
    run, shown = payout.run, printed(payout)
    return {
        "basis": APPROVED_STATEMENT if run.status in RELEASED else run.status,
        "payout_id": payout.pk,
        "run": run.pk,
        "period": run.period,
        "status": run.status,
        "approved_at": run.approved_at.isoformat() if run.approved_at else None,
        "paid_at": run.paid_at.isoformat() if run.paid_at else None,
        **shown,
        "payout": {
            "employee": shown["employee"]["personnel_number"],
            "period": run.period,
            "fixed": str(payout.fixed),
            "bonus": str(payout.bonus),
            "adjustments": str(payout.adjustments),
            "total": str(payout.total),
            "coefficients": list(payout.coefficients),
            "score": None if payout.score is None else str(payout.score),
            "warnings": list(payout.warnings),
            "trace": payout.trace,
        },
    }
