"""Times HR's plans grid (issue 14, item 6: 500 people × 7 KPIs under 1 s) on PostgreSQL.

Run from the repository root:

    .venv/bin/python bench/plans_grid.py [--employees N] [--repeat R] [--keep]

It creates its own database (BENCH_DATABASE_URL, default `marketer_bonus_plans_grid_bench`
on the local server; dropped at the end unless --keep), migrates it, seeds the demo company
plus N − 39 marketers in bulk (`tests.payroll.worker.add_marketers`), gives every one of them
a plan for each of the 7 KPIs the company's schemes read in November (with history, as the
services write them), runs ANALYZE, then asks through Django's test client as the HR user,
DEBUG off, for the plans grid, the actuals grid and the plans grid with N/2 people, and
prints the median and worst milliseconds of R requests and the number of queries (counted on
a separate request). Then the save of the whole grid (every cell posted, two changed) and a
copy of November's plans into December (rolled back).
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

from bench.run_page import arguments, checked, counting, drop_database, hr_client, start_django, versions  # noqa: E402

SEEDED = 39  # employees of seed_demo() in 2026-11
LIMIT_MS = 1000
NOVEMBER = "2026-11"


def parse_args() -> argparse.Namespace:
    return checked(arguments(__doc__, employees=500, repeat=9))


def fill_every_cell(company) -> tuple[int, int]:
    """A November plan for every employee of the month and every KPI of the grid: (people, KPIs)."""
    from decimal import Decimal

    from simple_history.utils import bulk_create_with_history

    from compensation.selectors import employees_in_period, kpis_in_use
    from engine import Period
    from kpis.models import Plan

    period = Period.parse(NOVEMBER)
    people = list(employees_in_period(company=company, period=period).values_list("pk", flat=True))
    kpis = kpis_in_use(company=company, period=period)
    have = set(Plan.objects.filter(employee_id__in=people, period=NOVEMBER).values_list("employee_id", "kpi_id"))
    missing = [
        Plan(employee_id=person, period=NOVEMBER, kpi_id=kpi.pk, value=Decimal(100 + (person * 7 + kpi.pk) % 400))
        for person in people
        for kpi in kpis
        if (person, kpi.pk) not in have
    ]
    bulk_create_with_history(missing, Plan, batch_size=2000)
    return len(people), len(kpis)


def grid_form(html: str) -> dict[str, str]:
    """Every cell of the page's grid form, as the browser would post it."""
    import re
    from html import unescape

    cells = dict(re.findall(r'name="(v-\d+-\d+)" id="[^"]*" value="([^"]*)"', html))
    return {name: unescape(value) for name, value in cells.items()}


def timed(client, method: str, url: str, data, repeat: int, vary=None) -> tuple[float, float, int]:
    """(median ms, worst ms, queries of one more request)."""
    from django.db import connection

    times = []
    for index in range(repeat):
        payload = vary(index) if vary else data
        begun = time.perf_counter()
        response = getattr(client, method)(url, payload, secure=True)
        times.append((time.perf_counter() - begun) * 1000)
        assert response.status_code in (200, 302), response.status_code
    queries: list[str] = []
    with connection.execute_wrapper(counting(queries)):
        getattr(client, method)(url, vary(repeat) if vary else data, secure=True)
    return statistics.median(times), max(times), len(queries)


def main() -> None:
    args = parse_args()
    database = start_django("plans_grid")
    from django.db import connection, transaction
    from django.urls import reverse

    try:
        started = time.perf_counter()
        from tests.payroll.worker import demo_company_with

        company = demo_company_with(args.employees - SEEDED)
        people, kpis = fill_every_cell(company)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"machine: {versions()}")
        print(f"data: {people} people × {kpis} KPIs in {NOVEMBER}; set up in {time.perf_counter() - started:.1f} s")

        client = hr_client()
        plans, actuals = reverse("portal:plans"), reverse("portal:actuals")
        first = client.get(plans, {"period": NOVEMBER}, secure=True)  # connections, templates, translations
        form = grid_form(first.content.decode())
        assert len(form) == people * kpis, (len(form), people * kpis)
        print(f"{args.repeat} requests each; load average {os.getloadavg()[0]:.1f}:")
        worst_median, counts = 0.0, {}
        for label, url in (("plans grid", plans), ("actuals grid", actuals)):
            median, worst, queries = timed(client, "get", url, {"period": NOVEMBER}, args.repeat)
            worst_median = max(worst_median, median) if url == plans else worst_median
            counts[label] = queries
            cells = len(grid_form(client.get(url, {"period": NOVEMBER}, secure=True).content.decode()))
            print(f"  {label:44} {median:6.0f} ms median, {worst:6.0f} ms worst, {queries} queries, {cells:,} cells")

        # the same page with half the people: the query count must not move
        from organizations.models import Employee

        with transaction.atomic():
            half = list(Employee.objects.filter(company=company).order_by("pk").values_list("pk", flat=True))[people // 2 :]
            Employee.objects.filter(pk__in=half).update(hire_date="2024-01-01", termination_date="2026-10-31")
            _, _, fewer = timed(client, "get", plans, {"period": NOVEMBER}, 1)
            transaction.set_rollback(True)
        print(f"  {'plans grid, half the people':44} {fewer} queries")
        print(f"query count: {'constant' if fewer == counts['plans grid'] else '!! varies: ' + str((fewer, counts))}")

        names = sorted(form)[:2]

        def changed(index: int) -> dict[str, str]:
            return {**form, "period": NOVEMBER, **{name: f"{300 + index},5" for name in names}}

        median, worst, queries = timed(client, "post", plans, None, args.repeat, vary=changed)
        print(f"  {'save the whole grid, 2 cells changed':44} {median:6.0f} ms median, {worst:6.0f} ms worst, {queries} queries")

        from kpis.services import plans_copy_from_previous

        with transaction.atomic():
            begun = time.perf_counter()
            copied = plans_copy_from_previous(company=company, period="2026-12")
            seconds = time.perf_counter() - begun
            transaction.set_rollback(True)
        print(f"copy November's plans into December: {copied.copied:,} plans in {seconds * 1000:.0f} ms")
        print(f"load average after: {os.getloadavg()[0]:.1f} (on {os.cpu_count()} CPUs)")
        print(f"plans grid median: {worst_median:.0f} ms ({'under' if worst_median < LIMIT_MS else '!! over'} {LIMIT_MS} ms)")
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(database)


if __name__ == "__main__":
    main()
