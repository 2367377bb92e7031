"""Times the events' ingest (issue 15 §7): 1,000,000 lead and spend events for 10,000
marketers in one month, then the month's re-aggregation, on PostgreSQL.

Run from the repository root:

    .venv/bin/python bench/ingest.py [--employees N] [--leads L] [--spend-days D] [--keep]

It creates its own database (BENCH_DATABASE_URL, default `marketer_bonus_ingest_bench` on the
local server; dropped at the end unless --keep), migrates it, adds a company with N
marketers and the demo's attribution rules (spend by the campaign name's prefix, leads by
utm_campaign's), builds L leads (every 10th closed as lost, amoCRM's 143) and N × D days of
spend as a connector returns them (`events.schema.EventIn`, built before the clock starts),
then times:

1. `events_ingest` of all of them in one call: validate, attribute, COPY into the events
   table, recompute the 2 × N measure values of December (created, with history);
2. the same batch again: every event unchanged, nothing written;
3. `month_reaggregate` of December from its events, after the event-fed values were
   deleted (2 × N values written), and once more with nothing to change.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--leads", type=int, default=800_000)
    parser.add_argument("--spend-days", type=int, default=20, help="days of spend per marketer (one campaign each)")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    return parser.parse_args()


def drop_database(url: str, *, create: bool = False) -> None:
    import psycopg

    server, name = url.replace("postgres://", "postgresql://", 1).rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            connection.execute(f'CREATE DATABASE "{name}"')


def build_events(employees: int, leads: int, spend_days: int):
    from events.schema import EventIn

    rng = random.Random(15)
    found = []
    for index in range(leads):
        number = f"B-{rng.randrange(employees):05d}"
        found.append(
            EventIn(
                source="amocrm", external_id=f"L{index}", kind="lead", occurred_at=date(2026, 12, 1 + index % 28),
                status="143" if index % 10 == 0 else "142", utm={"source": "yandex", "campaign": f"{number}_brand"},
                responsible_user=str(1000 + index % 50),
            )
        )
    for employee in range(employees):
        for day in range(1, spend_days + 1):
            found.append(
                EventIn(
                    source="amocrm", external_id=f"S{employee}:{day}", kind="spend", occurred_at=date(2026, 12, day),
                    amount=Decimal(rng.randrange(10_000, 500_000)) / 100, currency="RUB", campaign_id=str(employee),
                    campaign_name=f"B-{employee:05d} | Поиск | Москва",
                )
            )
    return found


def main() -> None:
    args = parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/marketer_bonus_ingest_bench")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-" + "x" * 50)
    drop_database(url, create=True)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        from events.models import AttributionRule, Event, EventSettings
        from events.schema import Parsed
        from events.services import events_ingest, month_reaggregate
        from kpis.models import MeasureValue
        from organizations.models import Company, Employee

        company = Company.objects.create(name="Bench", slug="bench", currency="RUB")
        Employee.objects.bulk_create(
            [Employee(company=company, personnel_number=f"B-{n:05d}", full_name=f"Marketer {n}", position="Marketer", hire_date=date(2025, 1, 1)) for n in range(args.employees)],
            batch_size=5000,
        )
        EventSettings.objects.create(company=company)
        AttributionRule.objects.create(company=company, priority=10, kind="spend", assign="number_prefix", number_from="campaign_name")
        AttributionRule.objects.create(company=company, priority=20, kind="lead", assign="number_prefix", number_from="utm_campaign")
        started = time.perf_counter()
        events = build_events(args.employees, args.leads, args.spend_days)
        print(f"built {len(events):,} events in {time.perf_counter() - started:.1f} s (not timed)")

        started = time.perf_counter()
        result = events_ingest(company=company, source="amocrm", parsed=Parsed(events=events))
        ingest = time.perf_counter() - started
        assert result.ok, result.problems[:5]
        print(
            f"1. ingest: {ingest:.1f} s for {result.received:,} events ({result.received / ingest:,.0f}/s): "
            f"{result.created:,} new, {result.unattributed:,} unattributed, {result.values_written:,} measure values written"
        )
        print("   by phase: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in result.seconds.items()))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        started = time.perf_counter()
        again = events_ingest(company=company, source="amocrm", parsed=Parsed(events=events))
        print(f"2. the same again: {time.perf_counter() - started:.1f} s, {again.unchanged:,} unchanged, {again.values_written} values written")
        print("   by phase: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in again.seconds.items()))

        MeasureValue.objects.filter(employee__company=company, period="2026-12").delete()
        started = time.perf_counter()
        month = month_reaggregate(company=company, period="2026-12")
        first = time.perf_counter() - started
        started = time.perf_counter()
        month_reaggregate(company=company, period="2026-12")
        second = time.perf_counter() - started
        print(f"3. re-aggregate 2026-12 for {args.employees:,} marketers: {first:.1f} s ({month.values_written:,} values written); with nothing to change {second:.1f} s")
        assert Event.objects.filter(company=company).count() == len(events)
        print(
            f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"PostgreSQL {connection.cursor().connection.info.server_version}; targets: ingest ≤ 60 s, re-aggregate ≤ 10 s"
        )
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(url)


if __name__ == "__main__":
    main()
