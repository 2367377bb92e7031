"""`export_payroll --company SLUG --period YYYY-MM --out FILE.xlsx`."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from organizations.management.arguments import company_argument, period_argument
from payroll.excel.services import payroll_sheet_write
from payroll.models import ENDED_WITHOUT_RESULT, READY, PayrollRun


class Command(BaseCommand):
    help = "Write the payroll sheet of a company's live run for a period into an .xlsx file."

    def add_arguments(self, parser):
        parser.add_argument("--company", required=True, help="company slug")
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument("--out", required=True, help="the .xlsx file to write")

    def handle(self, *args, **options):
        period = period_argument(options["period"])
        slug = options["company"]
        company = company_argument(slug)
        run = (
            PayrollRun.objects.select_related("company")
            .exclude(status__in=ENDED_WITHOUT_RESULT)
            .filter(company=company, period=str(period))
            .first()
        )
        if run is None:
            raise CommandError(
                f"{slug} has no payroll run for {period}; start one with "
                f"`manage.py run_payroll --company {slug} --period {period} --wait`"
            )
        if run.status not in READY:
            raise CommandError(f"the {period} run of {slug} is {run.status}; export it once it is calculated")
        out = Path(options["out"])
        partial = out.with_name(out.name + ".part")
        try:
            with partial.open("w+b") as target:
                summary = payroll_sheet_write(run=run, target=target)
            os.replace(partial, out)
        except OSError as error:
            raise CommandError(f"cannot write {out}: {error}") from error
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(f"Wrote {summary.rows} payouts of {slug} {period} (run {run.pk}, {run.status}) to {out}")
