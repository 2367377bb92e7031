"""Payroll runs on the real services. A Celery worker process on Redis computes the run in
PostgreSQL. A worker killed in the middle of a run is replaced, and the run still ends
right, within two minutes with the default settings. Two copies of a chunk at the same
moment, connections killed in the middle of the COPY and an employee deleted mid-run all
leave the run calculated and right. Two concurrent starts give one run.

The worker consumes a queue of its own (unique per test session) and this process
publishes to it, so no other worker on the same Redis database takes these tasks."""

import os
import threading
import time
import uuid
from contextlib import contextmanager
from decimal import Decimal

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connections

from compensation.models import BandTable
from compensation.services import band_table_save
from config.celery import app as celery_app
from engine import Period
from kpis.models import Measure, MeasureValue
from organizations.models import Employee
from payroll.models import Correction, CorrectionStatus, Payout, PayrollRun, RunStatus
from payroll.services import payroll_run_approve, payroll_run_recalculate, payroll_run_split, payroll_run_start
from payroll.services.corrections import ChangeSpec, correction_calculate, correction_create, correction_split
from payroll.tasks import compute_chunk, compute_correction_chunk, resume_stalled_runs
from tests.factories import CompanyFactory
from tests.payroll.worker import (
    PERIOD,
    CeleryWorker,
    chunks_held,
    database_url,
    demo_company_with,
    drop_queue,
    expected_run,
    purge_queue,
    unacked_count,
    worker_env,
)

ON_SERVICES = os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get(
    "CELERY_BROKER_URL", ""
).startswith("redis")

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(
        not ON_SERVICES and os.environ.get("CI") != "true",
        reason="needs DATABASE_URL on PostgreSQL and CELERY_BROKER_URL on Redis: run `make test`",
    ),
    pytest.mark.django_db(transaction=True),
]

SEEDED = 39  # employees of seed_demo() in 2026-11
VISIBILITY_TIMEOUT = 5
WAITING = (RunStatus.QUEUED, RunStatus.CALCULATING)


@pytest.fixture(scope="session")
def queue() -> str:
    return f"payroll-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def published_to(queue):
    """This process publishes to Redis (not eagerly) and to the test's own queue."""
    assert not celery_app.conf.task_always_eager, "CELERY_BROKER_URL is set, so tasks must go to the broker"
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    yield queue
    celery_app.conf.task_default_queue = previous
    drop_queue(celery_app, queue)


@pytest.fixture
def start_worker(published_to, tmp_path):
    """Start real workers on the test database; every one is stopped (or killed) afterwards,
    before the database is flushed, and the queue is emptied."""
    started: list[CeleryWorker] = []

    def start(*, visibility_timeout: int | None = None) -> CeleryWorker:
        name = f"{published_to}-{len(started) + 1}"
        env = worker_env(
            database=database_url(settings.DATABASES["default"]),
            broker=settings.CELERY_BROKER_URL,
            queue=published_to,
            media_root=tmp_path / "media",
            visibility_timeout=visibility_timeout,
        )
        worker = CeleryWorker(name=name, queue=published_to, env=env, log_path=tmp_path / f"{name}.log")
        started.append(worker.start())
        worker.wait_ready(celery_app)
        return worker

    yield start
    for worker in started:
        worker.stop()


def wait_for(run: PayrollRun, *, timeout: float, until=lambda run: run.status not in WAITING, worker=None):
    """Poll the run until `until(run)`; returns every (status, employees_done) seen."""
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        run.refresh_from_db()
        seen.append((run.status, run.employees_done))
        if until(run):
            return seen
        if time.monotonic() > deadline:
            log = worker.log_tail() if worker else ""
            pytest.fail(f"run {run.pk} is {run.status} ({run.employees_done}/{run.employees_total}) after {timeout} s\n{log}")
        time.sleep(0.005)


