"""Imports of plans and measure values from `.xlsx` and `.csv` files (issue 4).

Both kinds share one pipeline:

1. **parse** (`parse_file`): bytes → header + raw rows, or a file-level error (not a
   workbook, no sheet, empty, wrong header, too large, not UTF-8, unknown extension). Knows
   nothing about the database.
2. **validate** (`validate_rows`): every row, every cell — unknown employee or code, bad
   period, not a number, the engine's value rules (`plan_value_problems`,
   `measure_value_problems`), the model field's digit limits, duplicates within the file,
   empty cells. All errors are collected, never only the first.
3. **apply** (`apply_records`): in the same transaction as the validation, compare with the
   rows already stored and write only what changed, in bulk and with history.
4. **log**: one `ImportLog` per import, applied or rejected.

The file is all-or-nothing: one bad row and nothing is written. Rows are numbered as the
spreadsheet shows them (the header is row 1); columns are named as the file's header
writes them.

Decisions the brief left open:

- The header may be English (`personnel_number, period, code, value`) or Russian
  (`табельный номер, период, код, значение`), in any order, case and `_`/space-insensitive.
  Extra columns are refused (a typo in a header would otherwise drop a column silently).
- A value may use a comma as the decimal separator (`12,5`), and spaces as thousands
  separators (`1 234,5`); a value with both a comma and a dot is refused as ambiguous.
- CSV is read as UTF-8 (with or without BOM). A file that is not UTF-8 is tried as
  Windows-1251 — what "CSV" from a Russian Excel is — and accepted only if its header then
  reads right; otherwise it is refused as not UTF-8. The delimiter is `,`, `;` or tab,
  whichever splits the header row into the most cells.
- In an `.xlsx`, a period cell Excel turned into a date (it does so with `2026-11`) counts
  as that month if it is the 1st; personnel numbers stored as numbers read as their digits.
- Blank rows are skipped (they keep their numbers) and do not count as data rows, but
  every row read counts against `MAX_ROWS`, blank or not: a sheet of a million empty rows
  costs as much to read as a full one.
- Every dimension of a file is bounded before and while it is read (`_check_workbook`,
  `_csv_lines`, `_table`): its size, an `.xlsx`'s members and what they unpack to, rows,
  columns, the length of a line and of a cell, and the time spent reading. A file over a
  limit is refused with the limit named; messages quote at most a short prefix of a cell
  (`core.numbers.quote`).
- An `.xlsx` is read up to column `MAX_COLUMNS + 1`: a file with anything there is refused
  as too wide; cells further right are not read at all.
- Where the catalogue and the company both define a code, the company's own wins (as in
  `compensation.selectors.kpi_definitions`).
- A row of a closed period (its payroll approved, `core.periods`) is refused with the
  period, who approved it and when — even a row whose value is unchanged: an approved
  month takes no writes; its corrections are recorded as corrections.
"""

from __future__ import annotations

import csv
import io
import time as clock
import zipfile
from collections import defaultdict
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext, gettext_noop
from openpyxl import Workbook, load_workbook
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core import numbers, periods
from core.domain import field_decimal, problem_message
from core.formats import XLSX_CONTENT_TYPE, unstorable_reason
from core.numbers import QUOTE_CHARS, NumberError, quote
from engine import Period, Problem
from engine.rules import measure_value_problems, plan_value_problems
from kpis.models import ImportLog, Kpi, Measure, MeasureValue, Plan
from kpis.selectors import catalogue_and_own
from organizations.models import Company, Employee

# --- limits (module constants, so tests can make them small) ----------------------------

MAX_BYTES = 10 * 1024 * 1024
#: Rows after the header, blank ones included.
MAX_ROWS = 100_000
MAX_COLUMNS = 50
#: No column holds a longer value (codes and personnel numbers are at most 50 characters).
MAX_CELL_CHARS = 255
MAX_CSV_LINE_CHARS = 10_000
#: Reading a file (not checking its rows) stops after this long.
MAX_SECONDS = 30.0
#: An `.xlsx` is a zip: its members and what they unpack to are bounded before openpyxl
#: reads any of it. 100,000 rows of four columns unpack to ~23 MB of sheet XML, about 11×
#: what they take in the zip.
MAX_MEMBERS = 100
MAX_SHEETS = 20
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_SHEET_BYTES = 64 * 1024 * 1024
MAX_SHARED_STRINGS_BYTES = 8 * 1024 * 1024  # 100,000 distinct personnel numbers: ~3 MB
MAX_PART_BYTES = 8 * 1024 * 1024  # any other member: styles, the workbook, its relations
MAX_COMPRESSION_RATIO = 100  # for members that unpack to more than a megabyte
#: The log keeps this many errors (the result and the pages show them all).
MAX_LOGGED_ERRORS = 1_000
BATCH_SIZE = 1_000

