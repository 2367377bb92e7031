"""Times a whole payroll run on the real services: Celery workers on Redis, PostgreSQL.

Run from the repository root:

    .venv/bin/python bench/payroll.py [--employees N] [--workers K] [--chunk-size C]

(defaults 10,000 employees, 2 workers, 500 per chunk). It creates its own database
(`marketer_bonus_bench` on BENCH_DATABASE_URL's server, dropped at the end unless --keep),
migrates it, seeds the demo company plus N − 39 marketers in bulk (three in four on the
seeds' leads × cost-per-lead scheme, one in four on the stage-2 scorecard), starts K worker
processes (`celery -A config worker --pool prefork -c 1` each, on a queue of their own) and
one run, and prints:

- payouts per second: employees / (calculated_at − calculation_started_at), and by wall clock
  from the start call until this process sees the run calculated;
- queries per chunk: `payroll_chunk_compute` in this process for chunks of 100 and 500;
- where one chunk's time goes (cProfile, in this process);
- peak memory (VmHWM) of each worker process, read before the workers stop;
- whether every payout and the run's sums equal the engine's, computed here (--no-verify skips).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEEDED = 39  # employees of seed_demo() in 2026-11


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2, help="worker processes, each with one pool process")
    parser.add_argument("--chunk-size", type=int, default=500)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for the run")
    parser.add_argument("--no-verify", action="store_true", help="skip recomputing every payout in this process")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()
    if args.employees < SEEDED:
        parser.error(f"--employees must be at least {SEEDED} (the demo company's own marketers)")
    return args


def drop_database(url: str, *, create: bool = False) -> None:
    import psycopg

    server, name = url.replace("postgres://", "postgresql://", 1).rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            connection.execute(f'CREATE DATABASE "{name}"')


@contextmanager
def calculating_run(company, employees: int):
    """A run in `calculating` made for in-process measurements, deleted afterwards (it
    stands in for the one the bench starts later, which the one-live-run rule allows)."""
    from payroll.models import PayrollRun, RunStatus
    from tests.payroll.worker import PERIOD

    run = PayrollRun.objects.create(
        company=company, period=str(PERIOD), status=RunStatus.CALCULATING, calculation=1, employees_total=employees
    )
    try:
        yield run
    finally:
        run.delete()


def chunk_queries(company, ids: list[int], sizes: tuple[int, ...]) -> dict[int, tuple[int, float]]:
    """Queries and seconds of `payroll_chunk_compute` for one chunk of each size."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from payroll.services import Chunk, payroll_chunk_compute

    found = {}
    with calculating_run(company, len(ids)) as run:
        for size in sizes:
            chunk = Chunk(0, ids[:size])
            payroll_chunk_compute(run_id=run.pk, calculation=1, chunk=chunk)  # warm caches
            run.payouts.all().delete()  # a chunk writes only missing payouts: measure a first write
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                payroll_chunk_compute(run_id=run.pk, calculation=1, chunk=chunk)
                seconds = time.perf_counter() - started
            found[size] = (len(queries.captured_queries), seconds)
    return found


def chunk_profile(company, ids: list[int]) -> list[tuple[str, float]]:
    """Where one chunk's time goes: cumulative seconds of its main steps under cProfile."""
    from payroll.services import Chunk, payroll_chunk_compute

    profile = cProfile.Profile()
    with calculating_run(company, len(ids)) as run:
        payroll_chunk_compute(run_id=run.pk, calculation=1, chunk=Chunk(0, ids))
        run.payouts.all().delete()
        profile.enable()
        payroll_chunk_compute(run_id=run.pk, calculation=1, chunk=Chunk(0, ids))
        profile.disable()
    stats = pstats.Stats(profile).stats
    steps = {
        "whole chunk": ("payroll/services/calculation.py", "payroll_chunk_compute"),
        "gather inputs (payout_inputs)": ("compensation/selectors.py", "payout_inputs"),
        "engine (calculate_payout)": ("engine/payout.py", "calculate_payout"),
        "build Payout objects": ("django/db/models/base.py", "__init__"),
        "write payouts (COPY)": ("payroll/services/calculation.py", "_write_payouts"),
        "lock the employees": ("payroll/services/runs.py", "lock_employees"),
        "all SQL round trips": ("django/db/backends/utils.py", "_execute"),
    }
    return [
        (label, sum(v[3] for (path, _line, name), v in stats.items() if name == function and path.endswith(suffix)))
        for label, (suffix, function) in steps.items()
    ]


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids) -> float:
    """utime + stime of the processes (and of their children already reaped)."""
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # fields 14-17 of proc(5) are 11-14 here
        total += sum(int(value) for value in fields[11:15])
    return total / TICKS