def assert_complete_and_right(run: PayrollRun, employees: int) -> None:
    assert run.status == RunStatus.CALCULATED, run.error
    assert run.employees_total == run.employees_done == employees
    rows = list(Payout.objects.filter(run=run).values_list("employee__personnel_number", "total"))
    assert len(rows) == len({number for number, _ in rows}) == employees
    expected = expected_run(run.company)
    assert dict(rows) == expected.totals
    assert (run.fixed_total, run.bonus_total, run.adjustments_total, run.total) == (
        expected.fixed,
        expected.bonus,
        expected.adjustments,
        expected.total,
    )
    assert run.total > 0


def test_a_real_worker_computes_a_run_with_progress(start_worker):
    company = demo_company_with(300 - SEEDED)
    worker = start_worker()

    run, created = payroll_run_start(company=company, period=PERIOD, chunk_size=50)
    seen = wait_for(run, timeout=60, worker=worker)

    assert created
    assert_complete_and_right(run, 300)
    assert run.chunks_total == 6
    assert any(status == RunStatus.CALCULATING and 0 < done < 300 for status, done in seen), seen[:: max(len(seen) // 20, 1)]


def test_a_worker_recalculates_with_the_configuration_changed_in_another_process(start_worker):
    """The worker keeps the company's compiled configuration between tasks; a band table
    changed here, after the first calculation, must reach its recalculation."""
    company = demo_company_with(0)
    worker = start_worker()
    run, _ = payroll_run_start(company=company, period=PERIOD, chunk_size=10)
    wait_for(run, timeout=60, worker=worker)
    assert_complete_and_right(run, SEEDED)
    assert Payout.objects.get(run=run, employee__personnel_number="DEMO-A").bonus == Decimal("15000.00")

    table = BandTable.objects.get(company=company, name__startswith="Seed bands")
    points = [(point.lower_bound_pct, point.coefficient) for point in table.points.all()]
    band_table_save(table=table, points=[(lower, Decimal("0.6") if k == Decimal("0.5") else k) for lower, k in points])
    run = payroll_run_recalculate(run=run)
    wait_for(run, timeout=60, worker=worker)

    assert_complete_and_right(run, SEEDED)  # as computed here, from the changed table
    assert Payout.objects.get(run=run, employee__personnel_number="DEMO-A").bonus == Decimal("18000.00")


def kill_with_every_chunk_in_redis(worker: CeleryWorker, run: PayrollRun, queue: str, attempts: int = 100) -> None:
    """SIGKILL the whole worker at a moment when every chunk not yet written still has its
    message in Redis (queued, or delivered and unacknowledged).

    The worker is frozen first (SIGSTOP to its process group) and Redis is inspected. A
    message that the worker has popped (BRPOP) but not yet recorded as unacknowledged
    exists only in the worker's memory. If the worker is killed at that moment, kombu's
    Redis transport loses the chunk for good; only `resume_stalled_runs` makes it up (see
    the test with the default settings below). This test is about Redis's redelivery."""
    for _ in range(attempts):
        worker.freeze()
        time.sleep(0.05)  # replies Redis already sent to the frozen worker have left Redis
        written = set(Payout.objects.filter(run=run).values_list("chunk", flat=True))
        if set(range(run.chunks_total)) - written <= chunks_held(celery_app, queue):
            worker.kill()
            return
        worker.thaw()
        time.sleep(0.01)
    pytest.fail(f"no moment without a chunk in flight inside the worker in {attempts} tries")


def test_a_worker_killed_mid_run_is_replaced_and_the_run_ends_right(start_worker, published_to):
    company = demo_company_with(300 - SEEDED)
    first = start_worker(visibility_timeout=VISIBILITY_TIMEOUT)

    run, _ = payroll_run_start(company=company, period=PERIOD, chunk_size=5)
    wait_for(run, timeout=60, worker=first, until=lambda run: run.status not in WAITING or run.employees_done >= 60)
    kill_with_every_chunk_in_redis(first, run, published_to)
    run.refresh_from_db()
    assert run.status == RunStatus.CALCULATING and 0 < run.employees_done < 300, (run.status, run.employees_done)
    # The dead worker's reserved chunks were never acknowledged: Redis holds them back
    # until the visibility timeout has passed, then a live worker restores them.
    assert unacked_count(celery_app, published_to) > 0
    time.sleep(VISIBILITY_TIMEOUT + 1)

    second = start_worker(visibility_timeout=VISIBILITY_TIMEOUT)
    wait_for(run, timeout=120, worker=second)

    assert_complete_and_right(run, 300)
    assert run.chunks_total == 60
    # The task that marked the run calculated (or a restored chunk redone after it) is
    # acknowledged when it returns, a moment after the run is seen calculated.
    deadline = time.monotonic() + 15
    while unacked_count(celery_app, published_to) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert unacked_count(celery_app, published_to) == 0


def test_two_concurrent_starts_give_one_run(published_to):
    company = CompanyFactory()
    periods = [Period(2026, month) for month in range(6, 12)]

    for period in periods:
        barrier = threading.Barrier(2)
        results, errors = [], []

        def start(period=period, barrier=barrier, results=results, errors=errors):
            try:
                connections["default"].ensure_connection()  # each thread has its own connection
                barrier.wait(timeout=10)
                run, created = payroll_run_start(company=company, period=period)
                results.append((run.pk, created))
            except Exception as error:
                errors.append(error)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=start) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert not errors, errors
        assert len(results) == 2
        assert results[0][0] == results[1][0]
        assert sorted(created for _, created in results) == [False, True]
        assert PayrollRun.objects.filter(company=company, period=str(period)).count() == 1

    assert PayrollRun.objects.count() == len(periods)


# Runs that always end: a whole worker lost with the default settings, two copies of a chunk
# at the same moment, connections killed in the middle of the COPY, an employee deleted while
# the run calculates. PostgreSQL's own locks hold the workers at the moment each case needs.

RESUME_EVERY = settings.CELERY_BEAT_SCHEDULE["resume-stalled-payroll-runs"]["schedule"]
RECOVERY = 120  # seconds, from a lost worker to the run calculated


@contextmanager
def side_connection():
    """A connection of this test's own (not Django's), to hold locks the workers must wait for."""
    connection = psycopg.connect(database_url(settings.DATABASES["default"]))
    try:
        yield connection
    finally:
        connection.close()


def backends_waiting(sql_start: str) -> list[int]:
    """Pids of the database sessions whose statement starts with `sql_start` and that wait for a lock."""
    with side_connection() as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            " AND ltrim(query) ILIKE %s",
            [f"{sql_start}%"],
        )
        return [pid for (pid,) in cursor.fetchall()]