# --- columns ------------------------------------------------------------------------------

PERSONNEL_NUMBER, PERIOD, CODE, VALUE = COLUMNS = ("personnel_number", "period", "code", "value")
HEADER_NAMES = {
    PERSONNEL_NUMBER: ("personnel number", "табельный номер", "tabel raqami"),
    PERIOD: ("period", "период", "davr"),
    CODE: ("code", "код", "kod"),
    VALUE: ("value", "значение", "qiymat"),
}
EXPECTED_HEADER = ", ".join(COLUMNS)

# --- error codes ----------------------------------------------------------------------------

UNKNOWN_EXTENSION = "unknown_extension"
FILE_EMPTY = "file_empty"
FILE_TOO_LARGE = "file_too_large"
TOO_MANY_ROWS = "too_many_rows"
TOO_MANY_COLUMNS = "too_many_columns"
TOO_SLOW = "too_slow"
CELL_TOO_LONG = "cell_too_long"
NOT_XLSX = "not_xlsx"
NO_SHEET = "no_sheet"
NOT_CSV = "not_csv"
CSV_NOT_UTF8 = "csv_not_utf8"
HEADER_WRONG = "header_wrong"
NO_DATA_ROWS = "no_data_rows"
CELL_EMPTY = "cell_empty"
BAD_CHARACTER = "bad_character"
UNKNOWN_EMPLOYEE = "unknown_employee"
UNKNOWN_CODE = "unknown_code"
BAD_PERIOD = "bad_period"
NOT_A_NUMBER = "not_a_number"
VALUE_OUT_OF_RANGE = "value_out_of_range"
DUPLICATE_ROW = "duplicate_row"
EXTRA_CELLS = "extra_cells"
CONCURRENT_CHANGE = "concurrent_change"
PERIOD_CLOSED = periods.PERIOD_CLOSED
FED_BY_EVENTS = "fed_by_events"
MORE_ERRORS = "more_errors"

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls)


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """One error: `row` as the spreadsheet numbers it (header = 1) and `column` as the
    header writes it; both `None` for an error with the whole file."""

    code: str
    message: str
    row: int | None = None
    column: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "code": self.code, "message": self.message}

    def __str__(self) -> str:
        where = ", ".join(part for part in (f"row {self.row}" if self.row else "", self.column or "") if part)
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True, slots=True)
class RawRow:
    number: int
    cells: dict[str, Any]  # column → the cell as read (str from a CSV; str/int/float/datetime/None from xlsx)


@dataclass(slots=True)
class ParsedFile:
    columns: dict[str, str] = field(default_factory=dict)  # column → header as written in the file
    rows: list[RawRow] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Record:
    """One valid row, ready to write."""

    row: int
    employee_id: int
    period: str
    target_id: int  # the KPI (plans) or the measure (measure values)
    value: Decimal


