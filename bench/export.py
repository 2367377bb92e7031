"""Times the Excel output (issue 4): the payroll sheet of a large run, and payslips.

Run from the repository root:

    .venv/bin/python bench/export.py [--payouts 100000] [--payslips 3000] [--keep]

It creates its own database (`marketer_bonus_bench_export` on BENCH_DATABASE_URL's server,
default postgres://postgres@127.0.0.1:5432; dropped at the end unless --keep), migrates
it, calculates the demo company's November run with the engine, then writes a company
with N employees and one calculated run of N payouts whose traces are copies of the demo's
(examples A and B, amounts varied). Each measurement runs in a fresh process, so its peak
memory is its own:

- read: the sheet's rows from PostgreSQL (`payroll_sheet_rows`), nothing written;
- sheet: `payroll_sheet_build` (read, write, store under MEDIA_ROOT): wall time and the
  process's peak RSS (VmHWM; it includes Python and Django, printed apart as the peak
  before the build);
- sheet, traced: the same build under tracemalloc, for the peak of Python allocations made
  during the build (tracing slows it, so its time is not the figure);
- writer: `write_payroll_sheet` (the same function the service calls) over N rows made in
  memory: the writer's own time;
- payslips: `payslip_sources` + `payslip_xlsx` for the first P payouts of the run (read and
  render), and rendering alone from sources already in memory;
- openpyxl baseline: openpyxl's write-only mode (`Workbook(write_only=True)`, WriteOnlyCell
  for the styled cells) for 10,000 rows of the same shape, extrapolated to N: why the
  workbooks are written by XlsxWriter, not openpyxl.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import secrets
import subprocess
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE = "marketer_bonus_bench_export"
SERVER = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
POSITIONS = ["Marketer", "Senior marketer", "Performance marketer", "Content marketer", "SMM specialist"]
BASELINE_ROWS = 10_000


def database_url() -> str:
    return f"{SERVER}/{DATABASE}"


def admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER.replace('postgres://', 'postgresql://', 1)}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def django_setup(media: str) -> None:
    os.environ["DATABASE_URL"] = database_url()
    os.environ["MEDIA_ROOT"] = media
    os.environ["CELERY_BROKER_URL"] = ""
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    # Production settings (DEBUG off) want a secret key; one made up for the bench will do.
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def max_rss_mb() -> float:
    """This process's peak resident memory: VmHWM, which starts afresh at exec. (ru_maxrss
    would not do: on Linux a child started by fork + exec inherits the parent's, and the
    parent holds the generated data.)"""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- data ----------------------------------------------------------------------------------


def generate(payouts: int) -> int:
    """The demo run (for real traces), then a company with `payouts` employees and a
    calculated run of their payouts. Returns the big run's id."""
    from django.core.management import call_command

    from compensation.demo import seed_demo
    from engine import Period
    from organizations.models import Company, Employee
    from payroll.models import Payout, PayrollRun, RunStatus
    from payroll.services import payroll_run_start

    call_command("migrate", verbosity=0)
    demo = seed_demo()
    demo_run, _ = payroll_run_start(company=demo, period=Period.parse("2026-11"))
    demo_run.refresh_from_db()
    assert demo_run.status == RunStatus.CALCULATED, demo_run.status
    models = [demo_run.payouts.get(employee__personnel_number=number) for number in ("DEMO-A", "DEMO-B")]

    company = Company.objects.create(name="Bench Marketing LLC", slug="bench", currency="RUB", language="ru")
    Employee.objects.bulk_create(
        [
            Employee(
                company=company,
                personnel_number=f"E-{n:06d}",
                full_name=f"Marketer Number {n}",
                position=POSITIONS[n % len(POSITIONS)],
                hire_date="2024-01-01",
            )
            for n in range(payouts)
        ],
        batch_size=5000,
    )
    run = PayrollRun.objects.create(
        company=company, period="2026-11", status=RunStatus.CALCULATED, employees_total=payouts, employees_done=payouts
    )
    ids = list(Employee.objects.filter(company=company).order_by("personnel_number").values_list("pk", flat=True))
    batch = []
    for n, employee_id in enumerate(ids):
        model = models[n % 2]
        fixed = Decimal(30000 + (n % 50) * 1000)
        bonus = (fixed * Decimal("0.5")).quantize(Decimal("0.01"))
        batch.append(
            Payout(
                run=run,
                employee_id=employee_id,
                chunk=n // 500,
                fixed=fixed,
                bonus=bonus,
                adjustments=Decimal(0),
                total=fixed + bonus,
                coefficients=model.coefficients,
                score=model.score,
                warnings=model.warnings,
                trace=model.trace,
            )
        )
        if len(batch) == 5000:
            Payout.objects.bulk_create(batch)
            batch.clear()
    Payout.objects.bulk_create(batch)
    return run.pk


