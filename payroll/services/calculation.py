"""A run's calculation, which only tasks drive: split the run into chunks, compute a chunk,
finalize the run, resume stalled runs, fail a run. What runs next is the tasks' choice; a run
calculated is announced with `signals.run_calculated`."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.utils import timezone

import engine
from compensation.selectors import employees_in_period
from engine import Period, calculate_payout
from organizations.models import Employee
from payroll import review
from payroll.books import run_books_record
from payroll.models import LIVE, Payout, PayrollRun, RunStatus
from payroll.provenance import add_provenance, payout_provenance
from payroll.selectors import payroll_inputs
from payroll.services import signals
from payroll.services.runs import Chunk, lock_employees, lock_shared_state, locked, transition


class RunNotReady(Exception):
    """Not every chunk has written its payouts yet."""


def _employee_ids(run: PayrollRun):
    """The ids of the run's employees in the period, in personnel-number order (the order
    chunks are cut in)."""
    period = Period.parse(run.period)
    return employees_in_period(company=run.company, period=period).order_by("personnel_number").values_list("pk", flat=True)


def _without_payout(run: PayrollRun, employees):
    """`employees` (a queryset) less those with a payout in the run: an anti-join (NOT
    EXISTS), which PostgreSQL hashes, where `NOT IN (subquery)` went row by row."""
    return employees.filter(~Exists(Payout.objects.filter(run_id=run.pk, employee_id=OuterRef("pk")).order_by()))


def _chunks(run: PayrollRun, ids: list[int], *, first_index: int = 0) -> list[Chunk]:
    """`ids` cut into chunks of the run's chunk size, numbered from `first_index`."""
    size = max(run.chunk_size, 1)
    return [Chunk(first_index + n, ids[start : start + size]) for n, start in enumerate(range(0, len(ids), size))]


def payroll_run_split(*, run_id: int, calculation: int) -> list[Chunk]:
    """Begin a calculation: drop the run's earlier payouts, count the employees and cut them
    into chunks. Returns no chunks when the calculation is stale; a second copy of the same
    calculation's split (a redelivered task) gets the chunks whose employees have no payout yet."""
    with transaction.atomic():
        run = locked(run_id)
        if run.calculation != calculation or run.status not in LIVE:
            return []
        if run.status == RunStatus.CALCULATING:
            return _missing_chunks(run)
        ids = list(_employee_ids(run))
        review.previous_payouts_keep(run)  # what this calculation replaces, for the run page (issue 13)
        run.payouts.all().delete()
        chunks = _chunks(run, ids)
        transition(run, RunStatus.CALCULATING, run.calculated_by, "calculation started")
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
    missing = list(_without_payout(run, _employee_ids(run)))
    chunks = _chunks(run, missing, first_index=run.chunks_total)
    if chunks:
        PayrollRun.objects.filter(pk=run.pk).update(chunks_total=F("chunks_total") + len(chunks))
    return chunks


def _paid(run_id: int, ids) -> set[int]:
    """Those of `ids` with a payout in the run. On PostgreSQL one probe of the (run,
    employee) unique index per id, whatever the statistics say: with `employee_id IN (…)
    AND run_id = …` the planner, which expects few payouts for a run it has no statistics
    of, read every payout of the run written so far and filtered (O(run) per chunk: 0.1–0.3 s
    at 80,000 payouts)."""
    if connection.vendor != "postgresql":
        return set(
            Payout.objects.filter(run_id=run_id, employee_id__in=ids).order_by().values_list("employee_id", flat=True)
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.employee_id FROM unnest(%s::bigint[]) AS e(id) CROSS JOIN LATERAL ("
            f"SELECT employee_id FROM {Payout._meta.db_table} WHERE run_id = %s AND employee_id = e.id LIMIT 1) AS p",
            [list(ids), run_id],
        )
        return {row[0] for row in cursor.fetchall()}


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


def payslip_snapshot(employee: Employee, company) -> dict:
    """What a payslip and a statement print of the employee and company, stored in the trace
    when the payout is calculated: a later rename or transfer never changes an approved
    month's documents."""
    return {
        "employee": {
            "personnel_number": employee.personnel_number,
            "full_name": employee.full_name,
            "position": employee.position,
        },
        "company": {"name": company.name, "currency": company.currency},
    }


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
    printed = {employee.personnel_number: payslip_snapshot(employee, run.company) for employee in employees}
    fed = payout_provenance(employees=employees, period=run.period)
    payouts = []
    for data in inputs:
        result = calculate_payout(data)
        result.trace.update(printed[result.employee])  # what the payslip prints, as it was (spec §8)
        add_provenance(result.trace, fed.get(ids[result.employee]))  # the events the measures came from
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
        state = lock_shared_state(PayrollRun, run_id)
        if state != (RunStatus.CALCULATING, calculation):
            return False
        present = lock_employees(todo)
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
        .filter(status__in=LIVE)
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
        run = locked(run_id)
        if run.calculation != calculation or run.status != RunStatus.CALCULATING:
            return None
        missing = _without_payout(run, _employee_ids(run).order_by()).count()  # one query, before summing
        if missing:
            raise RunNotReady(f"{run.payouts.count()} payouts written, {missing} employees still missing")
        sums = run.payouts.aggregate(
            count=Count("id"),
            warned=Count("id", filter=~Q(warnings=[])),
            fixed=Sum("fixed"),
            bonus=Sum("bonus"),
            adjustments=Sum("adjustments"),
            total=Sum("total"),
        )
        zero = engine.quantize_money(engine.rounding.ZERO)
        run.fixed_total = sums["fixed"] or zero
        run.bonus_total = sums["bonus"] or zero
        run.adjustments_total = sums["adjustments"] or zero
        run.total = sums["total"] or zero
        run.employees_total = run.employees_done = sums["count"]  # those deleted meanwhile are not in it
        run.warnings_count = sums["warned"]
        run_books_record(run)  # the payouts' checksum, which `verify_payroll_books` checks
        run.calculated_at = timezone.now()
        gone = f"{run.employees_gone} employees were deleted during the calculation" if run.employees_gone else ""
        transition(run, RunStatus.CALCULATED, run.calculated_by, note=gone or "calculation finished")
        run.save()
        signals.send_on_commit(signals.run_calculated, run_id=run.pk)
    return run


def payroll_run_fail(*, run_id: int, calculation: int, error: str) -> None:
    with transaction.atomic():
        run = locked(run_id)
        if run.calculation != calculation or run.status not in LIVE:
            return
        run.error = error[:5000]
        transition(run, RunStatus.FAILED, None, note=error[:500])
        run.save(update_fields=["status", "error"])
