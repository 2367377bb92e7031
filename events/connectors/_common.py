"""What every connector needs to read a file: its text, its table (CSV/TSV or XLSX), numbers
and dates written the way exports write them, and problems that name the row and column.
Plain Python: openpyxl, csv, json, decimal only."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from typing import Any

from events.schema import ParseProblem

MICROS = Decimal(1_000_000)

XLSX_MAGIC = b"PK\x03\x04"


class RowError(Exception):
    """A cell that could not be read; turned into a ParseProblem by the caller."""

    def __init__(self, column: str, code: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.code = code
        self.message = message


def file_problem(code: str, message: str) -> ParseProblem:
    return ParseProblem(row=None, column=None, code=code, message=message)


def row_problem(row: int | None, error: RowError) -> ParseProblem:
    return ParseProblem(row=row, column=error.column, code=error.code, message=error.message)


def decode(content: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Google Ads' "Excel .csv"), else cp1251
    (Windows exports of Russian systems)."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1251", errors="replace")


def is_xlsx(content: bytes) -> bool:
    return content.startswith(XLSX_MAGIC)


def load_json(content: bytes) -> Any:
    """The parsed JSON, or raises ValueError."""
    return json.loads(decode(content))


def looks_like_json(content: bytes, file_name: str) -> bool:
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return file_name.lower().endswith(".json") or head in (b"{", b"[")


#: `saved_json`'s answer for a file that is not JSON (a spreadsheet export, then).
NOT_JSON = object()


def saved_json(content: bytes, file_name: str) -> Any:
    """An API answer saved to a file: its parsed JSON, `NOT_JSON` for another kind of file, or
    the `ParseProblem` of an empty file or broken JSON."""
    if not content.strip():
        return file_problem("empty_file", f"{file_name}: the file is empty")
    if not looks_like_json(content, file_name):
        return NOT_JSON
    try:
        return load_json(content)
    except ValueError as error:
        return file_problem("bad_json", f"{file_name}: not JSON ({error})")


def read_table(content: bytes) -> list[list[str]]:
    """The file's rows as lists of strings: an XLSX's first sheet, an HTML table, or a CSV/TSV
    whose delimiter (comma, semicolon, tab) is read from its lines. ValueError if unreadable."""
    if is_xlsx(content):
        try:
            return _read_xlsx(content)
        except Exception as error:  # openpyxl raises zipfile, KeyError and its own errors
            raise ValueError(f"not a readable XLSX workbook ({error.__class__.__name__})") from error
    text = decode(content)
    if re.search(r"<table", text[:4096], re.IGNORECASE):
        return _read_html_table(text)
    sample = "\n".join(text.splitlines()[:20])
    counts = {d: sample.count(d) for d in ("\t", ";", ",")}
    delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    try:
        return [list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as error:
        raise ValueError(f"not a readable CSV ({error})") from error


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True):
            rows.append([_cell_text(value) for value in values])
        return rows
    finally:
        workbook.close()


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            if not self.rows:
                self.rows.append([])
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _read_html_table(text: str) -> list[list[str]]:
    """An HTML table saved as .xls (Bitrix24's "Excel" export)."""
    parser = _TableParser()
    parser.feed(text)
    parser.close()
    return parser.rows


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def normalise_header(name: str) -> str:
    return re.sub(r"\s+", " ", name.replace("\ufeff", "")).strip().casefold()


def find_header(rows: list[list[str]], aliases: Mapping[str, Iterable[str]], required: Iterable[str],
                search: int = 15) -> tuple[int, dict[str, int]] | None:
    """The index of the first row (among the first `search`) that names every required field by
    one of its aliases, and where each known field is. Exports put titles above the header."""
    lookup = {normalise_header(alias): key for key, names in aliases.items() for alias in names}
    for index, row in enumerate(rows[:search]):
        columns: dict[str, int] = {}
        for position, cell in enumerate(row):
            key = lookup.get(normalise_header(cell))
            if key and key not in columns:
                columns[key] = position
        if all(key in columns for key in required):
            return index, columns
    return None


def header_names(header: list[str], columns: Mapping[str, int]) -> dict[str, str]:
    """{field: the column's title as the file writes it}, for problems that name the column."""
    return {key: header[position].strip() for key, position in columns.items()}


def table_or_problem(content: bytes, file_name: str) -> tuple[list[list[str]], list[ParseProblem]]:
    try:
        return read_table(content), []
    except ValueError as error:
        return [], [file_problem("unreadable_file", f"{file_name}: {error}")]


def cell(row: list[str], columns: Mapping[str, int], key: str) -> str:
    position = columns.get(key)
    if position is None or position >= len(row):
        return ""
    return row[position].strip()


def records(rows: list[list[str]], start: int, columns: Mapping[str, int]) -> Iterator[tuple[int, dict[str, str]]]:
    """(1-based file row, {field: text}) for each non-empty row after the header."""
    for index in range(start, len(rows)):
        row = rows[index]
        if not any(value.strip() for value in row):
            continue
        yield index + 1, {key: cell(row, columns, key) for key in columns}


_SPACES = re.compile(r"[\s\u00a0\u202f']")


def to_decimal(text: str, column: str, *, decimal_comma: bool | None = True) -> Decimal:
    """A number as exports write it: "30 000,50", "30000.50", "1,234.56". A lone comma is the
    decimal mark, or with decimal_comma False groups thousands, or with None groups thousands only
    when groups of three digits follow it ("1,234" and "12,345,678", not "1,50")."""
    raw = text
    text = _SPACES.sub("", text).replace("\u2212", "-")
    for sign in ("₽", "руб.", "руб", "сум", "$", "€", "%"):
        text = text.replace(sign, "")
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif "," in text:
        if decimal_comma is None:
            decimal_comma = not re.fullmatch(r"-?\d{1,3}(,\d{3})+", text)
        text = text.replace(",", ".") if decimal_comma else text.replace(",", "")
    if text in ("", "-", "--"):
        raise RowError(column, "empty", f"{column}: no number")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise RowError(column, "not_a_number", f"{column}: {raw!r} is not a number") from None
    if not value.is_finite():
        raise RowError(column, "not_a_number", f"{column}: {raw!r} is not a number")
    return value


def to_decimal_or_zero(text: str, column: str, *, decimal_comma: bool | None = True) -> Decimal:
    """As to_decimal, with an empty cell or "--" (no activity) read as 0."""
    if _SPACES.sub("", text) in ("", "-", "--"):
        return Decimal(0)
    return to_decimal(text, column, decimal_comma=decimal_comma)


def from_micros(value: Any, column: str) -> Decimal:
    """An amount in millionths of the currency (an integer, as JSON number or string)."""
    text = str(value).strip()
    if re.fullmatch(r"-?\d+", text):
        return Decimal(text) / MICROS
    if re.fullmatch(r"-?\d+[.,]\d+", text):
        raise RowError(column, "not_micros", f"{column}: {value!r} has a fraction, so it is not in micros")
    raise RowError(column, "not_a_number", f"{column}: {value!r} is not a number")


_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%d/%m/%Y", "%m/%d/%Y", "%b %d, %Y", "%B %d, %Y",
                 "%a, %b %d, %Y", "%A, %B %d, %Y")