def postgres_pids() -> list[int]:
    """The postmaster (its reaped backends count in its children's time) and live backends."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def machine_busy_seconds() -> float:
    """CPU time spent not idle on all CPUs since boot (/proc/stat)."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / TICKS


def wait_for_run(run, timeout: float):
    from payroll.models import RunStatus

    deadline = time.monotonic() + timeout
    while run.status in (RunStatus.QUEUED, RunStatus.CALCULATING):
        if time.monotonic() > deadline:
            raise SystemExit(f"the run is still {run.status} ({run.employees_done}/{run.employees_total}) after {timeout} s")
        time.sleep(0.05)
        run.refresh_from_db()
    return run


def wait_for_sheet(run, timeout: float) -> float | None:
    """Seconds from calculated until the workers have written the run's payroll sheet, when
    this version of the code builds one after a run (`payroll.tasks.build_payroll_sheet`)."""
    import payroll.tasks

    if not hasattr(payroll.tasks, "build_payroll_sheet"):
        return None
    deadline = time.monotonic() + timeout
    while not run.sheet and time.monotonic() < deadline:
        time.sleep(0.1)
        run.refresh_from_db(fields=["sheet"])
    from django.utils import timezone

    return (timezone.now() - run.calculated_at).total_seconds() if run.sheet else None


def versions() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    import redis
    from django.conf import settings

    redis_version = redis.Redis.from_url(settings.CELERY_BROKER_URL).info("server")["redis_version"]
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
        platform.processor(),
    )
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, PostgreSQL {postgres}, Redis {redis_version}"
    )


