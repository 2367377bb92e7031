"""The payroll sheet for finance: a heading naming the company, period, run status and
approver; one row per payout; a totals row of `=SUM(…)` formulas with their values; and a
second sheet summing by position.

The rows stream (XlsxWriter's `constant_memory`), so memory stays flat for any number of
payouts; what needs every row (the money columns' widths, the filter's range, the totals)
is settled at the end."""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO

from xlsxwriter.utility import xl_col_to_name

from payroll.excel.labels import Labels
from payroll.excel.payslip import currency_code, money_format
from payroll.excel.xlsx import Cells, Style, money_chars, page_set_up, style, workbook

# A payout as the sheet reads it: personnel number, name, position, fixed, bonus,
# adjustments, total, coefficients (as stored: text), score (None without a KPI set).
SheetRow = tuple[str, str, str, Decimal, Decimal, Decimal, Decimal, Sequence[str], Decimal | None]

MONEY_COLUMNS = (3, 4, 5, 6)  # D to G: fixed, bonus, adjustments, total
SCORE_COLUMN = 7  # H
FIRST_COEFFICIENT = 8  # column I, from 0
WIDTHS = (16, 34, 26, 14, 14, 14, 14, 10)
COEFFICIENT_WIDTH = 9
POSITION_WIDTHS = (34, 12, 14, 14, 14, 14)
# Room beyond the characters a money cell shows: bold totals, the cell's padding, and
# fonts a little wider than the one widths are counted in.
MONEY_MARGIN = 4
HEADER_HEIGHT = 30
HEADING_ROWS = 7  # title, company, period, status, approver, currency, a blank row
TABLE_HEADER = HEADING_ROWS  # the row (from 0) of the table's column names
FIRST_ROW = TABLE_HEADER + 1
SPOOL_ROWS = 1000


@dataclass(frozen=True)
class SheetHeading:
    company: str
    currency: str
    language: str
    period: str
    run_status: str = "calculated"
    approved_by: str = ""  # the approver's name; empty while the run is not approved
    provisional: bool = False  # a preview of a month not ended: the title says so


@dataclass
class PositionTotals:
    count: int = 0
    fixed: Decimal = Decimal(0)
    bonus: Decimal = Decimal(0)
    adjustments: Decimal = Decimal(0)
    total: Decimal = Decimal(0)


@dataclass(frozen=True)
class SheetSummary:
    rows: int
    coefficients: int
    positions: dict[str, PositionTotals] = field(default_factory=dict)


@dataclass(frozen=True)
class Looks:
    title: Style
    heading: Style
    header: Style
    text: Style
    money: Style
    percent: Style
    ratio: Style
    integer: Style
    total: Style
    total_money: Style
    total_integer: Style


def _looks(book, currency: str) -> Looks:
    money = money_format(currency)
    line = {"top": 1}
    return Looks(
        title=style(book, bold=True, font_size=14),
        heading=style(book),
        header=style(book, bold=True, bg_color="#E7E6E6", bottom=1, text_wrap=True, valign="vcenter"),
        text=style(book),
        money=style(book, num_format=money),
        percent=style(book, num_format="0.00%"),
        ratio=style(book, num_format="0.0000"),
        integer=style(book, num_format="#,##0"),
        total=style(book, bold=True, **line),
        total_money=style(book, bold=True, num_format=money, **line),
        total_integer=style(book, bold=True, num_format="#,##0", **line),
    )


class _Widths:
    """The widest money text seen in each column, for widths that never show `###`."""

    def __init__(self, columns: int, code: str):
        self.code = code
        self.low = [Decimal(0)] * columns
        self.high = [Decimal(0)] * columns

    def see(self, column: int, value: Decimal) -> None:
        if value > self.high[column]:
            self.high[column] = value
        elif value < self.low[column]:
            self.low[column] = value

    def width(self, column: int, least: float) -> float:
        chars = max(money_chars(self.low[column], self.code), money_chars(self.high[column], self.code))
        return max(least, chars + MONEY_MARGIN)


