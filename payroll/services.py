"""The payroll run life cycle: queued → calculating → calculated → approved → paid, plus
failed and cancelled. Tasks call these; so do the command, the admin and the tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

import engine
from compensation.selectors import employees_in_period
from core.errors import DomainError
from engine import Period, calculate_payout
from organizations import access
from organizations.models import Company, Employee
from payroll.models import ENDED_WITHOUT_RESULT, FROZEN, Adjustment, Payout, PayrollRun, RunStatus, RunTransition
from payroll.selectors import payroll_inputs

# Error codes, so the API and tests can rely on them.
RUN_FROZEN = "run_frozen"
RUN_ENDED = "run_ended"
RUN_NOT_CALCULATED = "run_not_calculated"
RUN_NOT_APPROVED = "run_not_approved"
FOUR_EYES = "four_eyes"
PERIOD_CLOSED = "period_closed"


class RunStateError(DomainError):
    """The run's status does not allow this; `code` says why (the API answers 409)."""


class RunNotReady(Exception):
    """Not every chunk has written its payouts yet."""


@dataclass(frozen=True)
class Chunk:
    index: int
    employee_ids: list[int]


def _transition(run: PayrollRun, to_status: str, by=None, note: str = "") -> None:
    RunTransition.objects.create(run=run, from_status=run.status, to_status=to_status, by=by, note=note)
    run.status = to_status


def _locked(run_id: int) -> PayrollRun:
    return PayrollRun.objects.select_for_update().select_related("company").get(pk=run_id)


def _ensure_mutable(run: PayrollRun) -> None:
    if run.status in FROZEN:
        raise RunStateError(
            RUN_FROZEN, f"the {run.period} payroll is {run.status}; it can no longer change — enter an adjustment instead"
        )
    if run.status in ENDED_WITHOUT_RESULT:
        raise RunStateError(RUN_ENDED, f"the run is {run.status}; start a new one")


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
    from payroll.tasks import calculate_run

    with transaction.atomic():
        run = _locked(run_id)
        _ensure_mutable(run)
        run.calculation += 1
        run.calculated_by = requested_by
        run.error = ""
        run.progressed_at = timezone.now()  # the stall check counts from here until the split
        if run.status != RunStatus.QUEUED:
            _transition(run, RunStatus.QUEUED, requested_by, note)
        run.save(update_fields=["calculation", "calculated_by", "error", "status", "progressed_at"])
        calculate_run.delay_on_commit(run.pk, run.calculation)


def _employee_ids(run: PayrollRun):
    """The ids of the run's employees in the period, in personnel-number order (the order
    chunks are cut in)."""
    period = Period.parse(run.period)
    return employees_in_period(company=run.company, period=period).order_by("personnel_number").values_list("pk", flat=True)


def _chunks(run: PayrollRun, ids: list[int], *, first_index: int = 0) -> list[Chunk]:
    """`ids` cut into chunks of the run's chunk size, numbered from `first_index`."""
    size = max(run.chunk_size, 1)
    return [Chunk(first_index + n, ids[start : start + size]) for n, start in enumerate(range(0, len(ids), size))]


def payroll_run_split(*, run_id: int, calculation: int) -> list[Chunk]:
    """Begin a calculation: drop the run's earlier payouts, count the employees and cut them
    into chunks. Returns no chunks when the calculation is stale; a second copy of the same
    calculation's split (a redelivered task) gets the chunks whose employees have no payout yet."""
    with transaction.atomic():
        run = _locked(run_id)
        if run.calculation != calculation or run.status not in (RunStatus.QUEUED, RunStatus.CALCULATING):
            return []
        if run.status == RunStatus.CALCULATING:
            return _missing_chunks(run)
        ids = list(_employee_ids(run))
        run.payouts.all().delete()
        chunks = _chunks(run, ids)
        _transition(run, RunStatus.CALCULATING, run.calculated_by)
        run.employees_total = len(ids)
        run.employees_done = 0
        run.employees_gone = 0
        run.chunks_total = len(chunks)
        run.calculation_started_at = run.progressed_at = timezone.now()
        run.save(
            update_fields=[
                "status", "employees_total", "employees_done", "employees_gone", "chunks_total",
                "calculation_started_at", "progressed_at",
            ]
        )  # fmt: skip
    return chunks


def _missing_chunks(run: PayrollRun) -> list[Chunk]:
    """The run's employees in the period with no payout yet, cut into chunks numbered after
    the run's last one (which they become)."""
    done = set(run.payouts.values_list("employee_id", flat=True))
    missing = [pk for pk in _employee_ids(run) if pk not in done]
    chunks = _chunks(run, missing, first_index=run.chunks_total)
    if chunks:
        PayrollRun.objects.filter(pk=run.pk).update(chunks_total=F("chunks_total") + len(chunks))
    return chunks