@dataclass(frozen=True, slots=True)
class ImportResult:
    log: ImportLog
    rows_total: int
    rows_created: int
    rows_updated: int
    rows_unchanged: int
    errors: tuple[ImportProblem, ...]

    @property
    def applied(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            return f"{self.log.file_name}: rejected, nothing written — {len(self.errors)} error(s)"
        return (
            f"{self.log.file_name}: {self.rows_total} row(s) — {self.rows_created} created, "
            f"{self.rows_updated} updated, {self.rows_unchanged} unchanged"
        )


class _FileRejected(Exception):
    def __init__(self, code: str, message: str, *, row: int | None = None):
        self.problem = ImportProblem(code, message, row=row)
        super().__init__(message)


# --- 1. parse ----------------------------------------------------------------------------


def parse_file(*, file_name: str, content: bytes) -> ParsedFile:
    """The header and the non-blank rows of an `.xlsx` or `.csv`, or the one reason the
    file cannot be read. Cells come back as read; `validate_rows` judges them."""
    try:
        return _parse(file_name, content)
    except _FileRejected as rejected:
        return ParsedFile(problems=[rejected.problem])


def _parse(file_name: str, content: bytes) -> ParsedFile:
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if extension not in ("xlsx", "csv"):
        hint = " (an Excel 97-2003 .xls: save it as .xlsx)" if extension == "xls" else ""
        raise _FileRejected(UNKNOWN_EXTENSION, f"{file_name!r} is not an .xlsx or .csv file{hint}")
    if len(content) > MAX_BYTES:
        raise _FileRejected(FILE_TOO_LARGE, gettext("the file is larger than %(size)s; split it into smaller files") % {"size": _size(MAX_BYTES)})
    if not content:
        raise _FileRejected(FILE_EMPTY, gettext("the file is empty"))
    deadline = clock.monotonic() + MAX_SECONDS
    rows = _xlsx_rows(content) if extension == "xlsx" else _csv_rows(content)
    try:
        return _table(rows, deadline)
    finally:
        rows.close()  # an .xlsx stopped early (too many rows) closes its workbook now


def _size(count: int) -> str:
    return f"{count // (1024 * 1024)} MB" if count >= 1024 * 1024 else f"{count} bytes"


def _xlsx_rows(content: bytes) -> Generator[tuple[int, tuple]]:
    if content.startswith(OLE_MAGIC):
        raise _FileRejected(NOT_XLSX, gettext("this is an Excel 97-2003 (.xls) workbook, not .xlsx; save it as .xlsx"))
    try:
        members = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise _FileRejected(NOT_XLSX, gettext("this is not an .xlsx workbook (it is not a zip archive)")) from error
    _check_workbook(members)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises anything from KeyError to XML errors on a broken file
        raise _FileRejected(NOT_XLSX, f"this .xlsx workbook is damaged and cannot be read ({_brief(error)})") from error
    try:
        if not workbook.worksheets:
            raise _FileRejected(NO_SHEET, gettext("the workbook has no sheet"))
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers store a wrong size; read what is there
        # one column past the limit, to see a file too wide; none further (openpyxl pads
        # every row out to its last cell, a row reaching column XFD to 16,384 cells)
        yield from enumerate(sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True), start=1)
    except _FileRejected:
        raise
    except Exception as error:
        raise _FileRejected(NOT_XLSX, f"this .xlsx workbook is damaged and cannot be read ({_brief(error)})") from error
    finally:
        workbook.close()


def _brief(error: Exception) -> str:
    """A library's error message, at most 200 characters of it (it may quote the file)."""
    text = str(error)
    return text if len(text) <= 200 else f"{text[:200]}…"


_MB = 1024 * 1024


def _check_workbook(members: list[zipfile.ZipInfo]) -> None:
    """Refuse a workbook whose zip would unpack to too much, before openpyxl reads it:
    too many members or sheets, a member over its limit (or compressed as no sheet of data
    is), or too much in all. The sizes are those the zip declares; `zipfile` never unpacks
    a member to more than its declared size (a member that would is damaged)."""
    if len(members) > MAX_MEMBERS:
        raise _FileRejected(FILE_TOO_LARGE, f"the workbook has more than {MAX_MEMBERS} parts; save the data alone in a new workbook")
    sheets = [m for m in members if m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml")]
    if len(sheets) > MAX_SHEETS:
        raise _FileRejected(FILE_TOO_LARGE, f"the workbook has more than {MAX_SHEETS} sheets; keep the data on one")
    total = 0
    for member in members:
        name = member.filename
        if member in sheets:
            part, limit = "a sheet", MAX_SHEET_BYTES
        elif name.rsplit("/", 1)[-1].lower() == "sharedstrings.xml":
            part, limit = "the shared text of the workbook", MAX_SHARED_STRINGS_BYTES
        else:
            part, limit = f"the part {quote(name)}", MAX_PART_BYTES
        if member.file_size > limit:
            raise _FileRejected(FILE_TOO_LARGE, f"{part} unpacks to more than {_size(limit)}")
        if member.file_size > _MB and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1):
            raise _FileRejected(
                FILE_TOO_LARGE, f"{part} is compressed more than {MAX_COMPRESSION_RATIO} to 1, as no sheet of data is"
            )
        total += member.file_size
    if total > MAX_UNPACKED_BYTES:
        raise _FileRejected(FILE_TOO_LARGE, f"the workbook unpacks to more than {_size(MAX_UNPACKED_BYTES)}")