_DATETIME_FORMATS = ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


def to_date(text: str, column: str) -> date:
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T].*", text):
        text = text[:10]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar day
        except ValueError:
            continue
    raise RowError(column, "bad_date", f"{column}: {text!r} is not a date")


def to_datetime(text: str, column: str, tz: tzinfo = UTC) -> datetime:
    """ISO 8601 with or without offset, or the exports' "14.05.2024 10:20[:30]"; a time without
    an offset is in `tz` (the account's zone)."""
    text = text.strip()
    value: datetime | None = None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        for fmt in _DATETIME_FORMATS:
            try:
                value = datetime.strptime(text, fmt)  # noqa: DTZ007 - the zone is set below
                break
            except ValueError:
                continue
    if value is None:
        try:
            day = to_date(text, column)
        except RowError:
            raise RowError(column, "bad_datetime", f"{column}: {text!r} is not a date and time") from None
        value = datetime(day.year, day.month, day.day)  # noqa: DTZ001 - the zone is set below
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value


def from_unix(value: Any, column: str) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise RowError(column, "bad_timestamp", f"{column}: {value!r} is not a Unix time") from None


def text_of(value: Any) -> str:
    return "" if value is None else str(value).strip()


def export_rows(
    content: bytes, file_name: str, aliases: Mapping[str, Iterable[str]], required: Iterable[str], needs: str
) -> tuple[dict[str, str], Iterator[tuple[int, dict[str, str]]]] | list[ParseProblem]:
    """A spreadsheet export's column titles and its data rows as (row number, {column: text}),
    or the problems of a file that is not one (`needs`: which columns say it is)."""
    table, problems = table_or_problem(content, file_name)
    if problems:
        return problems
    found = find_header(table, aliases, required)
    if found is None:
        return [file_problem("unknown_format", f"{file_name}: {needs}")]
    index, columns = found
    return header_names(table[index], columns), records(table, index + 1, columns)
