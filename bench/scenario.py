"""Times a scenario (issue 14, item 6): 1,000 employees × 6 approved months, priced again with a
draft change. Target: under 5 s.

Run from the repository root:

    .venv/bin/python bench/scenario.py [--employees N] [--months M] [--repeat R] [--keep]

It creates its own database (BENCH_DATABASE_URL, default `marketer_bonus_scenario_bench` on
the local server; dropped at the end unless --keep), migrates it, seeds the demo company plus
N − 39 marketers in bulk (`tests.payroll.worker.add_marketers`: November's plans and
measures), copies November's plans and measure values into the M − 1 months before it (the
measures scaled by 0.8 … 1.19 per employee and month, so the months differ), calculates each
month in this process through the payroll's own chunks and approves it, runs ANALYZE, then
times `payroll.scenarios.scenario_compute` (R times, median and worst) for three drafts —
everyone on the leads × CPL scheme moved to the scorecard; everyone on their own scheme with
the seeds' band table changed; everyone on the scorecard — and the Scenarios page answering
the first through Django's test client as an HR user (DEBUG off). Prints seconds and engine
payouts per second.
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

from bench.run_page import SEEDED, arguments, checked, drop_database, hr_client, start_django, versions  # noqa: E402

LIMIT_S = 5.0


def parse_args() -> argparse.Namespace:
    parser = arguments(__doc__, employees=1_000, repeat=5)
    parser.add_argument("--months", type=int, default=6)
    args = checked(parser)
    if not 1 <= args.months <= 12:
        parser.error("--months must be 1 to 12")
    return args


def earlier_months(periods: list[str]) -> None:
    """November's plans and measure values copied into `periods` (those the seeds have kept)."""
    from django.db import connection

    from kpis.models import MeasureValue, Plan

    with connection.cursor() as cursor:
        for index, period in enumerate(periods, start=1):
            cursor.execute(
                f"INSERT INTO {Plan._meta.db_table} (employee_id, period, kpi_id, value)"
                f" SELECT employee_id, %s, kpi_id, value FROM {Plan._meta.db_table} WHERE period = '2026-11'"
                " ON CONFLICT DO NOTHING",
                [period],
            )
            cursor.execute(
                f"INSERT INTO {MeasureValue._meta.db_table} (employee_id, period, measure_id, value)"
                f" SELECT employee_id, %s, measure_id, round(value * (0.8 + mod(employee_id * 7 + %s, 40) / 100.0), 2)"
                f" FROM {MeasureValue._meta.db_table} WHERE period = '2026-11' ON CONFLICT DO NOTHING",
                [period, index],
            )


def approved_run(company, period: str):
    """The month calculated in this process, chunk by chunk as the workers do it, then approved."""
    from payroll.models import PayrollRun, RunStatus
    from payroll.services import payroll_chunk_compute, payroll_run_finalize, payroll_run_split

    run = PayrollRun.objects.create(company=company, period=period, calculation=1, chunk_size=500)
    for chunk in payroll_run_split(run_id=run.pk, calculation=1):
        payroll_chunk_compute(run_id=run.pk, calculation=1, chunk=chunk)
    payroll_run_finalize(run_id=run.pk, calculation=1)
    PayrollRun.objects.filter(pk=run.pk, status=RunStatus.CALCULATED).update(status=RunStatus.APPROVED)
    run.refresh_from_db()
    assert run.status == RunStatus.APPROVED, run.status
    return run


def timed(repeat: int, work) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeat):
        begun = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - begun)
    return times, result


def main() -> None:
    args = parse_args()
    database = start_django("scenario")
    from django.db import connection
    from django.urls import reverse

    from compensation.models import BandTable, BonusScheme
    from engine import Period
    from payroll.models import Payout
    from payroll.scenarios import scenario_compute, scenario_parameters

    try:
        started = time.perf_counter()
        from tests.payroll.worker import demo_company_with

        company = demo_company_with(args.employees - SEEDED)
        months = [Period.parse("2026-11")]
        while len(months) < args.months:
            months.insert(0, months[0].previous)
        periods = [str(month) for month in months]
        earlier_months(periods[:-1])
        runs = [approved_run(company, period) for period in periods]
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        paid = Payout.objects.filter(run__in=runs).count()
        print(f"machine: {versions()}")
        print(
            f"data: {args.employees:,} employees, {len(runs)} approved months ({periods[0]} … {periods[-1]}),"
            f" {paid:,} approved payouts; set up in {time.perf_counter() - started:.1f} s"
        )
        leads_cpl = BonusScheme.objects.get(company=company, name="Leads × cost per lead")
        scorecard = BonusScheme.objects.get(company=company, name="Stage scorecard")
        seeds = BandTable.objects.get(company=company, name="Seed bands (0 / 80 / 100)")
        drafts = [
            ("leads × CPL → scorecard", {"scope": leads_cpl.pk, "scheme": scorecard.pk}),
            ("everyone, seeds' bands 0 / 80 → 0.8 / 100", {"band_table": seeds.pk, "band_rows": "0;0\n80;0,8\n100;1"}),
            ("everyone on the scorecard", {"scheme": scorecard.pk}),
        ]
        print(f"scenario over {args.months} months, {args.repeat} runs each; load average {os.getloadavg()[0]:.1f}:")
        worst = 0.0
        for label, typed in drafts:
            parameters = scenario_parameters(company=company, months=args.months, **typed)
            scenario_compute(company=company, parameters=parameters)  # the first: compiled configurations
            times, result = timed(args.repeat, lambda p=parameters: scenario_compute(company=company, parameters=p))
            median = statistics.median(times)
            worst = max(worst, median)
            payouts = result.total.payouts  # type: ignore[attr-defined]
            print(
                f"  {label:44} {median:5.2f} s median, {max(times):5.2f} s worst, {payouts:,} payouts"
                f" = {payouts / median:,.0f} payouts/s, difference {result.total.difference}"  # type: ignore[attr-defined]
            )
        client = hr_client()
        url = reverse("portal:scenarios")
        query = {"run": "1", "months": args.months, "scope": leads_cpl.pk, "scheme": scorecard.pk}
        client.get(url, query, secure=True)
        times, response = timed(args.repeat, lambda: client.get(url, query, secure=True))
        assert response.status_code == 200, response.status_code  # type: ignore[attr-defined]
        html = response.content.decode()  # type: ignore[attr-defined]
        people = html.count("<tr data-scenario-person=")
        assert people and 'data-testid="scenario-chart"' in html
        median = statistics.median(times)
        worst = max(worst, median)
        print(
            f"  {'the Scenarios page, first draft (HTML)':44} {median:5.2f} s median, {max(times):5.2f} s worst,"
            f" {people:,} people listed, {len(html) / 1024:,.0f} KiB"
        )
        print(f"load average after: {os.getloadavg()[0]:.1f} (on {os.cpu_count()} CPUs)")
        print(f"slowest median: {worst:.2f} s ({'under' if worst < LIMIT_S else '!! over'} {LIMIT_S:.0f} s)")
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(database)


if __name__ == "__main__":
    main()
