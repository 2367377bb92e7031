"""The payslip: one payout on one A4 page, built from the stored payout and its trace (spec
§8) — nothing is recomputed, so an approved payout's payslip never changes."""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from payroll.excel.labels import Labels
from payroll.excel.xlsx import Cells, Style, money_chars, page_set_up, style, workbook

WIDTHS = (44, 16, 16, 16, 16, 16, 30)  # columns A to G
HEADER_HEIGHT = 30
MONEY_MARGIN = 4  # room beyond a money cell's characters: bold, padding, a wider font
LARGE_FONT_MARGIN = 3  # and for the total's 12-point bold
# A cell of a row: how it is written (a `Cells` method's name), the value and the look.
Cell = tuple[str, Any, Style]
Row = tuple[Sequence[Cell | None], float | None]


@dataclass(frozen=True)
class PayslipSource:
    """What a payslip shows: the payout as stored, its employee, run and company."""

    company: str
    currency: str
    language: str
    period: str
    run_status: str
    personnel_number: str
    full_name: str
    position: str
    fixed: Decimal
    bonus: Decimal
    adjustments: Decimal
    total: Decimal
    warnings: Sequence[Mapping[str, str]] = ()
    trace: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Looks:
    title: Style
    heading: Style
    section: Style
    header: Style
    text: Style
    right: Style
    bold: Style
    money: Style
    money_bold: Style
    total: Style
    total_money: Style
    percent: Style
    ratio: Style
    quantity: Style
    integer: Style
    date: Style


def currency_code(currency: str) -> str:
    return "".join(character for character in currency if character.isalnum())


def money_format(currency: str) -> str:
    """Two decimals and the currency's code: `#,##0.00 "RUB"`."""
    return f'#,##0.00 "{currency_code(currency)}"'


def _looks(book, currency: str, labels: Labels) -> Looks:
    money = money_format(currency)
    line, top = {"bottom": 1}, {"top": 1}
    return Looks(
        title=style(book, bold=True, font_size=14),
        heading=style(book, bold=True, font_size=12),
        section=style(book, bold=True, font_size=12, **line),
        header=style(book, bold=True, bg_color="#E7E6E6", text_wrap=True, valign="vcenter", **line),
        text=style(book),
        right=style(book, align="right"),
        bold=style(book, bold=True),
        money=style(book, num_format=money),
        money_bold=style(book, num_format=money, bold=True),
        total=style(book, bold=True, font_size=12, **top),
        total_money=style(book, num_format=money, bold=True, font_size=12, **top),
        percent=style(book, num_format="0.00%"),
        ratio=style(book, num_format="0.0000"),
        quantity=style(book, num_format="#,##0.00##"),
        integer=style(book, num_format="#,##0"),
        date=style(book, num_format=labels["date_format"], align="left"),
    )


def payslip_xlsx(source: PayslipSource) -> bytes:
    buffer = io.BytesIO()
    write_payslip(buffer, source)
    return buffer.getvalue()


def write_payslip(target: IO[bytes], source: PayslipSource) -> None:
    labels = Labels(source.language)
    book = workbook(target)
    looks = _looks(book, source.currency, labels)
    sheet = book.add_worksheet(labels["payslip"])
    page_set_up(sheet, landscape=False, fit_height=1, margins=(0.5, 0.6))
    sheet.hide_gridlines(2)
    cells = Cells(sheet)
    widths = list(WIDTHS)
    code = currency_code(source.currency)
    money = {looks.money: 0, looks.money_bold: 0, looks.total_money: LARGE_FONT_MARGIN}
    for index, (row, height) in enumerate(_rows(source, labels, looks)):
        if height:
            sheet.set_row(index, height)
        for column, cell in enumerate(row):
            if cell is not None:
                kind, value, look = cell
                getattr(cells, kind)(index, column, value, look)
                if look in money and value is not None:  # wide enough never to show ###
                    chars = money_chars(value, code) + MONEY_MARGIN + money[look]
                    widths[column] = max(widths[column], chars)
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    book.close()


def _text(value, look: Style) -> Cell | None:
    return None if value is None else ("text", value, look)


