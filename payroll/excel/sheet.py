"""The payroll sheet for finance: one row per payout, a totals row of `=SUM(…)` formulas,
and a second sheet summing by position.

The rows stream: each is written to a temporary file as it comes, so memory stays flat for
any number of payouts; the frame (column widths, frozen header, auto filter, page set-up),
which needs the row count and the widest set of coefficients, is made at the end."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.page import PageMargins

from payroll.excel.labels import Labels
from payroll.excel.payslip import money_format
from payroll.excel.xlsx import COLUMNS, Frame, Style, dimension, formula, number, percent, register, row_xml, text

# A payout as the sheet reads it: personnel number, name, position, fixed, bonus,
# adjustments, total, coefficients (as stored: text), score (None without a KPI set).
SheetRow = tuple[str, str, str, Decimal, Decimal, Decimal, Decimal, Sequence[str], Decimal | None]

MONEY_COLUMNS = ("D", "E", "F", "G")  # fixed, bonus, adjustments, total
FIRST_COEFFICIENT = 9  # column J, from 0
WIDTHS = (16, 34, 26, 16, 16, 16, 16, 9, 10)
COEFFICIENT_WIDTH = 9
POSITION_WIDTHS = (34, 12, 18, 18, 18, 18)
HEADER_HEIGHT = 30
FLUSH_ROWS = 1000
COPY_BYTES = 1 << 20


@dataclass(frozen=True)
class SheetHeading:
    company: str
    currency: str
    language: str
    period: str


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
    header: Style
    text: Style
    money: Style
    percent: Style
    ratio: Style
    integer: Style
    total: Style
    total_money: Style
    total_integer: Style


def _looks(workbook: Workbook, currency: str) -> Looks:
    money, bold = money_format(currency), Font(bold=True)
    line = Border(top=Side(style="thin"))
    return Looks(
        header=register(
            workbook,
            font=bold,
            fill=PatternFill("solid", fgColor="FFE7E6E6"),
            border=Border(bottom=Side(style="thin")),
            alignment=Alignment(wrap_text=True, vertical="center"),
        ),
        text=register(workbook),
        money=register(workbook, number_format=money),
        percent=register(workbook, number_format="0.00%"),
        ratio=register(workbook, number_format="0.0000"),
        integer=register(workbook, number_format="#,##0"),
        total=register(workbook, font=bold, border=line),
        total_money=register(workbook, font=bold, border=line, number_format=money),
        total_integer=register(workbook, font=bold, border=line, number_format="#,##0"),
    )


def write_payroll_sheet(target: IO[bytes], heading: SheetHeading, rows: Iterable[SheetRow]) -> SheetSummary:
    """Write the payroll sheet of `rows` (in the order given) into `target`, a seekable
    binary file opened for reading and writing. The only writer of payroll sheets: the
    service, the command and the benchmark all come through here."""
    labels = Labels(heading.language)
    workbook = Workbook()
    looks = _looks(workbook, heading.currency)
    positions: dict[str, PositionTotals] = {}
    with tempfile.TemporaryFile() as body:
        count, width = _write_rows(body, rows, looks, heading.currency, positions)
        frame = _frame(workbook, heading, labels, count, width)
        body.seek(0)
        last_column = FIRST_COEFFICIENT + width
        frame.write(
            target,
            [
                (
                    dimension(count + 2, last_column),
                    _payroll_chunks(body, labels, looks, count, width),
                ),
                (
                    dimension(len(positions) + 2, len(POSITION_WIDTHS)),
                    [_positions_xml(positions, labels, looks)],
                ),
            ],
        )
    return SheetSummary(count, width, positions)


def _write_rows(body: IO[bytes], rows: Iterable[SheetRow], looks: Looks, currency: str, positions) -> tuple[int, int]:
    """The data rows, from row 2 on, into `body`; returns how many and the most coefficients."""
    width = count = 0
    pending: list[str] = []
    for index, (personnel_number, name, position, fixed, bonus, adjustments, total, coefficients, score) in enumerate(
        rows, start=2
    ):
        cells = [
            text(personnel_number, looks.text),
            text(name, looks.text),
            text(position, looks.text),
            number(fixed, looks.money),
            number(bonus, looks.money),
            number(adjustments, looks.money),
            number(total, looks.money),
            text(currency, looks.text),
            percent(score, looks.percent),
        ]
        cells.extend(number(Decimal(k), looks.ratio) for k in coefficients)
        pending.append(row_xml(index, cells))
        width = max(width, len(coefficients))
        count += 1
        sums = positions.get(position)
        if sums is None:
            sums = positions[position] = PositionTotals()
        sums.count += 1
        sums.fixed += fixed
        sums.bonus += bonus
        sums.adjustments += adjustments
        sums.total += total
        if len(pending) == FLUSH_ROWS:
            body.write("".join(pending).encode())
            pending.clear()
    body.write("".join(pending).encode())
    return count, width


def _payroll_chunks(body: IO[bytes], labels: Labels, looks: Looks, count: int, width: int) -> Iterator[bytes | str]:
    headers = [
        "personnel_number",
        "employee",
        "position",
        "fixed",
        "bonus",
        "adjustments",
        "total",
        "currency",
        "score",
    ]
    header = [text(labels[key], looks.header) for key in headers]
    header.extend(text(f"k{index}", looks.header) for index in range(1, width + 1))
    yield row_xml(1, header, height=HEADER_HEIGHT)
    while chunk := body.read(COPY_BYTES):
        yield chunk
    totals_row = count + 2
    totals = [text(labels["totals"], looks.total), None, None]
    totals.extend(_sum(column, 2, count + 1, count, looks.total_money) for column in MONEY_COLUMNS)
    yield row_xml(totals_row, totals)


def _sum(column: str, first: int, last: int, count: int, style: Style):
    return formula(f"=SUM({column}{first}:{column}{last})", style) if count else number(0, style)


def _positions_xml(positions: dict[str, PositionTotals], labels: Labels, looks: Looks) -> str:
    headers = ["position", "count", "fixed", "bonus", "adjustments", "total"]
    rows = [row_xml(1, [text(labels[key], looks.header) for key in headers], height=HEADER_HEIGHT)]
    ordered = sorted(positions.items(), key=lambda item: (item[0] == "", item[0].casefold(), item[0]))
    for index, (position, sums) in enumerate(ordered, start=2):
        rows.append(
            row_xml(
                index,
                [
                    text(position or labels["no_position"], looks.text),
                    number(sums.count, looks.integer),
                    number(sums.fixed, looks.money),
                    number(sums.bonus, looks.money),
                    number(sums.adjustments, looks.money),
                    number(sums.total, looks.money),
                ],
            )
        )
    last, count = len(ordered) + 1, len(ordered)
    totals = [text(labels["totals"], looks.total), _sum("B", 2, last, count, looks.total_integer)]
    totals.extend(_sum(column, 2, last, count, looks.total_money) for column in ("C", "D", "E", "F"))
    rows.append(row_xml(last + 1, totals))
    return "".join(rows)


def _frame(workbook: Workbook, heading: SheetHeading, labels: Labels, count: int, width: int) -> Frame:
    workbook.properties.title = f"{heading.company} {heading.period}"[:255]
    workbook.properties.creator = "marketer bonus engine"
    payroll = workbook.active
    payroll.title = labels.format("sheet_payroll", period=heading.period)
    widths = (*WIDTHS, *(COEFFICIENT_WIDTH,) * width)
    _set_up(payroll, widths, freeze="C2", filter_rows=count + 1, landscape=True)
    positions = workbook.create_sheet(labels["sheet_positions"])
    _set_up(positions, POSITION_WIDTHS, freeze="A2", filter_rows=None, landscape=False)
    return Frame.of(workbook)


def _set_up(sheet, widths: Sequence[float], *, freeze: str, filter_rows: int | None, landscape: bool) -> None:
    for column, width in enumerate(widths):
        sheet.column_dimensions[COLUMNS[column]].width = width
    sheet.freeze_panes = freeze
    if filter_rows is not None:
        sheet.auto_filter.ref = f"A1:{COLUMNS[len(widths) - 1]}{max(filter_rows, 1)}"
    sheet.print_title_rows = "1:1"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE if landscape else sheet.ORIENTATION_PORTRAIT
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as the rows need
    sheet.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.5, header=0.3, footer=0.3)