def wait_until_waiting(sql_start: str, count: int, worker: CeleryWorker, timeout: float = 60) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = backends_waiting(sql_start)
        if len(pids) >= count:
            return pids
        time.sleep(0.05)
    pytest.fail(f"{count} sessions never waited in {sql_start!r}\n{worker.log_tail()}")


def split_without_workers(company, queue: str, chunk_size: int):
    """A run started and split in this process, its chunks not yet queued: the test decides
    when (and how often) each is published."""
    run, _ = payroll_run_start(company=company, period=PERIOD, chunk_size=chunk_size)
    purge_queue(celery_app, queue)  # the calculate_run message: the split happens here instead
    chunks = payroll_run_split(run_id=run.pk, calculation=run.calculation)
    run.refresh_from_db()
    return run, chunks


def publish(run: PayrollRun, chunks) -> None:
    for chunk in chunks:
        compute_chunk.delay(run.pk, run.calculation, chunk.index, chunk.employee_ids)


def assert_no_task_failed(worker: CeleryWorker) -> None:
    log = worker.log_path.read_text(errors="replace")
    assert "raised unexpected" not in log and "IntegrityError" not in log, worker.log_tail()


def test_a_whole_worker_lost_with_the_default_settings_is_made_up_within_two_minutes(start_worker, published_to):
    """SIGKILL to the whole worker (its chunks stay unacknowledged in Redis for the default
    visibility timeout, an hour), a new worker, and the beat's resume task on its default
    schedule: the run is calculated, right, within two minutes of the kill."""
    assert settings.PAYROLL_STALLED_AFTER_SECONDS + RESUME_EVERY < RECOVERY
    company = demo_company_with(300 - SEEDED)
    first = start_worker()
    run, _ = payroll_run_start(company=company, period=PERIOD, chunk_size=5)
    wait_for(run, timeout=60, worker=first, until=lambda run: run.status not in WAITING or run.employees_done >= 150)
    first.kill()
    killed = time.monotonic()
    run.refresh_from_db()
    assert run.status == RunStatus.CALCULATING and 0 < run.employees_done < 300, (run.status, run.employees_done)
    assert unacked_count(celery_app, published_to) > 0  # held for an hour by the default timeout

    second = start_worker()
    resumed_at = killed
    while True:  # what `celery beat` does with the schedule in settings
        run.refresh_from_db()
        if run.status not in WAITING:
            break
        if time.monotonic() - killed > RECOVERY:
            pytest.fail(f"run {run.pk} is {run.status} ({run.employees_done}/300) {RECOVERY} s after the kill")
        if time.monotonic() - resumed_at >= RESUME_EVERY:
            resume_stalled_runs.delay()
            resumed_at = time.monotonic()
        time.sleep(0.2)

    assert_complete_and_right(run, 300)
    # Usually the killed worker's chunks were mid-compute and their employees got chunks again
    # (chunks_total > 60); a kill just after a chunk wrote, before it acknowledged, loses
    # nothing, and the run must end as well. Either way: complete, right, in time.
    assert run.chunks_total >= 60
    assert_no_task_failed(second)


