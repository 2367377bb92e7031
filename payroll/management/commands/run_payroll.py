"""`run_payroll --company SLUG --period YYYY-MM [--wait] [--json]`."""

import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from organizations.management.arguments import company_argument, period_argument
from payroll.models import RunStatus
from payroll.selectors import payroll_run_summary
from payroll.services import payroll_run_start

WAITING = (RunStatus.QUEUED, RunStatus.CALCULATING)


class Command(BaseCommand):
    help = "Start (or find) the payroll run of a company and period; optionally wait for it."

    def add_arguments(self, parser):
        parser.add_argument("--company", required=True, help="company slug")
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument("--chunk-size", type=int, help="employees per task (default: settings)")
        parser.add_argument("--wait", action="store_true", help="wait until the run is calculated or failed")
        parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait at most")
        parser.add_argument("--json", action="store_true", help="print the run as JSON")

    def handle(self, *args, **options):
        period = period_argument(options["period"])
        company = company_argument(options["company"])
        run, created = payroll_run_start(company=company, period=period, chunk_size=options["chunk_size"])
        if not options["json"]:
            self.stdout.write(f"{'Started' if created else 'Found'} run {run.pk}: {company.slug} {run.period}, {run.status}")
        if options["wait"]:
            run = self._wait(run, options["timeout"], show_progress=not options["json"] and sys.stdout.isatty())
        if options["json"]:
            self.stdout.write(json.dumps(payroll_run_summary(run), indent=2))
        else:
            summary = payroll_run_summary(run)
            self.stdout.write(
                f"Run {run.pk} {run.status}: {summary['employees']} employees, fixed {summary['fixed']}, "
                f"bonus {summary['bonus']}, adjustments {summary['adjustments']}, total {summary['total']}"
            )
        if run.status == RunStatus.FAILED:
            raise CommandError(f"the run failed: {run.error}")

    def _wait(self, run, timeout: float, *, show_progress: bool):
        from tqdm import tqdm

        deadline = time.monotonic() + timeout
        bar = tqdm(total=run.employees_total or None, unit="employee", disable=not show_progress)
        while run.status in WAITING:
            if time.monotonic() > deadline:
                bar.close()
                raise CommandError(f"the run is still {run.status} after {timeout:g} s")
            time.sleep(0.2)
            run.refresh_from_db()
            bar.total = run.employees_total
            bar.n = run.employees_done
            bar.refresh()
        bar.close()
        return run