def _csv_rows(content: bytes) -> Generator[tuple[int, tuple]]:
    if content.startswith((ZIP_MAGIC, OLE_MAGIC)):
        raise _FileRejected(NOT_CSV, gettext("this is an Excel workbook, not a CSV; name it .xlsx (or save it as CSV)"))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = _windows_1251(content)
    if "\x00" in text:
        raise _FileRejected(CSV_NOT_UTF8, gettext("the CSV is not UTF-8 text (UTF-16?); save it as “CSV UTF-8”"))
    delimiter = _delimiter(text)
    reader = csv.reader(_csv_lines(text), delimiter=delimiter)
    try:
        yield from enumerate((tuple(row) for row in reader), start=1)
    except csv.Error as error:
        raise _FileRejected(NOT_CSV, f"the CSV cannot be read: {_brief(error)}") from error


def _csv_lines(text: str) -> Iterator[str]:
    """The lines of a CSV, each at most `MAX_CSV_LINE_CHARS` long (a longer one is no row
    of ours, and the csv module would split it into as many cells as it has commas)."""
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if len(line) > MAX_CSV_LINE_CHARS:
            raise _FileRejected(FILE_TOO_LARGE, f"line {number} is longer than {MAX_CSV_LINE_CHARS:,} characters")
        yield line


def _delimiter(text: str) -> str:
    """`,`, `;` (Russian Excel) or tab: whichever splits the header row into the most cells."""
    first = text[: text.find("\n")] if "\n" in text else text
    return max((",", ";", "\t"), key=first.count)


def _windows_1251(content: bytes) -> str:
    """Russian Excel writes plain "CSV" in Windows-1251. Trust that guess only when the
    header reads as ours; anything else is reported as not UTF-8."""
    try:
        text = content.decode("cp1251")
    except UnicodeDecodeError as error:
        raise _FileRejected(CSV_NOT_UTF8, gettext("the CSV is not UTF-8 text; save it as “CSV UTF-8”")) from error
    try:
        header = next(csv.reader(_csv_lines(text), delimiter=_delimiter(text)), [])
    except (csv.Error, _FileRejected):
        header = []
    if not header or _columns(tuple(header))[1]:
        raise _FileRejected(CSV_NOT_UTF8, gettext("the CSV is not UTF-8 text; save it as “CSV UTF-8”"))
    return text


def _header_key(text: str) -> str:
    return " ".join(text.replace("_", " ").split()).casefold()


_HEADER_LOOKUP = {name: column for column, names in HEADER_NAMES.items() for name in names}


def _columns(header: tuple) -> tuple[dict[str, tuple[int, str]], list[str]]:
    """column → (index, header as written), and what is wrong with the header."""
    found: dict[str, tuple[int, str]] = {}
    wrong: list[str] = []
    cells = list(header)
    while cells and _blank(cells[-1]):
        cells.pop()
    for index, cell in enumerate(cells):
        written = "" if cell is None else str(cell)[: MAX_CELL_CHARS + 1].strip()
        column = _HEADER_LOOKUP.get(_header_key(written))
        if column is None:
            wrong.append(
                gettext("column %(number)s is %(name)s, not one of ours") % {"number": index + 1, "name": quote(written)}
                if written
                else gettext("column %(number)s has no name") % {"number": index + 1}
            )
        elif column in found:
            wrong.append(gettext("%(name)s appears twice") % {"name": quote(written)})
        else:
            found[column] = (index, written)
    missing = [column for column in COLUMNS if column not in found]
    if missing:
        wrong.append(gettext("missing: %(columns)s") % {"columns": ", ".join(missing)})
    return found, wrong


def _blank(cell: Any) -> bool:
    # a cell too long to hold anything is not blank (it is reported), and is never scanned
    return cell is None or (isinstance(cell, str) and len(cell) <= MAX_CELL_CHARS and not cell.strip())


def _too_long(cell: Any) -> bool:
    return isinstance(cell, str) and len(cell) > MAX_CELL_CHARS


def _bounded(rows: Iterator[tuple[int, tuple]], deadline: float) -> Iterator[tuple[int, tuple]]:
    """The rows, stopped at the first one past a limit: `MAX_ROWS` below the header (blank
    rows count: reading them costs the same), `MAX_COLUMNS`, and the reading deadline."""
    for number, values in rows:
        if number > MAX_ROWS + 1:
            raise _FileRejected(
                TOO_MANY_ROWS, f"the file has more than {MAX_ROWS:,} rows below the header (blank rows count too); split it"
            )
        if number % 256 == 0 and clock.monotonic() > deadline:
            raise _FileRejected(TOO_SLOW, f"the file took more than {MAX_SECONDS:g} seconds to read; split it", row=number)
        if len(values) > MAX_COLUMNS and not all(_blank(cell) for cell in values[MAX_COLUMNS:]):
            raise _FileRejected(
                TOO_MANY_COLUMNS, f"row {number} has cells beyond column {MAX_COLUMNS}; the file has 4 columns", row=number
            )
        yield number, values