def _number(value, look: Style) -> Cell:
    return "number", value, look


def _percent(value, look: Style) -> Cell:
    return "percent", value, look


def _day(value, look: Style) -> Cell:
    return "day", value, look


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _rows(source: PayslipSource, labels: Labels, looks: Looks) -> Iterator[Row]:
    trace = source.trace or {}
    bonus = trace.get("bonus")
    yield [_text(f"{labels['payslip']} — {labels.month(source.period)}", looks.title)], None
    yield [_text(source.company, looks.heading)], None
    yield [], None
    for key, value in (
        ("personnel_number", source.personnel_number),
        ("employee", source.full_name),
        ("position", source.position),
        ("period", labels.month(source.period)),
        ("currency", source.currency),
        ("run_status", labels[f"status_{source.run_status}"]),
    ):
        yield [_text(labels[key], looks.text), _text(value, looks.text)], None
    yield from _fixed(source, trace.get("fixed") or {}, labels, looks)
    yield from _kpis(trace.get("kpis") or [], bonus, labels, looks)
    yield from _bonus(source, bonus, trace.get("kpis") or [], labels, looks)
    yield from _adjustments(source, trace.get("adjustments") or [], labels, looks)
    yield [], None
    yield [_text(labels["total"], looks.total), _number(source.total, looks.total_money)], None
    if source.warnings:
        yield [], None
        yield [_text(labels["section_warnings"], looks.section)], None
        for warning in source.warnings:
            yield [_text(labels.warning(warning), looks.text)], None


def _section(title: str, looks: Looks) -> Iterator[Row]:
    yield [], None
    yield [_text(title, looks.section)], None


def _header(labels: Labels, looks: Looks, *keys: str) -> Row:
    return [_text(labels[key], looks.header) for key in keys], HEADER_HEIGHT


def _fixed(source: PayslipSource, fixed: Mapping[str, Any], labels: Labels, looks: Looks) -> Iterator[Row]:
    yield from _section(labels["section_fixed"], looks)
    yield [_text(labels["hire_date"], looks.text), _day(fixed.get("hire_date"), looks.date)], None
    if fixed.get("termination_date"):
        yield [_text(labels["termination_date"], looks.text), _day(fixed["termination_date"], looks.date)], None
    working_days = fixed.get("working_days_in_period")
    yield [_text(labels["working_days_in_period"], looks.text), _number(working_days, looks.integer)], None
    segments = fixed.get("segments") or []
    if segments:
        yield _header(labels, looks, "segment_from", "segment_to", "monthly_salary", "working_days", "amount")
        for segment in segments:
            yield (
                [
                    _day(segment["from"], looks.date),
                    _day(segment["to"], looks.date),
                    _number(_decimal(segment["monthly_amount"]), looks.money),
                    _number(segment["working_days"], looks.integer),
                    _number(_decimal(segment["amount"]), looks.money),
                ],
                None,
            )
    yield [_text(labels["fixed_total"], looks.bold), _number(source.fixed, looks.money_bold)], None


def _kpis(kpis: Sequence[Mapping[str, Any]], bonus: Mapping[str, Any] | None, labels: Labels, looks: Looks):
    if not kpis:
        return
    # Cap and weight of each KPI that counts in a KPI set (the first set, if several hold it).
    in_sets: dict[str, tuple[str, str]] = {}
    for factor in (bonus or {}).get("factors") or []:
        factor_input = factor.get("input") or {}
        for item in factor_input.get("items") or []:
            in_sets.setdefault(item["kpi"], (factor_input.get("cap_pct"), item.get("weight")))
    yield from _section(labels["section_kpis"], looks)
    yield _header(labels, looks, "kpi", "plan", "actual", "fulfillment", "cap", "weight", "note")
    for entry in kpis:
        if "undefined" in entry:
            note = labels.format("note_undefined", reason=entry["undefined"])
        elif entry.get("no_plan"):
            note = labels["note_no_plan"]
        else:
            note = None
        cap, weight = in_sets.get(entry["code"], (None, None))
        yield (
            [
                _text(entry.get("name") or entry["code"], looks.text),
                _number(_decimal(entry.get("plan")), looks.quantity),
                _number(_decimal(entry.get("actual")), looks.quantity),
                _percent(entry.get("fulfillment_pct"), looks.percent),
                _percent(cap, looks.percent) if cap is not None else None,
                _number(_decimal(weight), looks.ratio) if weight is not None else None,
                _text(note, looks.text),
            ],
            None,
        )


