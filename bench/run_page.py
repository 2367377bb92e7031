"""Times HR's run page (the review before approval, issue 13 §5) with 10,000 payouts on PostgreSQL.

Run from the repository root:

    .venv/bin/python bench/run_page.py [--employees N] [--repeat R] [--keep]

It creates its own database (BENCH_DATABASE_URL, default `marketer_bonus_run_page_bench` on
the local server; dropped at the end unless --keep), migrates it, seeds the demo company
plus N − 39 marketers in bulk (`tests.payroll.worker.add_marketers`), calculates November in
this process through the payroll's own chunks (`payroll_chunk_compute`, real traces and
warnings), approves an October run whose totals differ from November's by −30 … +30 % (every
50th employee has no October payout and a paid September one instead; every 199th none at
all), runs ANALYZE, then asks for the run page through Django's test client as an HR user,
DEBUG off, and prints per page of 50 rows: the median and worst milliseconds of R requests
and the number of queries (counted on a separate request, so counting costs no time); then
what a recalculation adds to its split: keeping the replaced payouts as `PreviousPayout`s.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.payroll import drop_database  # noqa: E402

SEEDED = 39  # employees of seed_demo() in 2026-11
LIMIT_MS = 300


def arguments(doc: str, *, employees: int, repeat: int) -> argparse.ArgumentParser:
    """The options every page bench takes (the first paragraph of its docstring as help)."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=employees)
    parser.add_argument("--repeat", type=int, default=repeat, help="timed requests per case")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    return parser


def checked(parser: argparse.ArgumentParser) -> argparse.Namespace:
    args = parser.parse_args()
    if args.employees < SEEDED:
        parser.error(f"--employees must be at least {SEEDED}")
    return args


def parse_args() -> argparse.Namespace:
    return checked(arguments(__doc__, employees=10_000, repeat=7))


def start_django(name: str) -> str:
    """A new database for the bench `name` (BENCH_DATABASE_URL, default
    `marketer_bonus_<name>_bench` on the local server), the production settings with DEBUG
    off, Django set up and migrated; the database's URL."""
    database = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/marketer_bonus_{name}_bench")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings", DATABASE_URL=database, CELERY_TASK_ALWAYS_EAGER="true",
        LOG_LEVEL="WARNING", DJANGO_DEBUG="false", DJANGO_SECRET_KEY="bench-" + "x" * 60,
    )  # fmt: skip
    drop_database(database, create=True)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # the pages' static files by name: no collectstatic manifest is needed to render them
    settings.WHITENOISE_AUTOREFRESH = True
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", verbosity=0)
    return database


def calculate_november(company):
    """November's run calculated in this process, chunk by chunk, as the workers do it."""
    from payroll.models import PayrollRun, RunStatus
    from payroll.services import payroll_chunk_compute, payroll_run_finalize, payroll_run_split

    run = PayrollRun.objects.create(company=company, period="2026-11", calculation=1, chunk_size=500)
    for chunk in payroll_run_split(run_id=run.pk, calculation=1):
        payroll_chunk_compute(run_id=run.pk, calculation=1, chunk=chunk)
    payroll_run_finalize(run_id=run.pk, calculation=1)
    run.refresh_from_db()
    assert run.status == RunStatus.CALCULATED, run.status
    return run


def earlier_runs(company, november) -> None:
    """An approved October and a paid September, written in SQL from November's payouts."""
    from django.db import connection

    from payroll.models import Payout, PayrollRun, RunStatus

    # Written while calculated, then closed: the books' triggers refuse payouts in a closed run.
    october = PayrollRun.objects.create(company=company, period="2026-10", status=RunStatus.CALCULATED)
    september = PayrollRun.objects.create(company=company, period="2026-09", status=RunStatus.CALCULATED)
    table = Payout._meta.db_table
    columns = "run_id, employee_id, chunk, fixed, bonus, adjustments, total, coefficients, score, warnings, trace, calculated_at"
    with connection.cursor() as cursor:
        for run, condition in (
            (october, "mod(employee_id, 50) <> 0 AND mod(employee_id, 199) <> 0"),
            (september, "mod(employee_id, 50) = 0"),
        ):
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT %s, employee_id, chunk, fixed, bonus, adjustments,"
                f" round(total * (0.7 + mod(employee_id, 61) / 100.0), 2), coefficients, score, '[]'::jsonb,"
                f" '{{}}'::jsonb, calculated_at FROM {table} WHERE run_id = %s AND {condition}",
                [run.pk, november.pk],
            )
    PayrollRun.objects.filter(pk=october.pk).update(status=RunStatus.APPROVED)
    PayrollRun.objects.filter(pk=september.pk).update(status=RunStatus.PAID)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum leaves a table after a bulk insert (PostgreSQL ≥ 13)


