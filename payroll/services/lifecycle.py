"""The run's life cycle as HR and finance drive it: start, recalculate, approve, mark paid,
cancel, and the adjustments a calculation counts. The calculation itself is
`payroll.services.calculation`'s, driven by tasks; asking for one is announced with
`signals.calculation_requested`."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from engine import Period
from organizations import access
from organizations.models import Company, Employee
from payroll.models import ENDED_WITHOUT_RESULT, FROZEN, Adjustment, Correction, PayrollRun, RunStatus, RunTransition
from payroll.services import signals
from payroll.services.runs import (
    FOUR_EYES,
    PERIOD_CLOSED,
    RUN_FROZEN,
    RUN_NOT_APPROVED,
    RUN_NOT_CALCULATED,
    RunStateError,
    ensure_mutable,
    locked,
    transition,
)


def payroll_run_start(
    *, company: Company, period: Period, started_by=None, chunk_size: int | None = None
) -> tuple[PayrollRun, bool]:
    """Start the run for a company and period, or return the live one that exists. The
    database's constraint decides between concurrent starts."""
    try:
        with transaction.atomic():
            run = PayrollRun.objects.create(
                company=company,
                period=str(period),
                started_by=started_by,
                chunk_size=chunk_size or settings.PAYROLL_CHUNK_SIZE,
            )
            RunTransition.objects.create(run=run, from_status="", to_status=RunStatus.QUEUED, by=started_by, note="started")
    except IntegrityError:
        live = PayrollRun.objects.exclude(status__in=ENDED_WITHOUT_RESULT).get(company=company, period=str(period))
        return live, False
    _schedule_calculation(run.pk, requested_by=started_by)
    run.refresh_from_db()
    return run, True


def payroll_run_recalculate(*, run: PayrollRun, requested_by=None) -> PayrollRun:
    """Compute the run again from current data; its payouts are replaced. Refused once approved."""
    _schedule_calculation(run.pk, requested_by=requested_by, note="recalculation")
    run.refresh_from_db()
    return run


def _schedule_calculation(run_id: int, *, requested_by=None, note: str = "") -> None:
    with transaction.atomic():
        run = locked(run_id)
        ensure_mutable(run)
        run.calculation += 1
        run.calculated_by = requested_by
        run.error = ""
        run.progressed_at = timezone.now()  # the stall check counts from here until the split
        if run.status != RunStatus.QUEUED:
            transition(run, RunStatus.QUEUED, requested_by, note)
        run.save(update_fields=["calculation", "calculated_by", "error", "status", "progressed_at"])
        signals.send_on_commit(signals.calculation_requested, run_id=run.pk, calculation=run.calculation)


def four_eyes_blocks(*, run: PayrollRun | Correction, user) -> bool:
    """Whether the four-eyes rule (a company setting, on by default) keeps `user` from
    approving `run`: they started it or asked for its latest calculation. A correction
    (`payroll.services.corrections`) is approved under the same rule."""
    return bool(
        run.company.four_eyes_approval and user is not None and user.pk in {run.started_by_id, run.calculated_by_id}
    )


def payroll_run_approve(*, run: PayrollRun, approved_by) -> PayrollRun:
    """Approve a calculated run. With four-eyes on (the default), the approver must be
    someone other than who started or last recalculated it."""
    with transaction.atomic():
        run = locked(run.pk)
        if run.status != RunStatus.CALCULATED:
            if run.status in FROZEN:
                raise RunStateError(RUN_FROZEN, f"the run is already {run.status}")
            raise RunStateError(RUN_NOT_CALCULATED, f"only a calculated run can be approved; this one is {run.status}")
        if four_eyes_blocks(run=run, user=approved_by):
            raise RunStateError(
                FOUR_EYES, "four-eyes rule: the run must be approved by someone other than who started or recalculated it"
            )
        run.approved_by = approved_by
        run.approved_at = timezone.now()
        run.four_eyes_at_approval = run.company.four_eyes_approval
        transition(run, RunStatus.APPROVED, approved_by, "" if run.four_eyes_at_approval else "four-eyes rule off")
        run.save(update_fields=["status", "approved_by", "approved_at", "four_eyes_at_approval"])
    return run


MARK_PAID_REFUSED = "only finance may mark a payroll paid"


def may_mark_paid(user) -> bool:
    """Marking paid is finance's step (or an administrator's): HR, who runs and approves the
    payroll, may not also confirm that the money has left."""
    return access.user_role(user) in ("superuser", access.FINANCE)


def payroll_run_mark_paid(*, run: PayrollRun, by=None) -> PayrollRun:
    """`by` is None only for the system itself (a command, a test)."""
    if by is not None and not may_mark_paid(by):
        raise PermissionDenied(MARK_PAID_REFUSED)
    with transaction.atomic():
        run = locked(run.pk)
        if run.status != RunStatus.APPROVED:
            raise RunStateError(RUN_NOT_APPROVED, f"only an approved run can be marked paid; this one is {run.status}")
        run.paid_at = timezone.now()
        transition(run, RunStatus.PAID, by)
        run.save(update_fields=["status", "paid_at"])
    return run


def payroll_run_cancel(*, run: PayrollRun, by=None, note: str = "") -> PayrollRun:
    with transaction.atomic():
        run = locked(run.pk)
        ensure_mutable(run)
        run.calculation += 1  # chunks still under way write nothing
        transition(run, RunStatus.CANCELLED, by, note)
        run.save(update_fields=["status", "calculation"])
    return run


def adjustment_period_ensure_open(employee: Employee, period: str) -> None:
    """Refuse an adjustment for a period whose payroll is approved or paid."""
    frozen = PayrollRun.objects.filter(company_id=employee.company_id, period=period, status__in=FROZEN).first()
    if frozen:
        raise RunStateError(
            PERIOD_CLOSED,
            f"the {period} payroll is {frozen.status}; enter the adjustment in a later period",
        )


def adjustment_create(*, employee: Employee, period: str, amount, reason: str, created_by=None) -> Adjustment:
    """A one-off signed amount; it counts in that period's (re)calculation."""
    adjustment = Adjustment(employee=employee, period=period, amount=amount, reason=reason, created_by=created_by)
    adjustment.full_clean()
    adjustment_period_ensure_open(employee, period)
    adjustment.save()
    return adjustment


def adjustment_delete(*, adjustment: Adjustment) -> None:
    from payroll.services.corrections import ensure_not_posted_delta  # corrections build on this module

    ensure_not_posted_delta(adjustment)
    adjustment_period_ensure_open(adjustment.employee, adjustment.period)
    adjustment.delete()


def payroll_start_scheduled_runs(*, today: date) -> list[PayrollRun]:
    """On the 1st: the previous month's run for every company with automatic runs on."""
    period = Period.of(today).previous
    return [
        payroll_run_start(company=company, period=period)[0]
        for company in Company.objects.filter(automatic_runs=True).order_by("pk")
    ]
