"""`manage.py ingest FILE --source SOURCE --company SLUG`: an export file into events."""

import importlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from events import generic
from events.schema import SOURCES
from events.services import events_ingest
from organizations.models import Company

FILE_SOURCES = [source for source in SOURCES if source != "api"]


def parser_of(source: str):
    """The source's `parse_file(content, file_name)`, or None (no connector yet)."""
    if source == "csv":
        return generic.parse_file
    try:
        module = importlib.import_module(f"events.connectors.{source.replace('-', '_')}")
    except ModuleNotFoundError as error:
        if error.name and error.name.startswith("events.connectors"):
            return None
        raise
    return getattr(module, "parse_file", None)


class Command(BaseCommand):
    help = "Read an export file of leads or spend into events, all or nothing, and recompute what they feed."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--source", required=True, choices=FILE_SOURCES)
        parser.add_argument("--company", required=True, help="the company's slug")

    def handle(self, *args, file, source, company, **options):
        found = Company.objects.filter(slug=company).first()
        if found is None:
            raise CommandError(f"no company {company!r}")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no file {file}")
        parse = parser_of(source)
        if parse is None:
            raise CommandError(f"the source {source} is not supported yet")
        result = events_ingest(company=found, source=source, parsed=parse(path.read_bytes(), path.name), label=path.name)
        if not result.ok:
            lines = [
                f"row {p.row if p.row is not None else '-'}" + (f", {p.column}" if p.column else "") + f": {p.message}"
                for p in result.problems
            ]
            raise CommandError(f"{path.name}: nothing was written, {len(result.problems)} problem(s):\n" + "\n".join(lines[:200]))
        self.stdout.write(
            f"{path.name}: {result.received} events received: {result.created} new, {result.updated} changed, "
            f"{result.unchanged} unchanged, {result.unattributed} unattributed; {result.values_written} measure values "
            f"written, {result.late_changes} late changes of closed months, {len(result.kept_manual)} values kept as entered by hand"
        )
