"""A lean xlsx writer: openpyxl makes the package, this module writes the cells.

openpyxl builds a *frame*: the styles (fonts, number formats, quotePrefix), theme, workbook
and each sheet's frozen panes, column widths, auto filter and page set-up. The frame is
saved once and its parts other than the sheets zipped once; the rows of each sheet are
written here, straight as SpreadsheetML, into the frame's empty `<sheetData>`, and the
sheets appended to that zip.

Why not openpyxl's own cell writer: on this project's machines it costs about 0.4 ms of CPU
per 13-cell row (over 40 s for a payroll sheet of 100,000 payouts, in write-only mode too),
and a payslip saved by openpyxl takes about 30 ms, most of it rebuilding the same styles,
theme and workbook parts. A row here costs ~30 µs, and a payslip reuses the frame of its
language and currency. `bench/export.py` measures both.

Text always goes in through `text()`: an inline string, never a formula (see `safe`).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.utils import get_column_letter

from payroll.excel.safe import cell_text, looks_like_formula

COLUMNS = tuple(get_column_letter(index) for index in range(1, 16_385))
EMPTY_SHEET_DATA = "<sheetData></sheetData>"
EMPTY_DIMENSION = '<dimension ref="A1:A1" />'
EXCEL_EPOCH = date(1899, 12, 30)

# A cell is (kind, value, style id): value is escaped XML text for TEXT and FORMULA, the
# number's text for NUMBER, and unused for BLANK.
TEXT, NUMBER, FORMULA, BLANK = "t", "n", "f", "b"
CellXml = tuple[str, str, int]


@dataclass(frozen=True, slots=True)
class Style:
    """openpyxl's style ids of one look: as is, and with quotePrefix for text that starts
    like a formula."""

    id: int
    quoted: int


def register(workbook: Workbook, **attributes) -> Style:
    """Register a look (font=, number_format=, alignment=, border=, fill=) in the workbook's
    stylesheet and return its ids; the cells written here refer to them."""
    sheet = workbook.worksheets[0]
    ids = []
    for quote in (False, True):
        cell = Cell(sheet)
        for name, value in attributes.items():
            setattr(cell, name, value)
        cell.quotePrefix = quote
        ids.append(cell.style_id)
    return Style(*ids)


def escape(text: str) -> str:
    # A carriage return as a character reference: a literal one would read back as a line feed.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def text(value: object, style: Style) -> CellXml | None:
    """A text cell; the only way text goes into a cell. Never a formula."""
    if value is None:
        return None
    content = cell_text(value)
    return TEXT, escape(content), style.quoted if looks_like_formula(content) else style.id


def number(value: Decimal | int | None, style: Style) -> CellXml:
    """A number cell (Decimal or int, written exactly); None leaves the cell empty but styled."""
    if value is None:
        return BLANK, "", style.id
    return NUMBER, format(value, "f") if isinstance(value, Decimal) else str(int(value)), style.id


def percent(value: Decimal | str | None, style: Style) -> CellXml:
    """A percentage given in percent (`"120.00"`), as the fraction a `0.00%` format shows."""
    return number(None if value is None else Decimal(value).scaleb(-2), style)


def day(value: date | str | None, style: Style) -> CellXml:
    """A date (or ISO date text) as Excel's day number, shown by the style's date format."""
    if value is None:
        return BLANK, "", style.id
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return NUMBER, str((value - EXCEL_EPOCH).days), style.id


def formula(expression: str, style: Style) -> CellXml:
    """A formula of ours (`=SUM(D2:D9)`); never built from user text."""
    return FORMULA, escape(expression.removeprefix("=")), style.id


def row_xml(index: int, cells: Sequence[CellXml | None], *, height: float | None = None) -> str:
    """One `<row>`: the cells from column A on; None leaves a cell out."""
    parts = [f'<row r="{index}" ht="{height}" customHeight="1">' if height else f'<row r="{index}">']
    for column, cell in enumerate(cells):
        if cell is None:
            continue
        kind, value, style = cell
        ref = f"{COLUMNS[column]}{index}"
        if kind == TEXT:
            parts.append(f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>')
        elif kind == NUMBER:
            parts.append(f'<c r="{ref}" s="{style}"><v>{value}</v></c>')
        elif kind == FORMULA:
            parts.append(f'<c r="{ref}" s="{style}"><f>{value}</f></c>')
        else:
            parts.append(f'<c r="{ref}" s="{style}" />')
    parts.append("</row>")
    return "".join(parts)


def dimension(rows: int, columns: int) -> str:
    return f"A1:{COLUMNS[max(columns, 1) - 1]}{max(rows, 1)}"


@dataclass(frozen=True)
class Frame:
    """A workbook saved by openpyxl with empty sheets, split so that rows can be put in.

    Every part but the sheets is zipped once (`fixed`); a file is that zip with the sheets
    appended, so a payslip only compresses its own rows."""

    fixed: bytes
    # Each sheet's part: its XML up to the dimension's range, from there to the rows, after them.
    sheets: Mapping[str, tuple[str, str, str]]

    @classmethod
    def of(cls, workbook: Workbook) -> Frame:
        saved, fixed = io.BytesIO(), io.BytesIO()
        workbook.save(saved)
        sheets = {}
        with zipfile.ZipFile(saved) as package, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as out:
            for name in package.namelist():
                data = package.read(name)
                if not name.startswith("xl/worksheets/sheet"):
                    out.writestr(name, data)
                    continue
                xml = data.decode("utf-8")
                if xml.count(EMPTY_SHEET_DATA) != 1 or xml.count(EMPTY_DIMENSION) != 1:
                    raise ValueError(f"{name}: a frame's sheets must be empty")
                head, tail = xml.split(EMPTY_SHEET_DATA)
                before, after = head.split(EMPTY_DIMENSION)
                sheets[name] = (before + '<dimension ref="', '" />' + after + "<sheetData>", "</sheetData>" + tail)
        ordered = sorted(
            sheets.items(), key=lambda item: int(item[0].removeprefix("xl/worksheets/sheet").removesuffix(".xml"))
        )
        return cls(fixed.getvalue(), dict(ordered))

    def write(self, target: IO[bytes], rows: Sequence[tuple[str, Iterable[bytes | str]]]) -> None:
        """Write the file into `target` (empty, readable and seekable: a BytesIO or a file
        opened `w+b`), with each sheet's rows in order: (dimension, chunks of row XML).
        Chunks are written as they come, so a large sheet streams."""
        if len(rows) != len(self.sheets):
            raise ValueError(f"the frame has {len(self.sheets)} sheets; rows came for {len(rows)}")
        target.write(self.fixed)
        with zipfile.ZipFile(target, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
            for (name, (before, after, tail)), (ref, chunks) in zip(self.sheets.items(), rows, strict=True):
                with package.open(name, "w") as out:
                    out.write(f"{before}{ref}{after}".encode())
                    for chunk in chunks:
                        out.write(chunk.encode() if isinstance(chunk, str) else chunk)
                    out.write(tail.encode())
