"""`verify_payroll_books [--company SLUG] [--period YYYY-MM]`: check each calculated,
approved or paid run's payouts against the checksum recorded when it was calculated."""

from django.core.management.base import BaseCommand, CommandError

from organizations.management.arguments import company_argument, period_argument
from payroll.books import runs_books_problems
from payroll.models import READY, PayrollRun


class Command(BaseCommand):
    help = (
        "Verify the books of payroll runs: the payouts' count, sums and digest against what each run recorded "
        "when it was calculated. Exits non-zero when any run disagrees."
    )

    def add_arguments(self, parser):
        parser.add_argument("--company", help="company slug (default: every company)")
        parser.add_argument("--period", help="YYYY-MM (default: every period)")

    def handle(self, *args, **options):
        runs = PayrollRun.objects.select_related("company").filter(status__in=READY).order_by("company__slug", "period", "pk")
        if options["company"]:
            runs = runs.filter(company=company_argument(options["company"]))
        if options["period"]:
            runs = runs.filter(period=str(period_argument(options["period"])))
        checked = wrong = 0
        for run, problems in runs_books_problems(runs.iterator()):
            checked += 1
            name = f"run {run.pk} {run.company.slug} {run.period} ({run.status})"
            if problems:
                wrong += 1
                self.stderr.write(f"{name}: MISMATCH")
                for problem in problems:
                    self.stderr.write(f"  - {problem}")
            elif options["verbosity"] > 1:
                self.stdout.write(f"{name}: books agree")
        if wrong:
            raise CommandError(f"{wrong} of {checked} runs have books that disagree with their payouts")
        self.stdout.write(f"{checked} runs checked: their books agree")
