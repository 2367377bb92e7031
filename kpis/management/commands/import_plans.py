"""`import_plans FILE --company SLUG [--user USERNAME]`: plans from an .xlsx or .csv
(`personnel_number, period, code, value`), all or nothing. A rejected file prints every
error and exits non-zero. `import_measures` is the same command for measure values."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from kpis import imports
from organizations.management.arguments import company_argument


class ImportCommand(BaseCommand):
    """Reads the file (at most one byte over the limit), runs the import service, reports."""

    @staticmethod
    def service(**kwargs) -> imports.ImportResult:
        return imports.plans_import(**kwargs)

    def add_arguments(self, parser):
        parser.add_argument("file", help=".xlsx or .csv with the header personnel_number, period, code, value")
        parser.add_argument("--company", required=True, help="slug of the company the file is for")
        parser.add_argument("--user", help="username recorded as the uploader (and in the history)")

    def handle(self, *args, **options):
        company = company_argument(options["company"])
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no user {options['user']!r}")
        path = Path(options["file"])
        try:
            with path.open("rb") as file:
                content = file.read(imports.MAX_BYTES + 1)  # one byte over is enough to refuse it
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error}") from error
        result = self.service(company=company, file_name=path.name, content=content, uploaded_by=user)
        if not result.applied:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(result.summary())
        self.stdout.write(self.style.SUCCESS(result.summary()))


class Command(ImportCommand):
    help = "Import plans from an .xlsx or .csv file for one company: every row checked, all or nothing."