def _lock_run_shared(run_id: int) -> tuple[str, int] | None:
    """Read the run's status under a key-share lock: chunks write side by side (and may
    update the run's progress), while approval, cancellation and recalculation, which lock
    the run for update, wait for them."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT status, calculation FROM {PayrollRun._meta.db_table} WHERE id = %s FOR KEY SHARE", [run_id]
            )
            row = cursor.fetchone()
        return (row[0], row[1]) if row else None
    return PayrollRun.objects.filter(pk=run_id).values_list("status", "calculation").first()


def _lock_employees(ids: list[int]) -> set[int]:
    """Those of `ids` that still exist, locked until the transaction ends (in id order, so
    two writers never deadlock): a second copy of a chunk waits here for the first, and an
    employee cannot be deleted under a payout being written. The lock (FOR NO KEY UPDATE)
    leaves rows that merely refer to the employees free to be written."""
    if connection.vendor != "postgresql":
        return set(Employee.objects.filter(pk__in=ids).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {Employee._meta.db_table} WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE", [list(ids)]
        )
        return {row[0] for row in cursor.fetchall()}


def _paid(run_id: int, ids) -> set[int]:
    return set(Payout.objects.filter(run_id=run_id, employee_id__in=ids).values_list("employee_id", flat=True))


_PAYOUT_COLUMNS = (
    "run_id", "employee_id", "chunk", "fixed", "bonus", "adjustments", "total", "coefficients", "score", "warnings",
    "trace", "calculated_at",
)


def _write_payouts(payouts: list[Payout]) -> None:
    """Insert payouts: with COPY on PostgreSQL (a chunk's traces are most of what a run
    writes, and COPY takes them several times faster than a bulk INSERT), in bulk elsewhere.
    The COPY goes through psycopg's own cursor, so Django's error wrapping is put around it:
    a lost connection is Django's OperationalError (retried) and the connection is known bad."""
    if not payouts:
        return
    if connection.vendor != "postgresql":
        Payout.objects.bulk_create(payouts, batch_size=1000)
        return
    from psycopg.types.json import Jsonb

    now = timezone.now()
    statement = f"COPY {Payout._meta.db_table} ({', '.join(_PAYOUT_COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, connection.wrap_database_errors, cursor.cursor.copy(statement) as copy:
        for p in payouts:
            copy.write_row(
                (
                    p.run_id, p.employee_id, p.chunk, p.fixed, p.bonus, p.adjustments, p.total, Jsonb(p.coefficients),
                    p.score, Jsonb(p.warnings), Jsonb(p.trace), now,
                )
            )


def payroll_chunk_compute(*, run_id: int, calculation: int, chunk: Chunk) -> bool:
    """Compute one chunk and write the payouts of its employees that have none yet, in one
    transaction that locks those employees first: copies of a chunk (a retry, a redelivery,
    a resumed chunk), even at the same moment, write each payout once. An employee deleted
    meanwhile is left out and counted as gone. Returns whether the run may be complete."""
    run = PayrollRun.objects.select_related("company").filter(pk=run_id).first()
    if run is None or run.calculation != calculation or run.status != RunStatus.CALCULATING:
        return False
    paid = _paid(run_id, chunk.employee_ids)
    todo = [pk for pk in chunk.employee_ids if pk not in paid]
    period = Period.parse(run.period)
    employees = list(Employee.objects.filter(company=run.company, pk__in=todo).order_by())
    ids = {employee.personnel_number: employee.pk for employee in employees}
    inputs = payroll_inputs(company=run.company, period=period, employees=employees)
    payouts = []
    for data in inputs:
        result = calculate_payout(data)
        payouts.append(
            Payout(
                run_id=run_id,
                employee_id=ids[result.employee],
                chunk=chunk.index,
                fixed=result.fixed,
                bonus=result.bonus,
                adjustments=result.adjustments,
                total=result.total,
                coefficients=[str(k) for k in result.coefficients],
                score=result.score,
                warnings=list(result.warnings),
                trace=result.trace,
            )
        )
    with transaction.atomic():
        state = _lock_run_shared(run_id)
        if state != (RunStatus.CALCULATING, calculation):
            return False
        present = _lock_employees(todo)
        written = _paid(run_id, present)  # by a copy that held the lock before this one
        payouts = [p for p in payouts if p.employee_id in present and p.employee_id not in written]
        # Counted by the copy that writes: a copy that finds every payout written saw the same gone.
        gone = len(todo) - len(present) if payouts else 0
        _write_payouts(payouts)
        progress = PayrollRun.objects.filter(pk=run_id)
        progress.update(
            employees_done=F("employees_done") + len(payouts),
            employees_gone=F("employees_gone") + gone,
            progressed_at=timezone.now(),
        )
        done, gone_total, total = progress.values_list("employees_done", "employees_gone", "employees_total").get()
    return bool(payouts) and done + gone_total >= total