def test_two_copies_of_a_chunk_at_the_same_moment_write_it_once(start_worker, published_to):
    company = demo_company_with(100 - SEEDED)
    run, chunks = split_without_workers(company, published_to, chunk_size=25)
    with side_connection() as lock:
        lock.execute(f"SELECT 1 FROM {PayrollRun._meta.db_table} WHERE id = %s FOR UPDATE", [run.pk])
        publish(run, [chunks[0], chunks[0]])
        worker = start_worker()  # two pool processes: one copy each
        wait_until_waiting("SELECT status, calculation", 2, worker)  # both computed, both about to write
        lock.commit()
    publish(run, chunks[1:])
    wait_for(run, timeout=60, worker=worker)

    assert_complete_and_right(run, 100)
    assert Payout.objects.filter(run=run, chunk=0).count() == 25
    assert_no_task_failed(worker)


def test_connections_killed_in_the_middle_of_the_copy_are_retried_and_the_run_ends_right(start_worker, published_to):
    company = demo_company_with(100 - SEEDED)
    run, chunks = split_without_workers(company, published_to, chunk_size=25)
    with side_connection() as lock:
        lock.execute(f"LOCK TABLE {Payout._meta.db_table} IN SHARE MODE")  # every COPY waits
        publish(run, chunks)
        worker = start_worker()
        copying = wait_until_waiting("COPY", 2, worker)
        with side_connection() as admin, admin.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [copying])
            assert all(killed for (killed,) in cursor.fetchall())
        time.sleep(0.5)
        assert not set(copying) & set(backends_waiting("COPY"))
        lock.commit()
    wait_for(run, timeout=90, worker=worker)

    assert_complete_and_right(run, 100)
    assert_no_task_failed(worker)