def _factor_input(factor: Mapping[str, Any], names: Mapping[str, str], labels: Labels) -> str:
    factor_input = factor.get("input") or {}
    if "kpi" in factor_input:
        return labels.format("input_kpi", name=names.get(factor_input["kpi"]) or factor_input["kpi"])
    if "kpi_set" in factor_input:
        return labels.format("input_kpi_set", name=factor_input["kpi_set"])
    return labels.format("input_unresolved", reason=factor_input.get("unresolved", ""))


def _bonus(source, bonus, kpis, labels: Labels, looks: Looks) -> Iterator[Row]:
    if bonus and bonus.get("factors"):
        names = {entry["code"]: entry.get("name") for entry in kpis}
        yield from _section(labels["section_factors"], looks)
        yield _header(labels, looks, "factor", "input_value", "band_from", "band_to", "coefficient", "band_table")
        for factor in bonus["factors"]:
            band = factor.get("band") or {}
            upper = band.get("to_pct")
            yield (
                [
                    _text(f"{factor['name']} — {_factor_input(factor, names, labels)}", looks.text),
                    _percent(factor.get("percentage"), looks.percent),
                    _percent(band.get("from_pct"), looks.percent),
                    _percent(upper, looks.percent) if upper is not None else _text(labels["band_open"], looks.right),
                    _number(_decimal(factor.get("coefficient")), looks.ratio),
                    _text(factor.get("band_table"), looks.text),
                ],
                None,
            )
    yield from _section(labels["section_bonus"], looks)
    if bonus is None:
        yield [_text(labels["no_scheme"], looks.text)], None
    else:
        base = bonus.get("base") or {}
        kind_key = f"base_kind_{base.get('kind')}"
        yield [_text(labels["scheme"], looks.text), _text(bonus.get("scheme"), looks.text)], None
        yield (
            [
                _text(labels["base_kind"], looks.text),
                _text(labels[kind_key] if kind_key in labels else base.get("kind"), looks.text),
            ],
            None,
        )
        if base.get("share") is not None:
            yield [_text(labels["base_share"], looks.text), _number(_decimal(base["share"]), looks.ratio)], None
        yield [_text(labels["base"], looks.text), _number(_decimal(base.get("amount")), looks.money)], None
        yield [_text(labels["product"], looks.text), _number(_decimal(bonus.get("product")), looks.ratio)], None
        if bonus.get("cap") is None:
            yield [_text(labels["cap_ratio"], looks.text), _text(labels["no_cap"], looks.right)], None
        else:
            yield [_text(labels["cap_ratio"], looks.text), _number(_decimal(bonus["cap"]), looks.ratio)], None
            yield (
                [_text(labels["cap_amount"], looks.text), _number(_decimal(bonus.get("cap_amount")), looks.money)],
                None,
            )
            yield (
                [
                    _text(labels["capped"], looks.text),
                    _text(labels["yes" if bonus.get("capped") else "no"], looks.right),
                ],
                None,
            )
    yield [_text(labels["bonus"], looks.bold), _number(source.bonus, looks.money_bold)], None


def _adjustments(source, adjustments: Sequence[Mapping[str, str]], labels: Labels, looks: Looks) -> Iterator[Row]:
    if not adjustments:
        return
    yield from _section(labels["section_adjustments"], looks)
    yield _header(labels, looks, "reason", "amount")
    for adjustment in adjustments:
        yield (
            [_text(adjustment.get("reason", ""), looks.text), _number(_decimal(adjustment["amount"]), looks.money)],
            None,
        )
    yield [_text(labels["adjustments"], looks.bold), _number(source.adjustments, looks.money_bold)], None