# --- steps (each in a fresh process) ---------------------------------------------------------


def step_read(run_id: int) -> dict:
    from payroll.excel.selectors import payroll_sheet_rows
    from payroll.models import PayrollRun

    run = PayrollRun.objects.select_related("company").get(pk=run_id)
    before = max_rss_mb()
    start = time.perf_counter()
    count = sum(1 for _ in payroll_sheet_rows(run))
    return {"rows": count, "seconds": time.perf_counter() - start, "rss_before_mb": before, "max_rss_mb": max_rss_mb()}


def step_sheet(run_id: int, traced: bool) -> dict:
    from payroll.excel.services import payroll_sheet_build
    from payroll.models import PayrollRun

    run = PayrollRun.objects.select_related("company").get(pk=run_id)
    before = max_rss_mb()
    if traced:
        tracemalloc.start()
    start = time.perf_counter()
    built = payroll_sheet_build(run=run)
    seconds = time.perf_counter() - start
    result = {"seconds": seconds, "rss_before_mb": before, "max_rss_mb": max_rss_mb(), "bytes": built.sheet.size}
    if traced:
        result["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return result


def _rows(count: int):
    ks = (["1.0000", "0.5000"], ["0.8000"])
    for n in range(count):
        fixed = Decimal(30000 + (n % 50) * 1000)
        bonus = fixed / 2
        yield (
            f"E-{n:06d}",
            f"Marketer Number {n}",
            POSITIONS[n % len(POSITIONS)],
            fixed,
            bonus,
            Decimal("0.00"),
            fixed + bonus,
            ks[n % 2],
            None if n % 2 == 0 else Decimal("101.00"),
        )


def step_writer(count: int) -> dict:
    from payroll.excel.sheet import SheetHeading, write_payroll_sheet

    heading = SheetHeading(company="Bench Marketing LLC", currency="RUB", language="ru", period="2026-11")
    before = max_rss_mb()
    with tempfile.TemporaryFile() as target:
        start = time.perf_counter()
        write_payroll_sheet(target, heading, _rows(count))
        seconds = time.perf_counter() - start
    return {"rows": count, "seconds": seconds, "rss_before_mb": before, "max_rss_mb": max_rss_mb()}


def step_payslips(run_id: int, count: int) -> dict:
    from itertools import islice

    from payroll.excel.payslip import payslip_xlsx
    from payroll.excel.selectors import payslip_sources
    from payroll.models import PayrollRun

    run = PayrollRun.objects.select_related("company").get(pk=run_id)
    start = time.perf_counter()
    size = 0
    for _, source in islice(payslip_sources(run), count):
        size += len(payslip_xlsx(source))
    with_read = time.perf_counter() - start
    sources = [source for _, source in islice(payslip_sources(run), count)]
    start = time.perf_counter()
    for source in sources:
        payslip_xlsx(source)
    render_only = time.perf_counter() - start
    return {
        "payslips": count,
        "per_second_with_read": count / with_read,
        "per_second_render_only": count / render_only,
        "average_bytes": size / count,
        "max_rss_mb": max_rss_mb(),
    }


def step_openpyxl_baseline(count: int) -> dict:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Payroll")
    sheet.freeze_panes = "C2"
    money = '#,##0.00 "RUB"'
    start = time.perf_counter()
    sheet.append(
        ["number", "name", "position", "fixed", "bonus", "adjustments", "total", "currency", "score", "k1", "k2"]
    )
    for number, name, position, *amounts, ks, score in _rows(count):
        cells = []
        for value, number_format in (*((a, money) for a in amounts), (score, "0.00%")):
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = number_format
            cells.append(cell)
        for k in ks:
            cell = WriteOnlyCell(sheet, value=Decimal(k))
            cell.number_format = "0.0000"
            cells.append(cell)
        sheet.append([number, name, position, *cells[:4], "RUB", *cells[4:]])
    with tempfile.TemporaryFile() as target:
        workbook.save(target)
    return {"rows": count, "seconds": time.perf_counter() - start, "max_rss_mb": max_rss_mb()}


def child(args: argparse.Namespace) -> None:
    django_setup(args.media)
    step = args.step
    if step == "read":
        result = step_read(args.run)
    elif step in ("sheet", "sheet-traced"):
        result = step_sheet(args.run, traced=step == "sheet-traced")
    elif step == "writer":
        result = step_writer(args.payouts)
    elif step == "payslips":
        result = step_payslips(args.run, args.payslips)
    else:
        result = step_openpyxl_baseline(BASELINE_ROWS)
    print(json.dumps(result))


def run_step(step: str, args: argparse.Namespace, run_id: int, media: str) -> dict:
    command = [sys.executable, __file__, "--step", step, "--run", str(run_id), "--media", media]
    command += ["--payouts", str(args.payouts), "--payslips", str(args.payslips)]
    done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor() or "unknown CPU",
    )
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payouts", type=int, default=100_000)
    parser.add_argument("--payslips", type=int, default=3000)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--run", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--media", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        child(args)
        return

    print(f"machine: {machine()}")
    admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{DATABASE}"')
    try:
        with tempfile.TemporaryDirectory() as media:
            django_setup(media)
            start = time.perf_counter()
            run_id = generate(args.payouts)
            print(f"generated {args.payouts:,} payouts in {time.perf_counter() - start:.1f} s")
            results = {
                step: run_step(step, args, run_id, media)
                for step in ("read", "sheet", "sheet-traced", "writer", "payslips", "openpyxl")
            }
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    report(args, results)


