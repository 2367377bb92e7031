"""Celery tasks: thin interfaces that take ids and call services. Retries live here, and so
does the choice of what runs next: the services announce a calculation asked for and a run
calculated (`payroll.services.signals`), and the receivers below, connected at start-up
(`PayrollConfig.ready`), queue the tasks that follow."""

from datetime import timedelta

import psycopg
from celery import group, shared_task
from celery.contrib.django.task import DjangoTask
from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections
from django.utils import timezone

from payroll.excel.services import payroll_sheet_build
from payroll.models import PayrollRun
from payroll.services import corrections, signals
from payroll.services.calculation import (
    Chunk,
    RunNotReady,
    payroll_chunk_compute,
    payroll_resume_stalled_runs,
    payroll_run_fail,
    payroll_run_finalize,
    payroll_run_split,
)
from payroll.services.lifecycle import payroll_start_scheduled_runs

# Transient database errors (a lost connection, a serialization failure, a deadlock) are
# retried like a lost worker. Django wraps psycopg's errors as its own; psycopg's are listed
# for any that escape the wrapping.
TRANSIENT = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)
FINALIZE_WAITS = 30


class RunTask(DjangoTask):
    """A task of a run's calculation (arguments: run id, calculation number, …). When it
    fails for good, the run is marked failed with the error."""

    acks_late = True
    reject_on_worker_lost = True
    autoretry_for = TRANSIENT
    retry_backoff = True
    max_retries = 8  # waits of up to 1, 2, 4 … 128 s: a database failover fits in them

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        run_id, calculation = args[0], args[1]
        if not getattr(self.request, "is_eager", False):  # in a worker, as Celery's Django fix-up does
            close_old_connections()  # the error may have left the connection broken
        payroll_run_fail(run_id=run_id, calculation=calculation, error=f"{type(exc).__name__}: {exc}")


def _queue_chunks(run_id: int, calculation: int, chunks: list[Chunk]) -> None:
    """Compute the chunks with a group of tasks; with no chunks, go straight to closing the run."""
    if chunks:
        group(compute_chunk.s(run_id, calculation, chunk.index, chunk.employee_ids) for chunk in chunks).apply_async()
    else:
        finalize_run.delay(run_id, calculation)


@shared_task(base=RunTask)
def calculate_run(run_id: int, calculation: int) -> int:
    """Split the run into chunks and compute them with a group of tasks."""
    chunks = payroll_run_split(run_id=run_id, calculation=calculation)
    _queue_chunks(run_id, calculation, chunks)
    return len(chunks)


@shared_task(base=RunTask)
def compute_chunk(run_id: int, calculation: int, index: int, employee_ids: list[int]) -> None:
    """Write one chunk's payouts; the chunk that may complete the run queues its closing."""
    all_done = payroll_chunk_compute(run_id=run_id, calculation=calculation, chunk=Chunk(index, employee_ids))
    if all_done:
        finalize_run.delay(run_id, calculation)


@shared_task(base=RunTask, bind=True)
def finalize_run(self, run_id: int, calculation: int) -> None:
    """Close the run: sum its payouts. While a chunk is still missing it waits a little;
    if the chunk takes longer (a redelivery), that chunk closes the run when it is done."""
    try:
        payroll_run_finalize(run_id=run_id, calculation=calculation)
    except RunNotReady as not_ready:
        if self.request.retries < FINALIZE_WAITS:
            raise self.retry(exc=not_ready, countdown=2, max_retries=FINALIZE_WAITS) from not_ready


@shared_task
def resume_stalled_runs() -> list[int]:
    """Every 30 s (beat): a run with no progress for PAYROLL_STALLED_AFTER_SECONDS lost a
    task (with a dead worker, or Redis emptied): a queued run is calculated again, a
    calculating one gets chunks for its missing employees, or is closed if none are missing."""
    resumed = payroll_resume_stalled_runs(
        now=timezone.now(), stalled_after=timedelta(seconds=settings.PAYROLL_STALLED_AFTER_SECONDS)
    )
    for run_id, calculation, chunks in resumed:
        if chunks is None:
            calculate_run.delay(run_id, calculation)
        else:
            _queue_chunks(run_id, calculation, chunks)
    return [run_id for run_id, _, _ in resumed]


@shared_task
def start_monthly_runs() -> list[int]:
    """The schedule's task: on the 1st, last month's payroll for companies with automatic runs."""
    return [run.pk for run in payroll_start_scheduled_runs(today=timezone.localdate())]


@shared_task(base=DjangoTask, acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def build_payroll_sheet(run_id: int) -> str:
    """Write the run's payroll sheet for finance (enqueued when a run is calculated; the
    download builds it on demand too). Returns the file's name, or "" when the run is not
    calculated (any more)."""
    run = PayrollRun.objects.filter(pk=run_id).first()
    built = payroll_sheet_build(run=run) if run is not None else None
    return built.sheet.name if built is not None else ""


def queue_calculation(sender, *, run_id: int, calculation: int, **kwargs) -> None:
    """A calculation was asked for (and committed): calculate the run."""
    calculate_run.delay(run_id, calculation)


def queue_payroll_sheet(sender, *, run_id: int, **kwargs) -> None:
    """The run was calculated (and committed): build finance's payroll sheet."""
    build_payroll_sheet.delay(run_id)


def connect_receivers() -> None:
    signals.calculation_requested.connect(queue_calculation, dispatch_uid="payroll.tasks.queue_calculation")
    signals.run_calculated.connect(queue_payroll_sheet, dispatch_uid="payroll.tasks.queue_payroll_sheet")
    connect_correction_receivers()


# --- corrections of closed periods: the run's chunked path, with their own services -------


class CorrectionTask(RunTask):
    """A task of a correction's calculation (arguments: correction id, calculation, …); when
    it fails for good the correction goes back to draft with the error."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        if not getattr(self.request, "is_eager", False):
            close_old_connections()
        corrections.correction_fail(correction_id=args[0], calculation=args[1], error=f"{type(exc).__name__}: {exc}")


@shared_task(base=CorrectionTask)
def calculate_correction(correction_id: int, calculation: int) -> int:
    """Cut the correction's affected employees into chunks and compute them with a group of tasks."""
    chunks = corrections.correction_split(correction_id=correction_id, calculation=calculation)
    if chunks:
        group(
            compute_correction_chunk.s(correction_id, calculation, chunk.index, chunk.employee_ids) for chunk in chunks
        ).apply_async()
    else:
        finalize_correction.delay(correction_id, calculation)
    return len(chunks)


@shared_task(base=CorrectionTask)
def compute_correction_chunk(correction_id: int, calculation: int, index: int, employee_ids: list[int]) -> None:
    if corrections.correction_chunk_compute(
        correction_id=correction_id, calculation=calculation, chunk=Chunk(index, employee_ids)
    ):
        finalize_correction.delay(correction_id, calculation)


@shared_task(base=CorrectionTask)
def finalize_correction(correction_id: int, calculation: int) -> None:
    corrections.correction_finalize(correction_id=correction_id, calculation=calculation)


def queue_correction(sender, *, correction_id: int, calculation: int, **kwargs) -> None:
    """A correction's calculation was asked for (and committed): calculate it."""
    calculate_correction.delay(correction_id, calculation)


def connect_correction_receivers() -> None:
    corrections.correction_calculation_requested.connect(queue_correction, dispatch_uid="payroll.tasks.queue_correction")
