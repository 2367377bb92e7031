"""`import_measures FILE --company SLUG [--user USERNAME]`: measure values from an .xlsx
or .csv, all or nothing (see `import_plans`)."""

from kpis import imports
from kpis.management.commands.import_plans import ImportCommand


class Command(ImportCommand):
    help = "Import measure values from an .xlsx or .csv file for one company: every row checked, all or nothing."

    @staticmethod
    def service(**kwargs) -> imports.ImportResult:
        return imports.measures_import(**kwargs)
