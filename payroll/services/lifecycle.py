"""The run's life cycle as HR and finance drive it: start, recalculate, approve, mark paid,
cancel, and the adjustments a calculation counts. The calculation itself is
`payroll.services.calculation`'s, driven by tasks; asking for one is announced with
`signals.calculation_requested`."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from core import periods
from core.periods import Reach, Span
from engine import Period
from organizations import access
from organizations.models import Company, Employee
from payroll.models import ENDED_WITHOUT_RESULT, FROZEN, Adjustment, Correction, PayrollRun, RunStatus, RunTransition
from payroll.services import signals
from payroll.services.runs import (
    FOUR_EYES,
    MONTH_NOT_ENDED,
    RUN_CHANGED,
    RUN_FROZEN,
    RUN_NOT_APPROVED,
    RUN_NOT_CALCULATED,
    RUN_PROVISIONAL,
    RunStateError,
    ensure_mutable,
    locked,
    transition,
)


def month_ended(period: Period, today: date | None = None) -> bool:
    """Whether the month's last day has passed (in the site's time zone)."""
    return (today or timezone.localdate()) > period.last_day


def payroll_run_start(
    *,
    company: Company,
    period: Period,
    started_by=None,
    chunk_size: int | None = None,
    provisional: bool | None = None,
) -> tuple[PayrollRun, bool]:
    """Start the run for a company and period, or return the live one that exists. The
    database's constraint decides between concurrent starts.

    A month that has not ended yet gets a provisional preview, which cannot be approved.
    A person's face (the portal, the API) passes `provisional` as the person chose: False for
    a month not ended is refused (`month_not_ended`), so nobody starts a preview by mistake.
    None (the admin, the command, the schedule) leaves it to the dates."""
    if provisional is False and not month_ended(period):
        raise RunStateError(
            MONTH_NOT_ENDED,
            gettext(
                "%(period)s has not ended (its last day is %(day)s); start it as a provisional preview, or start a month that has ended"
            )
            % {"period": period, "day": period.last_day.isoformat()},
        )
    try:
        with transaction.atomic():
            run = PayrollRun.objects.create(
                company=company,
                period=str(period),
                started_by=started_by,
                chunk_size=chunk_size or settings.PAYROLL_CHUNK_SIZE,
            )
            note = "started" if month_ended(period) else "started as a provisional preview"
            RunTransition.objects.create(run=run, from_status="", to_status=RunStatus.QUEUED, by=started_by, note=note)
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
        # A calculation asked for before the month has ended is a preview: its inputs may still change.
        run.provisional = not month_ended(Period.parse(run.period))
        if run.status != RunStatus.QUEUED:
            transition(run, RunStatus.QUEUED, requested_by, note)
        run.save(update_fields=["calculation", "calculated_by", "error", "status", "progressed_at", "provisional"])
        signals.send_on_commit(signals.calculation_requested, run_id=run.pk, calculation=run.calculation)


def four_eyes_blocks(*, run: PayrollRun | Correction, user) -> bool:
    """Whether the four-eyes rule (a company setting, on by default) keeps `user` from
    approving `run`: they started it or asked for its latest calculation. A correction
    (`payroll.services.corrections`) is approved under the same rule."""
    return bool(
        run.company.four_eyes_approval and user is not None and user.pk in {run.started_by_id, run.calculated_by_id}
    )


def approval_refusal(run: PayrollRun, *, today: date | None = None) -> RunStateError | None:
    """Why the month keeps `run` from being approved, if it does: the month has not ended,
    or the run is a preview calculated before it ended (recalculate it first)."""
    period = Period.parse(run.period)
    if not month_ended(period, today):
        return RunStateError(
            MONTH_NOT_ENDED,
            gettext("%(period)s has not ended: its payroll can be approved from %(day)s; this run is a provisional preview")
            % {"period": period, "day": (period.last_day + timedelta(days=1)).isoformat()},
        )
    if run.provisional:
        return RunStateError(
            RUN_PROVISIONAL,
            gettext("this %(period)s run is a provisional preview calculated before the month ended; recalculate it, then approve")
            % {"period": period},
        )
    return None


def payroll_run_approve(
    *, run: PayrollRun, approved_by, note: str = "approved", calculation: int | None = None
) -> PayrollRun:
    """Approve a calculated run of a month that has ended. With four-eyes on (the default),
    the approver must be someone other than who started or last recalculated it.
    `calculation`, when given, is the calculation whose summary the approver confirmed: a
    run calculated again since is refused (`run_changed`). `note` says why (kept in the history)."""
    with transaction.atomic():
        run = locked(run.pk)
        if run.status != RunStatus.CALCULATED:
            if run.status in FROZEN:
                raise RunStateError(RUN_FROZEN, gettext("the run is already %(status)s") % {"status": run.status})
            raise RunStateError(
                RUN_NOT_CALCULATED, gettext("only a calculated run can be approved; this one is %(status)s") % {"status": run.status}
            )
        if calculation is not None and calculation != run.calculation:
            raise RunStateError(
                RUN_CHANGED,
                gettext(
                    "the run was calculated again (calculation no. %(now)s) after the summary you confirmed (no. %(seen)s); review it again"
                )
                % {"now": run.calculation, "seen": calculation},
            )
        refusal = approval_refusal(run)
        if refusal is not None:
            raise refusal
        if four_eyes_blocks(run=run, user=approved_by):
            raise RunStateError(
                FOUR_EYES, gettext("four-eyes rule: the run must be approved by someone other than who started or recalculated it")
            )
        run.approved_by = approved_by
        run.approved_at = timezone.now()
        run.four_eyes_at_approval = run.company.four_eyes_approval
        why = "; ".join(part for part in (note, "" if run.four_eyes_at_approval else "four-eyes rule off") if part)
        transition(run, RunStatus.APPROVED, approved_by, why[:500])
        run.save(update_fields=["status", "approved_by", "approved_at", "four_eyes_at_approval"])
    return run


MARK_PAID_REFUSED = "only finance may mark a payroll paid"


def may_mark_paid(user) -> bool:
    """Marking paid is finance's step (or an administrator's): HR, who runs and approves the
    payroll, may not also confirm that the money has left."""
    return access.user_role(user) in ("superuser", access.FINANCE)


PAYMENT_REFERENCE_MAX = 200


def _payment_problems(run: PayrollRun, payment_date, reference: str) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if not isinstance(payment_date, date):
        problems["payment_date"] = ["give the date the money was paid"]
    elif payment_date > timezone.localdate():
        problems["payment_date"] = ["the payment date is in the future: mark the run paid once the money has left"]
    elif run.approved_at is not None and payment_date < timezone.localtime(run.approved_at).date():
        problems["payment_date"] = [f"the payment date is before the run was approved ({run.approved_at.date().isoformat()})"]
    if not reference:
        problems["payment_reference"] = ["give the payment's reference (the bank's or payment system's)"]
    elif len(reference) > PAYMENT_REFERENCE_MAX:
        problems["payment_reference"] = [f"at most {PAYMENT_REFERENCE_MAX} characters"]
    return problems


def payroll_run_mark_paid(
    *, run: PayrollRun, by=None, payment_date: date | None, payment_reference: str, note: str = ""
) -> PayrollRun:
    """Record that an approved run was paid: on which day and under which reference (both
    required; the day neither in the future nor before the approval). `by` is None only for
    the system itself (a command, a test)."""
    if by is not None and not may_mark_paid(by):
        raise PermissionDenied(MARK_PAID_REFUSED)
    reference = (payment_reference or "").strip()
    with transaction.atomic():
        run = locked(run.pk)
        if run.status != RunStatus.APPROVED:
            raise RunStateError(
                RUN_NOT_APPROVED, gettext("only an approved run can be marked paid; this one is %(status)s") % {"status": run.status}
            )
        problems = _payment_problems(run, payment_date, reference)
        if problems:
            raise ValidationError(problems)
        assert payment_date is not None
        run.paid_at = timezone.now()
        run.payment_date = payment_date
        run.payment_reference = reference
        why = f"paid on {payment_date.isoformat()}, reference {reference}" + (f"; {note}" if note else "")
        transition(run, RunStatus.PAID, by, why[:500])
        run.save(update_fields=["status", "paid_at", "payment_date", "payment_reference"])
    return run


def payroll_run_cancel(*, run: PayrollRun, by=None, note: str = "cancelled") -> PayrollRun:
    with transaction.atomic():
        run = locked(run.pk)
        ensure_mutable(run)
        run.calculation += 1  # chunks still under way write nothing
        transition(run, RunStatus.CANCELLED, by, note)
        run.save(update_fields=["status", "calculation"])
    return run


def adjustment_period_ensure_open(employee: Employee, period: str) -> None:
    """Refuse an adjustment for a closed period (one whose payroll is approved or paid):
    the rule of every input, `core.periods`."""
    periods.ensure_period_open(employee.company_id, period, gettext("an adjustment of %(number)s for %(period)s") % {"number": employee.personnel_number, "period": period})


def adjustment_reach(before: Adjustment | None, after: Adjustment | None) -> Reach:
    """An adjustment counts in its own period's run."""
    rows = [row for row in (before, after) if row is not None]
    return Reach(rows[-1].employee.company_id, tuple(Span.month(row.period) for row in rows), gettext("the adjustment"))


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
