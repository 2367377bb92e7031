"""Times a correction of one closed period for every employee against the payroll run of the
same period, on the real services: Celery workers on Redis, PostgreSQL (issue 13, item 8).

Run from the repository root (the settings need DJANGO_SECRET_KEY outside DEBUG):

    DJANGO_SECRET_KEY=… .venv/bin/python bench/corrections.py [--employees N] [--workers K] [--chunk-size C]

(defaults 10,000 employees, 2 workers, 500 per chunk). Like bench/payroll.py it creates its
own database (BENCH_DATABASE_URL, dropped at the end unless --keep), seeds the demo company
plus N − 39 marketers in bulk and starts K worker processes. Then it

1. runs November's payroll on the workers and approves it (the run's payouts/s, the figure
   to compare with);
2. records one correction of November with a change for every employee (each one's leads
   lowered by one; the changes are inserted in bulk — recording 10,000 changes through the
   form is not what is measured);
3. calculates the correction on the same workers, through the same chunked path, and prints
   its results/s (each result is two engine payouts: the period without and with the
   correction) beside the run's;
4. checks that every employee has a result, that the baseline of each equals the approved
   payout (nothing changed since) and that the deltas sum to the correction's total.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_spec = importlib.util.spec_from_file_location("bench_payroll", ROOT / "bench" / "payroll.py")
assert _spec is not None and _spec.loader is not None
bench_payroll = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_payroll)
SEEDED = bench_payroll.SEEDED


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk-size", type=int, default=500)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()
    if args.employees < SEEDED:
        parser.error(f"--employees must be at least {SEEDED}")
    return args


def wait_for_correction(correction, timeout: float):
    deadline = time.monotonic() + timeout
    while correction.status == "calculating":
        if time.monotonic() > deadline:
            raise SystemExit(f"the correction is still calculating ({correction.employees_done}/{correction.employees_total})")
        time.sleep(0.05)
        correction.refresh_from_db()
    return correction


def main() -> None:
    args = parse_args()
    database = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/marketer_bonus_bench_corrections")
    broker = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")
    queue = f"corrections-bench-{os.getpid()}"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings", DATABASE_URL=database, CELERY_BROKER_URL=broker, CELERY_QUEUE=queue,
        CELERY_TASK_ALWAYS_EAGER="false", LOG_LEVEL="WARNING", DJANGO_DEBUG="false",
    )  # fmt: skip
    bench_payroll.drop_database(database, create=True)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Sum

    from config.celery import app
    from kpis.models import Measure, MeasureValue
    from payroll.models import Correction, CorrectionChange, CorrectionResult, Payout, RunStatus
    from payroll.services import payroll_run_approve, payroll_run_start
    from payroll.services.corrections import correction_calculate
    from tests.payroll.worker import PERIOD, CeleryWorker, demo_company_with, drop_queue, worker_env

    workers: list[CeleryWorker] = []
    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        company = demo_company_with(args.employees - SEEDED)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"machine: {bench_payroll.versions()}")
        print(f"data: {args.employees:,} employees seeded in {time.perf_counter() - started:.1f} s")

        with tempfile.TemporaryDirectory(prefix="corrections-bench-") as logs:
            env = worker_env(database=database, broker=broker, queue=queue, media_root=Path(logs) / "media")
            for number in range(1, args.workers + 1):
                worker = CeleryWorker(
                    name=f"{queue}-{number}", queue=queue, env=env, log_path=Path(logs) / f"{number}.log", concurrency=1
                )
                workers.append(worker.start())
            for worker in workers:
                worker.wait_ready(app, timeout=60)

            run, _ = payroll_run_start(company=company, period=PERIOD, chunk_size=args.chunk_size)
            run = bench_payroll.wait_for_run(run, args.timeout)
            if run.status != RunStatus.CALCULATED:
                raise SystemExit(f"the run ended {run.status}: {run.error}")
            run = payroll_run_approve(run=run, approved_by=None)
            run_seconds = (run.calculated_at - run.calculation_started_at).total_seconds()

            leads = Measure.objects.get(company=None, code="leads")
            correction = Correction.objects.create(
                company=company, period=str(PERIOD), reason="bench: one lead fewer each", chunk_size=args.chunk_size
            )
            values = MeasureValue.objects.filter(employee__company=company, period=str(PERIOD), measure=leads)
            changes = [
                CorrectionChange(
                    correction=correction, employee_id=employee_id, kind="measure", measure=leads,
                    value=max(value - 1, 0), was=str(value),
                )
                for employee_id, value in values.values_list("employee_id", "value")
            ]
            CorrectionChange.objects.bulk_create(changes, batch_size=5000)
            wall = time.perf_counter()
            correction = correction_calculate(correction=correction)
            correction = wait_for_correction(correction, args.timeout)
            wall = time.perf_counter() - wall
            for worker in workers:
                worker.stop()
            if correction.status != "calculated":
                raise SystemExit(f"the correction ended {correction.status}: {correction.error}\n{workers[0].log_tail()}")

        seconds = (correction.calculated_at - correction.calculation_started_at).total_seconds()
        count = correction.results.count()
        print(f"run: {run.employees_total:,} payouts in {run_seconds:.2f} s = {run.employees_total / run_seconds:,.0f} payouts/s")
        print(
            f"correction: {count:,} employees (of {len(changes):,} changes) in {correction.chunks_total} chunks: "
            f"{seconds:.2f} s = {count / seconds:,.0f} results/s ({2 * count / seconds:,.0f} engine payouts/s); "
            f"wall clock {wall:.2f} s"
        )
        print(f"  correction / run time per employee: {(seconds / count) / (run_seconds / run.employees_total):.2f}×")
        approved = dict(Payout.objects.filter(run=run).values_list("employee_id", "total"))
        baseline_right = all(
            approved.get(employee_id) == baseline
            for employee_id, baseline in CorrectionResult.objects.filter(correction=correction).values_list(
                "employee_id", "baseline_total"
            )
        )
        delta_sum = correction.results.aggregate(s=Sum("delta"))["s"]
        right = count == len(changes) and baseline_right and delta_sum == correction.delta_total
        print(
            f"  verified: {'every employee has a result, every baseline is the approved payout, deltas sum up' if right else '!! MISMATCH'}"
            f" (total delta {correction.delta_total}, {correction.changed_count:,} employees whose pay changes)"
        )
        if not right:
            raise SystemExit(1)
    finally:
        for worker in workers:
            worker.kill()
        drop_queue(app, queue)
        from django.db import connections

        connections.close_all()
        if not args.keep:
            bench_payroll.drop_database(database)


if __name__ == "__main__":
    main()