def counting(queries: list[str]):
    """An execute wrapper that notes each statement (Django's query log is reset per request)."""

    def wrapper(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    return wrapper


def hr_client():
    from django.contrib.auth.models import User
    from django.test import Client

    from organizations.models import CompanyMembership

    user = User.objects.get(username="hr")
    assert CompanyMembership.objects.filter(user=user).exists()
    client = Client()
    client.force_login(user)
    return client


def versions() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, PostgreSQL {postgres}"


def main() -> None:
    args = parse_args()
    database = start_django("run_page")
    from django.db import connection
    from django.urls import reverse

    from payroll.models import Payout

    try:
        started = time.perf_counter()
        from tests.payroll.worker import demo_company_with

        company = demo_company_with(args.employees - SEEDED)
        november = calculate_november(company)
        earlier_runs(company, november)
        print(f"machine: {versions()}")
        print(
            f"data: {november.payouts.count():,} payouts in November ({november.warnings_count:,} with warnings), "
            f"{Payout.objects.exclude(run=november).count():,} earlier; set up in {time.perf_counter() - started:.1f} s"
        )

        client = hr_client()
        url = reverse("portal:run", args=[november.pk])
        pages = -(-november.payouts.count() // 50)
        cases = [
            ("first page", {}),
            ("middle page", {"page": pages // 2}),
            ("last page", {"page": pages}),
            ("sorted by change, first page", {"sort": "-change"}),
            ("sorted by change, middle page", {"sort": "change", "page": pages // 2}),
            ("sorted by change, last page", {"sort": "change", "page": pages}),
            ("sorted by name, middle page", {"sort": "name", "page": pages // 2}),
            ("filtered: only with warnings", {"warnings": "1"}),
            ("filtered: one scheme, sorted by bonus", {"scheme": "Stage scorecard", "sort": "-bonus"}),
            ("filtered: name search, page 2", {"q": "marketer 1", "page": 2}),
        ]
        client.get(url, secure=True)  # the first request: connections, templates, translations
        print(
            f"run page, 50 rows a page ({pages} pages), {args.repeat} requests each; load average {os.getloadavg()[0]:.1f}:"
        )
        counts, worst_median = set(), 0.0
        for label, params in cases:
            queries: list[str] = []
            with connection.execute_wrapper(counting(queries)):
                response = client.get(url, params, secure=True)
            assert response.status_code == 200, response.status_code
            rows = response.content.decode().count("<tr data-payout=")
            times, cpu = [], []
            for _ in range(args.repeat):
                begun, begun_cpu = time.perf_counter(), time.process_time()
                client.get(url, params, secure=True)
                times.append((time.perf_counter() - begun) * 1000)
                cpu.append((time.process_time() - begun_cpu) * 1000)
            median = statistics.median(times)
            worst_median = max(worst_median, median)
            counts.add(len(queries))
            print(
                f"  {label:40} {median:6.0f} ms median, {max(times):6.0f} ms worst ({statistics.median(cpu):4.0f} ms CPU here),"
                f" {len(queries)} queries, {rows} rows"
            )
        print(
            f"load average after: {os.getloadavg()[0]:.1f} (on {os.cpu_count()} CPUs; other work on the host slows every figure)"
        )
        print(f"query count per page: {'constant' if len(counts) == 1 else '!! varies: ' + str(sorted(counts))}")
        # Not a page of the review: the button that reads every payout's trace for the digest.
        times = []
        for _ in range(args.repeat):
            begun = time.perf_counter()
            verified = client.get(url, {"verify": "books"}, secure=True)
            times.append((time.perf_counter() - begun) * 1000)
        assert b'data-testid="books-checked"' in verified.content
        print(f"  {'first page, every payout verified (digest)':40} {statistics.median(times):6.0f} ms median (asked for, not paging)")
        from django.db import transaction

        from payroll.review import previous_payouts_keep

        with transaction.atomic():
            begun = time.perf_counter()
            kept = previous_payouts_keep(november)
            seconds = time.perf_counter() - begun
            transaction.set_rollback(True)
        print(f"a recalculation's split keeps the previous calculation: {kept:,} PreviousPayouts in {seconds:.2f} s")
        print(
            f"slowest median: {worst_median:.0f} ms ({'under' if worst_median < LIMIT_MS else '!! over'} {LIMIT_MS} ms)"
        )
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(database)


if __name__ == "__main__":
    main()
