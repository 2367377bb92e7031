"""Times HR's KPI matrix page and its Excel export (issue 14, item 1) for a few hundred people
on PostgreSQL: November open (everyone's projection from one batch of inputs) and closed (the
approved payouts' traces).

Run from the repository root:

    .venv/bin/python bench/matrix_page.py [--employees N] [--repeat R] [--keep]

It creates its own database (BENCH_DATABASE_URL, default `marketer_bonus_matrix_bench` on the
local server; dropped at the end unless --keep), seeds the demo company plus N − 39 marketers
in bulk (`tests.payroll.worker.demo_company_with`), then asks for the page and the export
through Django's test client as an HR user, DEBUG off, and prints the median and worst
milliseconds of R requests and the queries of each (counted on a separate request); then the
same after November's run is calculated (in this process, as the workers do) and approved.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from run_page import (  # noqa: E402
    SEEDED,
    arguments,
    calculate_november,
    checked,
    counting,
    drop_database,
    hr_client,
    start_django,
    versions,
)

LIMIT_MS = 1000


def parse_args() -> argparse.Namespace:
    return checked(arguments(__doc__, employees=500, repeat=5))


def main() -> None:
    args = parse_args()
    database = start_django("matrix")
    from django.db import connection
    from django.urls import reverse

    from payroll.models import PayrollRun, RunStatus

    def measure(client, label: str, url: str, params: dict) -> float:
        def get():
            response = client.get(url, params, secure=True)
            if response.streaming:
                b"".join(response.streaming_content)
            assert response.status_code == 200, response.status_code
            return response

        queries: list[str] = []
        with connection.execute_wrapper(counting(queries)):
            get()
        times = []
        for _ in range(args.repeat):
            begun = time.perf_counter()
            get()
            times.append((time.perf_counter() - begun) * 1000)
        median = statistics.median(times)
        print(f"  {label:44} {median:6.0f} ms median, {max(times):6.0f} ms worst, {len(queries)} queries")
        return median

    try:
        started = time.perf_counter()
        from tests.payroll.worker import demo_company_with

        company = demo_company_with(args.employees - SEEDED)
        print(f"machine: {versions()}")
        print(f"data: {args.employees} employees; set up in {time.perf_counter() - started:.1f} s")
        client = hr_client()
        page, export = reverse("portal:kpi_matrix"), reverse("portal:kpi_matrix_export")
        client.get(page, {"period": "2026-11"}, secure=True)  # connections, templates, the configuration
        worst = 0.0
        print(f"November open (the projection); load average {os.getloadavg()[0]:.1f}:")
        for label, url, params in (
            ("page", page, {"period": "2026-11"}),
            ("page sorted by bonus", page, {"period": "2026-11", "sort": "-bonus"}),
            ("export (.xlsx)", export, {"period": "2026-11"}),
        ):
            worst = max(worst, measure(client, label, url, params))
        november = calculate_november(company)
        PayrollRun.objects.filter(pk=november.pk).update(status=RunStatus.APPROVED)
        print("November approved (the stored payouts):")
        for label, url, params in (
            ("page", page, {"period": "2026-11"}),
            ("page sorted by a KPI", page, {"period": "2026-11", "sort": "-kpi:leads"}),
            ("export (.xlsx)", export, {"period": "2026-11"}),
        ):
            worst = max(worst, measure(client, label, url, params))
        print(f"load average after: {os.getloadavg()[0]:.1f} (on {os.cpu_count()} CPUs)")
        print(f"slowest median: {worst:.0f} ms ({'under' if worst < LIMIT_MS else '!! over'} {LIMIT_MS} ms)")
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(database)


if __name__ == "__main__":
    main()