def write_payroll_sheet(target: IO[bytes], heading: SheetHeading, rows: Iterable[SheetRow]) -> SheetSummary:
    """Write the payroll sheet of `rows` (in the order given) into `target`, a seekable
    binary file (or BytesIO). The only writer of payroll sheets: the service, the command
    and the benchmark all come through here."""
    labels = Labels(heading.language)
    code = currency_code(heading.currency)
    positions: dict[str, PositionTotals] = {}
    widths = _Widths(len(WIDTHS), code)
    with tempfile.TemporaryFile() as spool:
        # The header names a column per coefficient and a streamed sheet cannot go back to
        # it, so the rows are first spooled to disk (flat memory) while the most
        # coefficients, the widths and the totals are counted.
        count, width = _spool(spool, rows, positions, widths)
        spool.seek(0)
        book = workbook(target, constant_memory=True)
        book.set_properties({"title": f"{heading.company} {heading.period}"[:255], "author": "marketer bonus engine"})
        looks = _looks(book, heading.currency)
        payroll = book.add_worksheet(labels.format("sheet_payroll", period=heading.period))
        positions_sheet = book.add_worksheet(labels["sheet_positions"])
        column_widths = [
            widths.width(column, least) if column in MONEY_COLUMNS else least for column, least in enumerate(WIDTHS)
        ]
        column_widths.extend([COEFFICIENT_WIDTH] * width)
        last_row = FIRST_ROW + count - 1 if count else TABLE_HEADER
        _set_up(payroll, column_widths, freeze=(FIRST_ROW, 2), filter_to=last_row, landscape=True)
        cells = Cells(payroll)
        _heading(cells, heading, labels, looks, width)
        _rows(cells, _unspool(spool), looks)
        _totals(cells, labels, looks, count, positions)
        _positions(positions_sheet, positions, labels, looks, code)
        book.close()
    return SheetSummary(count, width, positions)


def _spool(spool: IO[bytes], rows: Iterable[SheetRow], positions, widths: _Widths) -> tuple[int, int]:
    """Pickle the rows into `spool` a chunk at a time; returns how many and the most
    coefficients, and sums them by position."""
    width = count = 0
    pending: list[SheetRow] = []
    see = widths.see
    for row in rows:
        _, _, position, fixed, bonus, adjustments, total, coefficients, _ = row
        pending.append(row)
        width = max(width, len(coefficients))
        count += 1
        for column, value in zip(MONEY_COLUMNS, (fixed, bonus, adjustments, total), strict=True):
            see(column, value)
        sums = positions.get(position)
        if sums is None:
            sums = positions[position] = PositionTotals()
        sums.count += 1
        sums.fixed += fixed
        sums.bonus += bonus
        sums.adjustments += adjustments
        sums.total += total
        if len(pending) == SPOOL_ROWS:
            pickle.dump(pending, spool, protocol=pickle.HIGHEST_PROTOCOL)
            pending.clear()
    if pending:
        pickle.dump(pending, spool, protocol=pickle.HIGHEST_PROTOCOL)
    # The totals (the sum over positions) are money too: their width counts.
    for column, attribute in zip(MONEY_COLUMNS, ("fixed", "bonus", "adjustments", "total"), strict=True):
        see(column, sum((getattr(sums, attribute) for sums in positions.values()), Decimal(0)))
    return count, width


def _unspool(spool: IO[bytes]) -> Iterator[SheetRow]:
    while True:
        try:
            chunk = pickle.load(spool)
        except EOFError:
            return
        yield from chunk


def _heading(cells: Cells, heading: SheetHeading, labels: Labels, looks: Looks, width: int) -> None:
    """The rows above the table (what the sheet is, of whom and in what state: each one
    text cell that runs on over the empty cells beside it), and the table's column names."""
    status_key = f"status_{heading.run_status}"
    title = labels.format("sheet_title", company=heading.company)
    if heading.provisional:
        title = f"{title} ({labels['provisional_preview']})"
    cells.text(0, 0, title, looks.title)
    for row, (key, value) in enumerate(
        (
            ("company", heading.company),
            ("period", labels.month(heading.period)),
            ("run_status", labels[status_key] if status_key in labels else heading.run_status),
            ("approved_by", heading.approved_by or labels["not_approved"]),
            ("currency", heading.currency),
        ),
        start=1,
    ):
        cells.text(row, 0, f"{labels[key]}: {value}", looks.heading)
    names = ["personnel_number", "employee", "position", "fixed", "bonus", "adjustments", "total", "score"]
    cells.sheet.set_row(TABLE_HEADER, HEADER_HEIGHT)
    for column, key in enumerate(names):
        cells.text(TABLE_HEADER, column, labels[key], looks.header)
    for offset in range(width):
        cells.text(TABLE_HEADER, FIRST_COEFFICIENT + offset, f"k{offset + 1}", looks.header)


