"""The KPI matrix as an .xlsx workbook, in the active language: a heading (company, month,
what the figures are, currency), one row per person with each KPI's fulfillment (filled with
its band's colour), each coefficient with its band in words, and the money in the company's
currency. Written through `payroll.excel.xlsx`, as every workbook of ours."""

from __future__ import annotations

from decimal import Decimal
from typing import IO

from django.utils.translation import gettext as _

from payroll.excel.payslip import currency_code, money_format
from payroll.excel.xlsx import Cells, money_chars, page_set_up, style, workbook
from payroll.matrix import Band, KpiMatrix
from portal.labels import catalogue_name
from portal.templatetags.portal import period_label

#: The page's band colours (portal.css, "KPI matrix"), as cell fills.
BAND_FILLS = {"1": "#F8D7D4", "2": "#FCE6C2", "3": "#FFF3B0", "4": "#D9F0C8", "top": "#BFE6CF"}
HEADING_ROWS = 6  # title, period, basis, currency, legend, a blank row
MONEY_MARGIN = 4


def band_words(band: Band | None) -> str:
    """The band in words, so colour is never the only signal."""
    if band is None:
        return ""
    return _("top band") if band.top else _("band %(row)s") % {"row": band.row}


def band_legend() -> list[tuple[str, str]]:
    """Each colour class's rank with its words, lowest first."""
    return [
        ("1", _("band 1 (lowest)")),
        ("2", _("band 2")),
        ("3", _("band 3")),
        ("4", _("band 4 and up")),
        ("top", _("top band (the table's last row)")),
    ]


def basis_text(matrix: KpiMatrix) -> str:
    """What the figures are, in words (the page says the same)."""
    if matrix.closed and matrix.run is not None:
        run = matrix.run
        day = run.approved_at.date().isoformat() if run.approved_at else ""
        return _("Approved statements: the payouts approved on %(day)s, as stored.") % {"day": day}
    return _("Projection — not yet approved: the payout each person's month brings at the current pace.")


def write_kpi_matrix(target: IO[bytes], matrix: KpiMatrix) -> None:
    """Write the matrix, in its rows' order, into `target` (a binary file or BytesIO)."""
    book = workbook(target)
    book.set_properties({"title": f"{matrix.company.name} {matrix.period}"[:255], "author": "marketer bonus engine"})
    code = currency_code(matrix.currency)
    money = money_format(matrix.currency)
    looks = {
        "title": style(book, bold=True, font_size=14),
        "text": style(book),
        "header": style(book, bold=True, bg_color="#E7E6E6", bottom=1, text_wrap=True, valign="vcenter"),
        "percent": style(book, num_format="0.00%"),
        "ratio": style(book, num_format="0.0###"),
        "money": style(book, num_format=money),
        **{f"band-{rank}": style(book, num_format="0.00%", bg_color=fill) for rank, fill in BAND_FILLS.items()},
        **{f"legend-{rank}": style(book, bg_color=fill) for rank, fill in BAND_FILLS.items()},
    }
    sheet = book.add_worksheet(_("KPI matrix")[:31])
    cells = Cells(sheet)
    cells.text(0, 0, _("KPI matrix — %(company)s") % {"company": matrix.company.name}, looks["title"])
    cells.text(1, 0, f"{_('Month')}: {period_label(str(matrix.period))}", looks["text"])
    cells.text(2, 0, basis_text(matrix), looks["text"])
    cells.text(3, 0, f"{_('Currency')}: {matrix.currency}", looks["text"])
    cells.text(4, 0, _("Bands:"), looks["text"])
    for offset, (rank, words) in enumerate(band_legend(), start=1):
        cells.text(4, offset, words, looks[f"legend-{rank}"])

    header = [_("Personnel number"), _("Employee"), _("Position")]
    header += [catalogue_name(name) for _code, name in matrix.kpis]
    for index in range(1, matrix.factor_count + 1):
        header += [f"k{index}", _("k%(index)s: band") % {"index": index}]
    header += [_("Fixed pay"), _("Bonus"), _("Adjustments"), _("Total")]
    table = HEADING_ROWS
    sheet.set_row(table, 30)
    for column, label in enumerate(header):
        cells.text(table, column, label, looks["header"])

    first_money = 3 + len(matrix.kpis) + 2 * matrix.factor_count
    widest = [money_chars(Decimal(0), code)] * 4
    for number, row in enumerate(matrix.rows, start=table + 1):
        cells.text(number, 0, row.personnel_number, looks["text"])
        cells.text(number, 1, row.full_name, looks["text"])
        cells.text(number, 2, row.position, looks["text"])
        column = 3
        for kpi, _name in matrix.kpis:
            cell = row.kpis.get(kpi)
            if cell is not None:
                paid_by = cell.factor.band if cell.factor else None
                shade = paid_by.rank if paid_by else None
                cells.percent(number, column, cell.fulfillment, looks[f"band-{shade}"] if shade else looks["percent"])
            column += 1
        for index in range(matrix.factor_count):
            if index < len(row.factors):
                factor = row.factors[index]
                cells.number(number, column, factor.coefficient, looks["ratio"])
                cells.text(number, column + 1, band_words(factor.band), looks["text"])
            column += 2
        for offset, amount in enumerate((row.fixed, row.bonus, row.adjustments, row.total)):
            cells.number(number, first_money + offset, amount, looks["money"])
            widest[offset] = max(widest[offset], money_chars(amount, code))

    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 28)
    sheet.set_column(2, 2, 22)
    if matrix.kpis:
        sheet.set_column(3, 2 + len(matrix.kpis), 14)
    for index in range(matrix.factor_count):
        sheet.set_column(3 + len(matrix.kpis) + 2 * index, 3 + len(matrix.kpis) + 2 * index, 9)
        sheet.set_column(4 + len(matrix.kpis) + 2 * index, 4 + len(matrix.kpis) + 2 * index, 14)
    for offset, chars in enumerate(widest):
        sheet.set_column(first_money + offset, first_money + offset, max(14, chars + MONEY_MARGIN))
    sheet.freeze_panes(table + 1, 2)
    last = table + len(matrix.rows)
    sheet.autofilter(table, 0, max(last, table), len(header) - 1)
    page_set_up(sheet, landscape=True, fit_height=0, margins=(0.4, 0.5))
    book.close()