def delete_with_sql(employee_id: int) -> None:
    """Delete an employee as a script would: every row that refers to it, then the employee."""
    table = Employee._meta.db_table
    with side_connection() as connection, connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                WHERE c.contype = 'f' AND c.confrelid = %s::regclass""",
            [table],
        )
        for referring, column in cursor.fetchall():
            cursor.execute(f'DELETE FROM {referring} WHERE "{column}" = %s', [employee_id])
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [employee_id])
        assert cursor.rowcount == 1
        connection.commit()


def test_an_employee_deleted_while_the_run_calculates_leaves_it_to_end(start_worker, published_to):
    """One employee deleted after their chunk computed them (it waits to write), one before
    theirs is computed: the run ends calculated, with the other 98, right."""
    company = demo_company_with(100 - SEEDED)
    run, chunks = split_without_workers(company, published_to, chunk_size=25)
    with side_connection() as lock:
        lock.execute(f"SELECT 1 FROM {PayrollRun._meta.db_table} WHERE id = %s FOR UPDATE", [run.pk])
        publish(run, chunks)
        worker = start_worker()
        wait_until_waiting("SELECT status, calculation", 2, worker)  # chunks 0 and 1 computed
        delete_with_sql(chunks[0].employee_ids[3])
        delete_with_sql(chunks[-1].employee_ids[-1])
        lock.commit()
    wait_for(run, timeout=60 + RECOVERY, worker=worker)

    assert_complete_and_right(run, 98)
    assert run.employees_gone == 2
    assert run.transitions.last().note == "2 employees were deleted during the calculation"
    assert_no_task_failed(worker)


# A correction takes the run's path on the same workers: its chunks write side by side, and
# two copies of one chunk at the same moment write its results once.


def test_a_correction_on_real_workers_writes_two_copies_of_a_chunk_once(start_worker, published_to):
    company = demo_company_with(100 - SEEDED)
    worker = start_worker()
    run, _ = payroll_run_start(company=company, period=PERIOD, chunk_size=50)
    wait_for(run, timeout=60, worker=worker)
    payroll_run_approve(run=run, approved_by=User.objects.get(username="hr2"))
    leads = Measure.objects.get(company=None, code="leads")
    counted = list(
        MeasureValue.objects.filter(employee__company=company, period=str(PERIOD), measure=leads)
        .select_related("employee").order_by("employee__personnel_number")
    )  # fmt: skip
    changes = [ChangeSpec(employee=value.employee, kind="measure", measure=leads, value=value.value - 1) for value in counted]
    correction = correction_create(
        company=company, period=str(PERIOD), reason="one lead each disqualified", changes=changes, chunk_size=25
    )
    correction = correction_calculate(correction=correction, requested_by=User.objects.get(username="hr"))
    purge_queue(celery_app, published_to)  # the calculate_correction message: split here instead
    chunks = correction_split(correction_id=correction.pk, calculation=correction.calculation)
    assert len(chunks) >= 3

    def publish_chunks(chosen) -> None:
        for chunk in chosen:
            compute_correction_chunk.delay(correction.pk, correction.calculation, chunk.index, chunk.employee_ids)

    with side_connection() as lock:
        lock.execute(f"SELECT 1 FROM {Correction._meta.db_table} WHERE id = %s FOR UPDATE", [correction.pk])
        publish_chunks([chunks[0], chunks[0]])
        wait_until_waiting("SELECT status, calculation", 2, worker)  # both copies computed, about to write
        lock.commit()
    publish_chunks(chunks[1:])
    deadline = time.monotonic() + 60
    while correction.status == CorrectionStatus.CALCULATING and time.monotonic() < deadline:
        time.sleep(0.05)
        correction.refresh_from_db()

    assert correction.status == CorrectionStatus.CALCULATED, (correction.error, worker.log_tail())
    results = correction.results.all()
    assert results.count() == correction.employees_done == len(counted)
    assert results.filter(chunk=0).count() == len(chunks[0].employee_ids)
    approved = dict(run.payouts.values_list("employee_id", "total"))
    for result in results:
        assert result.baseline_total == result.approved_total == approved[result.employee_id]
        assert result.delta == result.total - result.baseline_total
    assert correction.delta_total == sum(result.delta for result in results)
    assert_no_task_failed(worker)
