"""Writing cells with XlsxWriter, the one way our workbooks are made.

XlsxWriter (a maintained library) writes the package, the styles and the cells; this module
is the thin layer every payroll document goes through, so that:

- text always goes in through `Cells.text()`: `write_string`, which never makes a formula
  whatever the text starts with, plus the quotePrefix look for text that starts like one
  (see `safe`);
- money goes in as the Decimal it is (XlsxWriter prints it with `:.16G`, exactly);
- a formula is always ours, and carries the value it computes, so a program that reads
  values (openpyxl `data_only`, pandas) gets the numbers a spreadsheet shows.

A large sheet uses `constant_memory`: each row goes to a temporary file once the next one
starts, so memory stays flat however many rows there are.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import IO

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from payroll.excel.safe import cell_text, looks_like_formula

EXCEL_EPOCH = date(1899, 12, 30)
A4 = 9
# Nothing typed by a person is ever taken for a formula, a number or a link.
OPTIONS = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}


def workbook(target: IO[bytes], *, constant_memory: bool = False) -> xlsxwriter.Workbook:
    """A workbook written into `target` (a binary file or BytesIO) when it is closed."""
    options = {**OPTIONS, "constant_memory": True} if constant_memory else {**OPTIONS, "in_memory": True}
    return xlsxwriter.Workbook(target, options)


class Style:  # compared and hashed by identity (a dict key in payslip.write_payslip)
    """A look: `plain`, and `quoted` (with quotePrefix, for text that starts like a
    formula); each is registered in the workbook the first time a cell needs it."""

    __slots__ = ("_book", "_plain", "_properties", "_quoted")

    def __init__(self, book: xlsxwriter.Workbook, properties: dict):
        self._book, self._properties, self._plain, self._quoted = book, properties, None, None

    @property
    def plain(self) -> Format:
        if self._plain is None:
            self._plain = self._book.add_format(self._properties)
        return self._plain

    @property
    def quoted(self) -> Format:
        if self._quoted is None:
            self._quoted = self._book.add_format({**self._properties, "quote_prefix": True})
        return self._quoted


def style(book: xlsxwriter.Workbook, **properties) -> Style:
    """Register a look (XlsxWriter's format properties: bold=, num_format=, border=…)."""
    return Style(book, properties)


def serial_day(value: date | str) -> int:
    """A date (or ISO date text) as the spreadsheet's day number."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return (value - EXCEL_EPOCH).days


class Cells:
    """The cells of one worksheet, by row and column (from 0).

    It calls XlsxWriter's undecorated writers (`_write_string`, `_write_number`…), which its
    public `write_*` methods call after turning "A1" arguments into numbers: a payroll sheet
    writes over a million cells, and the wrapper is a sixth of the time. XlsxWriter is
    pinned (requirements.txt); the Excel tests would fail should a version rename them."""

    __slots__ = ("_blank", "_formula", "_number", "_string", "sheet")

    def __init__(self, sheet: Worksheet):
        self.sheet = sheet
        self._string, self._number = sheet._write_string, sheet._write_number
        self._blank, self._formula = sheet._write_blank, sheet._write_formula

    def text(self, row: int, column: int, value: object, look: Style) -> None:
        """A text cell; the only way text goes into a cell. Never a formula."""
        if value is None:
            return
        content = cell_text(value)
        self._string(row, column, content, look.quoted if looks_like_formula(content) else look.plain)

    def number(self, row: int, column: int, value: Decimal | int | None, look: Style) -> None:
        """A number (Decimal or int, written exactly); None leaves the cell empty but styled."""
        if value is None:
            self._blank(row, column, None, look.plain)
        else:
            self._number(row, column, value, look.plain)

    def percent(self, row: int, column: int, value: Decimal | str | None, look: Style) -> None:
        """A percentage given in percent (`"120.00"`), as the fraction a `0.00%` format shows."""
        self.number(row, column, None if value is None else Decimal(value).scaleb(-2), look)

    def day(self, row: int, column: int, value: date | str | None, look: Style) -> None:
        self.number(row, column, None if value is None else serial_day(value), look)

    def formula(self, row: int, column: int, expression: str, value: Decimal | int, look: Style) -> None:
        """A formula of ours (`=SUM(D2:D9)`, never built from user text) with the value it
        computes stored beside it."""
        self._formula(row, column, expression, look.plain, value)


def page_set_up(sheet: Worksheet, *, landscape: bool, fit_height: int, margins: tuple[float, float]) -> None:
    """A4, one page wide (and `fit_height` pages high, 0 for as many as needed); margins
    (left/right, top/bottom) in inches."""
    sheet.set_paper(A4)
    if landscape:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    sheet.fit_to_pages(1, fit_height)
    side, top = margins
    sheet.set_margins(left=side, right=side, top=top, bottom=top)
    sheet.set_header("", {"margin": 0.3})
    sheet.set_footer("", {"margin": 0.3})


def money_chars(value: Decimal | int, currency_code: str) -> int:
    """How many characters `#,##0.00 "CODE"` shows for `value`."""
    return len(f"{Decimal(value):,.2f}") + 1 + len(currency_code)