def payroll_resume_stalled_runs(*, now, stalled_after: timedelta) -> list[tuple[int, int, list[Chunk] | None]]:
    """Runs queued or calculating with no sign of progress for `stalled_after` lost a task
    (a worker died holding it, or Redis lost it). A queued run gets its calculation again
    (chunks None); a calculating one gets chunks for its employees with no payout yet, under
    the same calculation, or no chunks when it only needs closing. Copies of chunks still
    held somewhere write nothing twice. Returns (run id, calculation, chunks) to queue."""
    cutoff = now - stalled_after
    stalled = (
        PayrollRun.objects.select_related("company")
        .filter(status__in=(RunStatus.QUEUED, RunStatus.CALCULATING))
        .filter(Q(progressed_at__lt=cutoff) | Q(progressed_at__isnull=True, created_at__lt=cutoff))
    )
    resumed = []
    for run in stalled:
        chunks = None if run.status == RunStatus.QUEUED else _missing_chunks(run)
        PayrollRun.objects.filter(pk=run.pk).update(progressed_at=now)
        resumed.append((run.pk, run.calculation, chunks))
    return resumed


def payroll_run_finalize(*, run_id: int, calculation: int) -> PayrollRun | None:
    """Sum the run and mark it calculated. Raises `RunNotReady` while chunks are missing."""
    with transaction.atomic():
        run = _locked(run_id)
        if run.calculation != calculation or run.status != RunStatus.CALCULATING:
            return None
        sums = run.payouts.aggregate(
            count=Count("id"),
            warned=Count("id", filter=~Q(warnings=[])),
            fixed=Sum("fixed"),
            bonus=Sum("bonus"),
            adjustments=Sum("adjustments"),
            total=Sum("total"),
        )
        missing = _employee_ids(run).exclude(pk__in=run.payouts.values("employee_id"))
        if missing.exists():
            raise RunNotReady(f"{sums['count']} payouts written, {missing.count()} employees still missing")
        zero = engine.quantize_money(engine.rounding.ZERO)
        run.fixed_total = sums["fixed"] or zero
        run.bonus_total = sums["bonus"] or zero
        run.adjustments_total = sums["adjustments"] or zero
        run.total = sums["total"] or zero
        run.employees_total = run.employees_done = sums["count"]  # those deleted meanwhile are not in it
        run.warnings_count = sums["warned"]
        run.calculated_at = timezone.now()
        gone = f"{run.employees_gone} employees were deleted during the calculation" if run.employees_gone else ""
        _transition(run, RunStatus.CALCULATED, run.calculated_by, note=gone)
        run.save()
        from payroll.tasks import build_payroll_sheet  # the payroll sheet for finance, once committed

        build_payroll_sheet.delay_on_commit(run.pk)
    return run


def payroll_run_fail(*, run_id: int, calculation: int, error: str) -> None:
    with transaction.atomic():
        run = _locked(run_id)
        if run.calculation != calculation or run.status not in (RunStatus.QUEUED, RunStatus.CALCULATING):
            return
        run.error = error[:5000]
        _transition(run, RunStatus.FAILED, None, note=error[:500])
        run.save(update_fields=["status", "error"])


def four_eyes_blocks(*, run: PayrollRun, user) -> bool:
    """Whether the four-eyes rule (a company setting, on by default) keeps `user` from
    approving `run`: they started it or asked for its latest calculation."""
    return bool(
        run.company.four_eyes_approval and user is not None and user.pk in {run.started_by_id, run.calculated_by_id}
    )


def payroll_run_approve(*, run: PayrollRun, approved_by) -> PayrollRun:
    """Approve a calculated run. With four-eyes on (the default), the approver must be
    someone other than who started or last recalculated it."""
    with transaction.atomic():
        run = _locked(run.pk)
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
        _transition(run, RunStatus.APPROVED, approved_by, "" if run.four_eyes_at_approval else "four-eyes rule off")
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
        run = _locked(run.pk)
        if run.status != RunStatus.APPROVED:
            raise RunStateError(RUN_NOT_APPROVED, f"only an approved run can be marked paid; this one is {run.status}")
        run.paid_at = timezone.now()
        _transition(run, RunStatus.PAID, by)
        run.save(update_fields=["status", "paid_at"])
    return run


def payroll_run_cancel(*, run: PayrollRun, by=None, note: str = "") -> PayrollRun:
    with transaction.atomic():
        run = _locked(run.pk)
        _ensure_mutable(run)
        run.calculation += 1  # chunks still under way write nothing
        _transition(run, RunStatus.CANCELLED, by, note)
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
    adjustment_period_ensure_open(adjustment.employee, adjustment.period)
    adjustment.delete()


def payroll_start_scheduled_runs(*, today: date) -> list[PayrollRun]:
    """On the 1st: the previous month's run for every company with automatic runs on."""
    period = Period.of(today).previous
    return [
        payroll_run_start(company=company, period=period)[0]
        for company in Company.objects.filter(automatic_runs=True).order_by("pk")
    ]