def _rows(cells: Cells, rows: Iterable[SheetRow], looks: Looks) -> None:
    text, number, percent = cells.text, cells.number, cells.percent
    money = looks.money
    for index, (personnel_number, name, position, fixed, bonus, adjustments, total, coefficients, score) in enumerate(
        rows, start=FIRST_ROW
    ):
        text(index, 0, personnel_number, looks.text)
        text(index, 1, name, looks.text)
        text(index, 2, position, looks.text)
        number(index, 3, fixed, money)
        number(index, 4, bonus, money)
        number(index, 5, adjustments, money)
        number(index, 6, total, money)
        percent(index, SCORE_COLUMN, score, looks.percent)
        for offset, k in enumerate(coefficients):
            number(index, FIRST_COEFFICIENT + offset, Decimal(k), looks.ratio)


def _sum(cells: Cells, row: int, column: int, first: int, last: int, value, look: Style) -> None:
    """`=SUM(…)` of rows first..last (from 0) of the column, with its value; a plain 0 when
    there are no rows."""
    if last < first:
        cells.number(row, column, 0, look)
        return
    letter = xl_col_to_name(column)
    cells.formula(row, column, f"=SUM({letter}{first + 1}:{letter}{last + 1})", value, look)


def _totals(cells: Cells, labels: Labels, looks: Looks, count: int, positions: dict[str, PositionTotals]) -> None:
    row = FIRST_ROW + count
    cells.text(row, 0, labels["totals"], looks.total)
    cells.number(row, 1, None, looks.total)
    cells.number(row, 2, None, looks.total)
    for column, attribute in zip(MONEY_COLUMNS, ("fixed", "bonus", "adjustments", "total"), strict=True):
        value = sum((getattr(sums, attribute) for sums in positions.values()), Decimal(0))
        _sum(cells, row, column, FIRST_ROW, row - 1, value, looks.total_money)


def _positions(sheet, positions: dict[str, PositionTotals], labels: Labels, looks: Looks, code: str) -> None:
    cells = Cells(sheet)
    ordered = sorted(positions.items(), key=lambda item: (item[0] == "", item[0].casefold(), item[0]))
    widths = _Widths(len(POSITION_WIDTHS), code)
    grand = PositionTotals()
    for _, sums in ordered:
        grand.count += sums.count
        for attribute in ("fixed", "bonus", "adjustments", "total"):
            setattr(grand, attribute, getattr(grand, attribute) + getattr(sums, attribute))
    for sums in (*(sums for _, sums in ordered), grand):
        for column, attribute in zip((2, 3, 4, 5), ("fixed", "bonus", "adjustments", "total"), strict=True):
            widths.see(column, getattr(sums, attribute))
    column_widths = [
        widths.width(column, least) if column >= 2 else least for column, least in enumerate(POSITION_WIDTHS)
    ]
    _set_up(sheet, column_widths, freeze=(1, 0), filter_to=None, landscape=False)
    sheet.set_row(0, HEADER_HEIGHT)
    for column, key in enumerate(["position", "count", "fixed", "bonus", "adjustments", "total"]):
        cells.text(0, column, labels[key], looks.header)
    for row, (position, sums) in enumerate(ordered, start=1):
        cells.text(row, 0, position or labels["no_position"], looks.text)
        cells.number(row, 1, sums.count, looks.integer)
        cells.number(row, 2, sums.fixed, looks.money)
        cells.number(row, 3, sums.bonus, looks.money)
        cells.number(row, 4, sums.adjustments, looks.money)
        cells.number(row, 5, sums.total, looks.money)
    last = len(ordered)
    row = last + 1
    cells.text(row, 0, labels["totals"], looks.total)
    _sum(cells, row, 1, 1, last, grand.count, looks.total_integer)
    for column, attribute in zip((2, 3, 4, 5), ("fixed", "bonus", "adjustments", "total"), strict=True):
        _sum(cells, row, column, 1, last, getattr(grand, attribute), looks.total_money)


def _set_up(sheet, widths: Sequence[float], *, freeze: tuple[int, int], filter_to: int | None, landscape: bool) -> None:
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    sheet.freeze_panes(*freeze)
    header = freeze[0] - 1
    if filter_to is not None:
        sheet.autofilter(header, 0, max(filter_to, header), len(widths) - 1)
    sheet.repeat_rows(header)
    page_set_up(sheet, landscape=landscape, fit_height=0, margins=(0.4, 0.5))