def report(args: argparse.Namespace, results: dict) -> None:
    read, sheet, traced = results["read"], results["sheet"], results["sheet-traced"]
    writer, payslips, baseline = results["writer"], results["payslips"], results["openpyxl"]
    n = args.payouts
    print(f"read {read['rows']:,} rows from PostgreSQL: {read['seconds']:.2f} s (peak RSS {read['max_rss_mb']:.0f} MB)")
    print(
        f"payroll sheet, {n:,} payouts (payroll_sheet_build: read + write + store): {sheet['seconds']:.2f} s, "
        f"{sheet['bytes'] / 2**20:.1f} MB file; peak RSS {sheet['max_rss_mb']:.0f} MB "
        f"(process before the build {sheet['rss_before_mb']:.0f} MB); "
        f"tracemalloc peak during the build {traced['tracemalloc_peak_mb']:.1f} MB"
    )
    print(f"writer alone (write_payroll_sheet, {n:,} rows from memory): {writer['seconds']:.2f} s")
    print(
        f"payslips: {payslips['per_second_with_read']:.0f}/s with reading from PostgreSQL, "
        f"{payslips['per_second_render_only']:.0f}/s rendering alone ({payslips['payslips']:,} payslips, "
        f"{payslips['average_bytes'] / 1024:.1f} KB each)"
    )
    per_row = baseline["seconds"] / baseline["rows"]
    print(
        f"openpyxl write-only baseline: {baseline['rows']:,} rows in {baseline['seconds']:.2f} s "
        f"→ ~{per_row * n:.0f} s for {n:,}"
    )
    verdict = sheet["seconds"] <= 20 and sheet["max_rss_mb"] <= 300 and payslips["per_second_with_read"] >= 300
    print(f"targets (≤ 20 s, ≤ 300 MB, ≥ 300 payslips/s): {'met' if verdict else 'NOT met'}")


if __name__ == "__main__":
    main()