def _table(rows: Iterator[tuple[int, tuple]], deadline: float | None = None) -> ParsedFile:
    rows = _bounded(rows, clock.monotonic() + MAX_SECONDS if deadline is None else deadline)
    first = next(rows, None)
    if first is None or all(_blank(cell) for cell in first[1]):
        if not any(not all(_blank(cell) for cell in values) for _, values in rows):
            raise _FileRejected(FILE_EMPTY, gettext("the file is empty") if first is None else gettext("the file has no rows with data"))
        raise _FileRejected(HEADER_WRONG, gettext("row 1 must be the header: %(header)s") % {"header": EXPECTED_HEADER}, row=1)
    found, wrong = _columns(first[1])
    if wrong:
        raise _FileRejected(
            HEADER_WRONG,
            gettext("the header must be %(header)s (or in Russian or Uzbek): %(problems)s")
            % {"header": EXPECTED_HEADER, "problems": "; ".join(wrong)},
            row=1,
        )
    parsed = ParsedFile(columns={column: written for column, (_, written) in found.items()})
    width = max(index for index, _ in found.values()) + 1
    for number, values in rows:
        if all(_blank(cell) for cell in values):
            continue
        extra = [index for index, cell in enumerate(values) if index >= width and not _blank(cell)]
        if extra:
            parsed.problems.append(
                ImportProblem(
                    EXTRA_CELLS,
                    gettext("this row has more cells than the header has columns (a comma inside an unquoted value?)"),
                    row=number,
                    column=gettext("column %(number)s") % {"number": extra[0] + 1},
                )
            )
        cells = {column: (values[index] if index < len(values) else None) for column, (index, _) in found.items()}
        parsed.rows.append(RawRow(number, cells))
    if not parsed.rows and not parsed.problems:
        raise _FileRejected(NO_DATA_ROWS, gettext("the file has a header but no data rows"))
    return parsed


# --- 2. validate -------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportKind:
    """What differs between plans and measure values: the model, its target field and how
    a code and a value are checked."""

    kind: str
    model: type[models.Model]
    target: str  # "kpi" or "measure"
    target_model: type[models.Model]
    unknown_code: str  # the message for a code neither in the catalogue nor the company's (gettext_noop)
    value_problems: Callable[[Any, Decimal], list[Problem]]  # (the KPI or measure, or None; value)
    example: tuple[str, str, str, str]


PLANS = ImportKind(
    kind=ImportLog.Kind.PLANS,
    model=Plan,
    target="kpi",
    target_model=Kpi,
    unknown_code=gettext_noop("no KPI code %(code)s in the catalogue or in %(company)s"),
    value_problems=lambda _kpi, value: plan_value_problems(value),
    example=("E-00001", "2026-11", "leads", "200"),
)
MEASURES = ImportKind(
    kind=ImportLog.Kind.MEASURES,
    model=MeasureValue,
    target="measure",
    target_model=Measure,
    unknown_code=gettext_noop("no measure code %(code)s in the catalogue or in %(company)s"),
    # a count's sign can only be judged once the code is known
    value_problems=lambda measure, value: measure_value_problems(measure.unit, value) if measure else [],
    example=("E-00001", "2026-11", "leads", "180"),
)
KINDS = {PLANS.kind: PLANS, MEASURES.kind: MEASURES}