def main() -> None:
    args = parse_args()
    database = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/marketer_bonus_bench")
    broker = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")
    queue = f"payroll-bench-{os.getpid()}"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings", DATABASE_URL=database, CELERY_BROKER_URL=broker, CELERY_QUEUE=queue,
        CELERY_TASK_ALWAYS_EAGER="false", LOG_LEVEL="WARNING", DJANGO_DEBUG="false",
    )  # fmt: skip
    drop_database(database, create=True)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from config.celery import app
    from organizations.models import Employee
    from payroll.models import Payout, RunStatus
    from payroll.services import payroll_run_start
    from tests.payroll.worker import PERIOD, CeleryWorker, demo_company_with, drop_queue, expected_run, worker_env

    workers: list[CeleryWorker] = []
    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        company = demo_company_with(args.employees - SEEDED)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # a live database has planner statistics; a bulk-loaded one has none yet
        setup_seconds = time.perf_counter() - started
        print(f"machine: {versions()}")
        print(f"data: {args.employees:,} employees seeded in {setup_seconds:.1f} s (migrate, bulk_create, ANALYZE)")

        ids = list(Employee.objects.filter(company=company).order_by("personnel_number").values_list("pk", flat=True))
        sizes = tuple(size for size in (100, 500) if size <= len(ids)) or (len(ids),)
        queries = chunk_queries(company, ids, sizes)
        for size, (count, seconds) in queries.items():
            print(f"queries per chunk of {size}: {count} ({seconds * 1000:.0f} ms in this process, {size / seconds:,.0f} payouts/s)")
        if len({count for count, _ in queries.values()}) != 1:
            print("  !! the query count depends on the chunk size")
        profile_size = min(args.chunk_size, len(ids))
        print(f"one chunk of {profile_size} under cProfile (cumulative s):")
        for label, seconds in chunk_profile(company, ids[:profile_size]):
            print(f"  {label:34} {seconds:7.3f}")

        with tempfile.TemporaryDirectory(prefix="payroll-bench-") as logs:
            env = worker_env(database=database, broker=broker, queue=queue, media_root=Path(logs) / "media")
            for number in range(1, args.workers + 1):
                worker = CeleryWorker(
                    name=f"{queue}-{number}", queue=queue, env=env, log_path=Path(logs) / f"{number}.log", concurrency=1
                )
                workers.append(worker.start())
            for worker in workers:
                worker.wait_ready(app, timeout=60)

            worker_pids = [pid for worker in workers for pid in worker.pids()]
            cpu_before = (cpu_seconds(worker_pids), cpu_seconds(postgres_pids()), machine_busy_seconds())
            wall = time.perf_counter()
            run, _ = payroll_run_start(company=company, period=PERIOD, chunk_size=args.chunk_size)
            run = wait_for_run(run, args.timeout)
            wall = time.perf_counter() - wall
            cpu_after = (cpu_seconds(worker_pids), cpu_seconds(postgres_pids()), machine_busy_seconds())
            peaks = {worker.name: worker.peak_rss_kib() for worker in workers}
            sheet = wait_for_sheet(run, args.timeout) if run.status == RunStatus.CALCULATED else None
            sheet_peak = max((kib for worker in workers for kib in worker.peak_rss_kib().values()), default=0)
            for worker in workers:
                worker.stop()
            if run.status != RunStatus.CALCULATED:
                raise SystemExit(f"the run ended {run.status}: {run.error}\n{workers[0].log_tail()}")

        calculated = (run.calculated_at - run.calculation_started_at).total_seconds()
        print(
            f"run: {run.employees_total:,} payouts in {run.chunks_total} chunks of {args.chunk_size}, "
            f"{args.workers} worker process(es) × 1 pool process"
        )
        print(f"  calculation_started_at → calculated_at: {calculated:.2f} s = {run.employees_total / calculated:,.0f} payouts/s")
        print(f"  wall clock (start call → seen calculated): {wall:.2f} s = {run.employees_total / wall:,.0f} payouts/s")
        workers_cpu, postgres_cpu, busy = (after - before for before, after in zip(cpu_before, cpu_after, strict=True))
        print(
            f"  CPU during the run: workers {workers_cpu:.1f} s, PostgreSQL {postgres_cpu:.1f} s, "
            f"whole machine {busy:.1f} s of {wall * (os.cpu_count() or 1):.1f} s available"
        )
        for name, pids in peaks.items():
            shown = ", ".join(f"pid {pid}: {kib / 1024:.0f} MiB" for pid, kib in sorted(pids.items()))
            print(f"  peak RSS (VmHWM) of worker {name}: {shown}")
        print(f"  peak RSS of any worker process: {max(max(p.values(), default=0) for p in peaks.values()) / 1024:.0f} MiB")
        if sheet is not None:
            print(f"  then the payroll sheet task: built in {sheet:.1f} s; peak RSS of any worker process since start {sheet_peak / 1024:.0f} MiB")

        payouts = Payout.objects.filter(run=run).count()
        if payouts != args.employees:
            raise SystemExit(f"!! {payouts} payouts for {args.employees} employees")
        if not args.no_verify:
            expected = expected_run(company)
            totals = dict(Payout.objects.filter(run=run).values_list("employee__personnel_number", "total"))
            sums = (run.fixed_total, run.bonus_total, run.adjustments_total, run.total)
            right = totals == expected.totals and sums == (
                expected.fixed, expected.bonus, expected.adjustments, expected.total,
            )  # fmt: skip
            print(f"  verified against the engine in-process: {'every payout and sum equal' if right else '!! MISMATCH'}")
            if not right:
                raise SystemExit(1)
        print(f"  run total {run.total} (fixed {run.fixed_total}, bonus {run.bonus_total}, adjustments {run.adjustments_total})")
    finally:
        for worker in workers:
            worker.kill()
        drop_queue(app, queue)  # what a failed run left behind
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(database)


if __name__ == "__main__":
    main()