def validate_rows(
    *, kind: ImportKind, company: Company, parsed: ParsedFile, lock: bool = False
) -> tuple[list[ImportProblem], list[Record]]:
    """Every problem of every row (with `parsed.problems` first), and the records when
    there are none. `lock` takes the file's employees `FOR UPDATE` (inside a transaction),
    so two imports for the same people run one after the other."""
    problems = list(parsed.problems)
    columns = parsed.columns
    texts = {row.number: (_text(row.cells[PERSONNEL_NUMBER]), _text(row.cells[CODE])) for row in parsed.rows}
    employees_query = Employee.objects.filter(
        company=company, personnel_number__in={number for number, _ in texts.values() if number}
    ).order_by("pk")
    if lock:
        employees_query = employees_query.select_for_update()
    employees = dict(employees_query.values_list("personnel_number", "pk"))
    # the company's own code wins over the catalogue's (it comes last)
    targets = {target.code: target for target in catalogue_and_own(kind.target_model, company=company)}
    value_field = kind.model._meta.get_field("value")
    # A row of a closed (approved) period is refused, and with it the whole file (core.periods).
    closed = {str(found.period): found for found in periods.closed_periods(company.pk)}

    records: list[Record] = []
    keys: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for row in parsed.rows:
        row_problems: list[ImportProblem] = []

        def report(column: str, code: str, message: str, row_problems=row_problems, number=row.number) -> None:
            row_problems.append(ImportProblem(code, message, row=number, column=columns[column]))

        for column in COLUMNS:
            if _blank(row.cells[column]):
                report(column, CELL_EMPTY, gettext("the cell is empty"))
            elif _too_long(row.cells[column]):
                report(
                    column,
                    CELL_TOO_LONG,
                    gettext("the cell is longer than %(limit)s characters: %(text)s")
                    % {"limit": MAX_CELL_CHARS, "text": quote(row.cells[column])},
                )
            elif _unstorable(row.cells[column]):
                report(column, BAD_CHARACTER, gettext("the cell holds a control character that cannot be stored"))
        number, code = texts[row.number]
        employee_id = employees.get(number) if number else None
        if number and employee_id is None:
            report(
                PERSONNEL_NUMBER,
                UNKNOWN_EMPLOYEE,
                gettext("no employee with personnel number %(number)s in %(company)s") % {"number": quote(number), "company": company},
            )
        target = targets.get(code) if code else None
        if code and target is None:
            report(CODE, UNKNOWN_CODE, gettext(kind.unknown_code) % {"code": quote(code), "company": company})
        period = None
        if not _blank(row.cells[PERIOD]) and not _too_long(row.cells[PERIOD]):
            period, message = _period(row.cells[PERIOD])
            if message:
                report(PERIOD, BAD_PERIOD, message)
            elif period in closed:
                report(PERIOD, PERIOD_CLOSED, periods.refusal_reason(closed[period]))
        value = None
        if not _blank(row.cells[VALUE]) and not _too_long(row.cells[VALUE]):
            try:
                value = _number(row.cells[VALUE], value_field)
            except NumberError as error:
                report(VALUE, NOT_A_NUMBER if error.code == numbers.NOT_A_NUMBER else VALUE_OUT_OF_RANGE, error.message)
        if value is not None:
            for problem in kind.value_problems(target, value):
                report(VALUE, problem.code, problem_message(problem))
            try:
                value_field.run_validators(value)
            except ValidationError as error:
                for message in error.messages:
                    report(VALUE, VALUE_OUT_OF_RANGE, f"{_plain(value)}: {message}")
        if number and code and period:
            keys[(number, period, code)].append(row.number)
        problems.extend(row_problems)
        if not row_problems and employee_id is not None and target is not None and period and value is not None:
            records.append(Record(row.number, employee_id, period, target.pk, value))

    if kind.model is MeasureValue and records:  # a value fed by events is not written by hand
        fed = set(
            MeasureValue.objects.filter(
                employee_id__in={record.employee_id for record in records},
                period__in={record.period for record in records},
                source=MeasureValue.Source.EVENTS,
            ).values_list("employee_id", "period", "measure_id")
        )
        if fed:
            by_pk = {target.pk: target for target in targets.values()}
            number_of = {pk: number for number, pk in employees.items()}
            for record in records:
                if (record.employee_id, record.period, record.target_id) in fed:
                    target = by_pk[record.target_id]
                    problems.append(
                        ImportProblem(
                            FED_BY_EVENTS,
                            gettext("%(measure)s of %(number)s for %(period)s is fed by events: change the events or their attribution, not the value")
                            % {"measure": target.name, "number": number_of[record.employee_id], "period": record.period},
                            row=record.row,
                            column=columns[VALUE],
                        )
                    )
    for (number, period, code), rows in keys.items():
        for row_number in rows if len(rows) > 1 else ():
            others = [str(other) for other in rows if other != row_number]
            where = (
                gettext("row %(row)s") % {"row": others[0]}
                if len(others) == 1
                else gettext("rows %(rows)s") % {"rows": ", ".join(others)}
            )
            problems.append(
                ImportProblem(
                    DUPLICATE_ROW,
                    gettext("%(key)s appears more than once: also on %(where)s") % {"key": f"{number} / {period} / {code}", "where": where},
                    row=row_number,
                    column=columns[CODE],
                )
            )
    problems.sort(key=lambda problem: (problem.row or 0, _column_order(problem.column, columns)))
    return problems, ([] if problems else records)


def _column_order(column: str | None, columns: dict[str, str]) -> int:
    written = list(columns.values())
    return written.index(column) if column in written else -1


def _unstorable(cell: Any) -> bool:
    """Text with a NUL or a lone surrogate: PostgreSQL cannot store it."""
    return isinstance(cell, str) and unstorable_reason(cell) is not None


def _text(cell: Any) -> str:
    """A personnel number or a code as text: numbers Excel stored as numbers read as digits.
    Text the database cannot hold, or too long for any column, reads as nothing (its cell
    is reported on its own)."""
    if cell is None or _too_long(cell) or _unstorable(cell):
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _period(cell: Any) -> tuple[str | None, str | None]:
    if isinstance(cell, date):  # Excel made `2026-11` a date: 1 November 2026
        day = cell.date() if isinstance(cell, datetime) else cell
        if day.day != 1 or (isinstance(cell, datetime) and cell.time() != time()):
            return None, f"{day.isoformat()} is a date, not a period; write it as YYYY-MM, for example 2026-11"
        cell = str(Period.of(day))  # and checked as if it were written so (a year out of range)
    try:
        return str(Period.parse(str(cell))), None
    except ValueError as error:
        return None, str(error)


def _number(cell: Any, value_field: models.DecimalField) -> Decimal:
    """A cell as a number the value column holds (`core.numbers.parse_decimal`):
    numbers as Excel shows them (15 significant digits), text with `.` or `,` as the decimal
    separator and spaces between thousands. Raises `NumberError`."""
    if isinstance(cell, bool | date):
        raise NumberError(NOT_A_NUMBER, f"{cell!s} is not a number")
    text = format(cell, ".15g") if isinstance(cell, float) else cell if isinstance(cell, int) else str(cell)
    return field_decimal(value_field, text)


def _plain(value: Decimal) -> str:
    return format(value, "f")


# --- 3. apply ----------------------------------------------------------------------------


def apply_records(*, kind: ImportKind, records: list[Record], uploaded_by: Any, file_name: str) -> tuple[int, int, int]:
    """Create what is new, update what changed, leave the rest: (created, updated,
    unchanged). Unchanged rows get no write and no history row."""
    model, target_id = kind.model, f"{kind.target}_id"
    existing = {
        (row.employee_id, row.period, getattr(row, target_id)): row
        for row in model.objects.filter(
            employee_id__in={record.employee_id for record in records},
            period__in={record.period for record in records},
            **{f"{target_id}__in": {record.target_id for record in records}},
        )
    }
    to_create, to_update = [], []
    for record in records:
        current = existing.get((record.employee_id, record.period, record.target_id))
        if current is None:
            to_create.append(
                model(
                    employee_id=record.employee_id,
                    period=record.period,
                    value=record.value,
                    **{target_id: record.target_id},
                )
            )
        elif current.value != record.value:
            current.value = record.value
            to_update.append(current)
    reason = f"import of {file_name}"[:100]
    if to_create:
        bulk_create_with_history(
            to_create, model, batch_size=BATCH_SIZE, default_user=uploaded_by, default_change_reason=reason
        )
    if to_update:
        bulk_update_with_history(
            to_update, model, ["value"], batch_size=BATCH_SIZE, default_user=uploaded_by, default_change_reason=reason
        )
    return len(to_create), len(to_update), len(records) - len(to_create) - len(to_update)


# --- 4. the services ---------------------------------------------------------------------


def plans_import(*, company: Company, file_name: str, content: bytes, uploaded_by: Any = None) -> ImportResult:
    """Import plans (`personnel_number, period, code, value`; code = a KPI code)."""
    return _import(PLANS, company=company, file_name=file_name, content=content, uploaded_by=uploaded_by)


def measures_import(*, company: Company, file_name: str, content: bytes, uploaded_by: Any = None) -> ImportResult:
    """Import measure values (`personnel_number, period, code, value`; code = a measure code)."""
    return _import(MEASURES, company=company, file_name=file_name, content=content, uploaded_by=uploaded_by)


def items_import(*, kind: str, company: Company, items: list[dict[str, Any]], source: str, uploaded_by: Any = None) -> ImportResult:
    """The same import from a list of `{personnel_number, period, code, value}` items (the
    API's bulk upsert). Rows are numbered from 0 as the list is; columns are the keys."""
    parsed = ParsedFile(columns={column: column for column in COLUMNS})
    for index, item in enumerate(items):
        cells = {column: (None if item.get(column) is None else str(item.get(column))) for column in COLUMNS}
        parsed.rows.append(RawRow(index, cells))
        for key in sorted(set(item) - set(COLUMNS)):
            parsed.problems.append(
                ImportProblem(EXTRA_CELLS, gettext("unknown field %(name)s") % {"name": quote(key)}, row=index, column=key[:QUOTE_CHARS])
            )
    if not items:
        parsed.problems.append(ImportProblem(NO_DATA_ROWS, gettext("the list is empty")))
    return _import_parsed(KINDS[kind], company=company, file_name=source, parsed=parsed, uploaded_by=uploaded_by)


def _import(kind: ImportKind, *, company: Company, file_name: str, content: bytes, uploaded_by: Any) -> ImportResult:
    parsed = parse_file(file_name=file_name, content=content)
    return _import_parsed(kind, company=company, file_name=file_name, parsed=parsed, uploaded_by=uploaded_by)


def _import_parsed(kind: ImportKind, *, company: Company, file_name: str, parsed: ParsedFile, uploaded_by: Any) -> ImportResult:
    created = updated = unchanged = 0
    problems = list(parsed.problems)
    if not parsed.columns:  # the file itself could not be read
        return _log(kind, company, file_name, uploaded_by, parsed, problems, (0, 0, 0))
    try:
        with transaction.atomic():
            problems, records = validate_rows(kind=kind, company=company, parsed=parsed, lock=True)
            if not problems:
                created, updated, unchanged = apply_records(
                    kind=kind, records=records, uploaded_by=uploaded_by, file_name=file_name
                )
                return _log(kind, company, file_name, uploaded_by, parsed, [], (created, updated, unchanged))
    except IntegrityError:
        problems = [
            ImportProblem(
                CONCURRENT_CHANGE,
                "the same rows were changed by someone else meanwhile; nothing was written, try again",
            )
        ]
    return _log(kind, company, file_name, uploaded_by, parsed, problems, (0, 0, 0))


def _log(
    kind: ImportKind,
    company: Company,
    file_name: str,
    uploaded_by: Any,
    parsed: ParsedFile,
    problems: list[ImportProblem],
    counts: tuple[int, int, int],
) -> ImportResult:
    logged = [problem.as_dict() for problem in problems[:MAX_LOGGED_ERRORS]]
    if len(problems) > MAX_LOGGED_ERRORS:
        logged.append(ImportProblem(MORE_ERRORS, f"… and {len(problems) - MAX_LOGGED_ERRORS:,} more errors").as_dict())
    created, updated, unchanged = counts
    log = ImportLog.objects.create(
        company=company,
        kind=kind.kind,
        file_name=file_name[:255],
        uploaded_by=uploaded_by if getattr(uploaded_by, "pk", None) else None,
        status=ImportLog.Status.REJECTED if problems else ImportLog.Status.APPLIED,
        rows_total=len(parsed.rows),
        rows_created=created,
        rows_updated=updated,
        rows_unchanged=unchanged,
        errors=logged,
    )
    return ImportResult(log, len(parsed.rows), created, updated, unchanged, tuple(problems))


# --- templates ---------------------------------------------------------------------------

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


#: The template's header in each language the portal speaks (every one is read back).
TEMPLATE_HEADERS = {
    "ru": tuple(HEADER_NAMES[column][1] for column in COLUMNS),
    "uz": tuple(HEADER_NAMES[column][2] for column in COLUMNS),
}


def import_template(*, kind: str, file_format: str, language: str = "en") -> tuple[bytes, str, str]:
    """A file to fill in: the header (in `language`: en, ru or uz) and one example row.
    (content, content type, name)"""
    spec = KINDS[kind]
    header = TEMPLATE_HEADERS.get(language, COLUMNS)
    name = f"{kind}-import-template.{file_format}"
    if file_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerows([header, spec.example])
        return buffer.getvalue().encode("utf-8"), CSV_CONTENT_TYPE, name
    if file_format != "xlsx":
        raise ValueError(f"no template as {file_format!r}; xlsx or csv")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = kind
    sheet.append(header)
    sheet.append([*spec.example[:3], Decimal(spec.example[3])])
    for column, width in zip("ABCD", (18, 10, 24, 14), strict=True):
        sheet.column_dimensions[column].width = width
        if column in "ABC":  # text, so Excel keeps 2026-11 and 007 as typed, in new rows too
            sheet.column_dimensions[column].number_format = "@"
            for cell in sheet[column]:
                cell.number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), XLSX_CONTENT_TYPE, name
