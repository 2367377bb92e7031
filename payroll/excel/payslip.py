"""The payslip: one payout on one A4 page, built from the stored payout and its trace (spec
§8) — nothing is recomputed, so an approved payout's payslip never changes."""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.page import PageMargins

from payroll.excel.labels import Labels
from payroll.excel.xlsx import CellXml, Frame, Style, day, dimension, number, percent, register, row_xml, text

WIDTHS = (44, 16, 16, 16, 16, 16, 30)  # columns A to G
HEADER_HEIGHT = 30
Row = tuple[Sequence[CellXml | None], float | None]


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


def money_format(currency: str) -> str:
    """Two decimals and the currency's code: `#,##0.00 "RUB"`."""
    code = "".join(character for character in currency if character.isalnum())
    return f'#,##0.00 "{code}"'


@lru_cache(maxsize=64)
def frame(language: str, currency: str) -> tuple[Frame, Looks]:
    """The payslip's workbook without its rows, for one language and currency; kept for the
    process's life (a few kilobytes each)."""
    labels = Labels(language)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = labels["payslip"]
    for column, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + column)].width = width
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_PORTRAIT
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 1
    sheet.page_margins = PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.6, header=0.3, footer=0.3)
    sheet.sheet_view.showGridLines = False

    money = money_format(currency)
    bold, right = Font(bold=True), Alignment(horizontal="right")
    line = Border(bottom=Side(style="thin"))
    looks = Looks(
        title=register(workbook, font=Font(bold=True, size=14)),
        heading=register(workbook, font=Font(bold=True, size=12)),
        section=register(workbook, font=Font(bold=True, size=12), border=line),
        header=register(
            workbook,
            font=bold,
            border=line,
            fill=PatternFill("solid", fgColor="FFE7E6E6"),
            alignment=Alignment(wrap_text=True, vertical="center"),
        ),
        text=register(workbook),
        right=register(workbook, alignment=right),
        bold=register(workbook, font=bold),
        money=register(workbook, number_format=money),
        money_bold=register(workbook, number_format=money, font=bold),
        total=register(workbook, font=Font(bold=True, size=12), border=Border(top=Side(style="thin"))),
        total_money=register(
            workbook, number_format=money, font=Font(bold=True, size=12), border=Border(top=Side(style="thin"))
        ),
        percent=register(workbook, number_format="0.00%"),
        ratio=register(workbook, number_format="0.0000"),
        quantity=register(workbook, number_format="#,##0.00##"),
        integer=register(workbook, number_format="#,##0"),
        date=register(workbook, number_format=labels["date_format"], alignment=Alignment(horizontal="left")),
    )
    return Frame.of(workbook), looks


def payslip_xlsx(source: PayslipSource) -> bytes:
    buffer = io.BytesIO()
    write_payslip(buffer, source)
    return buffer.getvalue()


def write_payslip(target: IO[bytes], source: PayslipSource) -> None:
    package, looks = frame(source.language, source.currency)
    rows = list(_rows(source, Labels(source.language), looks))
    xml = "".join(row_xml(index, cells, height=height) for index, (cells, height) in enumerate(rows, 1))
    package.write(target, [(dimension(len(rows), len(WIDTHS)), [xml])])


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _rows(source: PayslipSource, labels: Labels, looks: Looks) -> Iterator[Row]:
    trace = source.trace or {}
    bonus = trace.get("bonus")
    yield [text(f"{labels['payslip']} — {labels.month(source.period)}", looks.title)], None
    yield [text(source.company, looks.heading)], None
    yield [], None
    for key, value in (
        ("personnel_number", source.personnel_number),
        ("employee", source.full_name),
        ("position", source.position),
        ("period", labels.month(source.period)),
        ("currency", source.currency),
        ("run_status", labels[f"status_{source.run_status}"]),
    ):
        yield [text(labels[key], looks.text), text(value, looks.text)], None
    yield from _fixed(source, trace.get("fixed") or {}, labels, looks)
    yield from _kpis(trace.get("kpis") or [], bonus, labels, looks)
    yield from _bonus(source, bonus, trace.get("kpis") or [], labels, looks)
    yield from _adjustments(source, trace.get("adjustments") or [], labels, looks)
    yield [], None
    yield [text(labels["total"], looks.total), number(source.total, looks.total_money)], None
    if source.warnings:
        yield [], None
        yield [text(labels["section_warnings"], looks.section)], None
        for warning in source.warnings:
            yield [text(labels.warning(warning), looks.text)], None


def _section(title: str, looks: Looks) -> Iterator[Row]:
    yield [], None
    yield [text(title, looks.section)], None


def _header(labels: Labels, looks: Looks, *keys: str) -> Row:
    return [text(labels[key], looks.header) for key in keys], HEADER_HEIGHT


def _fixed(source: PayslipSource, fixed: Mapping[str, Any], labels: Labels, looks: Looks) -> Iterator[Row]:
    yield from _section(labels["section_fixed"], looks)
    yield [text(labels["hire_date"], looks.text), day(fixed.get("hire_date"), looks.date)], None
    if fixed.get("termination_date"):
        yield [text(labels["termination_date"], looks.text), day(fixed["termination_date"], looks.date)], None
    working_days = fixed.get("working_days_in_period")
    yield [text(labels["working_days_in_period"], looks.text), number(working_days, looks.integer)], None
    segments = fixed.get("segments") or []
    if segments:
        yield _header(labels, looks, "segment_from", "segment_to", "monthly_salary", "working_days", "amount")
        for segment in segments:
            yield (
                [
                    day(segment["from"], looks.date),
                    day(segment["to"], looks.date),
                    number(_decimal(segment["monthly_amount"]), looks.money),
                    number(segment["working_days"], looks.integer),
                    number(_decimal(segment["amount"]), looks.money),
                ],
                None,
            )
    yield [text(labels["fixed_total"], looks.bold), number(source.fixed, looks.money_bold)], None


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
                text(entry.get("name") or entry["code"], looks.text),
                number(_decimal(entry.get("plan")), looks.quantity),
                number(_decimal(entry.get("actual")), looks.quantity),
                percent(entry.get("fulfillment_pct"), looks.percent),
                percent(cap, looks.percent) if cap is not None else None,
                number(_decimal(weight), looks.ratio) if weight is not None else None,
                text(note, looks.text),
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
                    text(f"{factor['name']} — {_factor_input(factor, names, labels)}", looks.text),
                    percent(factor.get("percentage"), looks.percent),
                    percent(band.get("from_pct"), looks.percent),
                    percent(upper, looks.percent) if upper is not None else text(labels["band_open"], looks.right),
                    number(_decimal(factor.get("coefficient")), looks.ratio),
                    text(factor.get("band_table"), looks.text),
                ],
                None,
            )
    yield from _section(labels["section_bonus"], looks)
    if bonus is None:
        yield [text(labels["no_scheme"], looks.text)], None
    else:
        base = bonus.get("base") or {}
        kind_key = f"base_kind_{base.get('kind')}"
        yield [text(labels["scheme"], looks.text), text(bonus.get("scheme"), looks.text)], None
        yield (
            [
                text(labels["base_kind"], looks.text),
                text(labels[kind_key] if kind_key in labels else base.get("kind"), looks.text),
            ],
            None,
        )
        if base.get("share") is not None:
            yield [text(labels["base_share"], looks.text), number(_decimal(base["share"]), looks.ratio)], None
        yield [text(labels["base"], looks.text), number(_decimal(base.get("amount")), looks.money)], None
        yield [text(labels["product"], looks.text), number(_decimal(bonus.get("product")), looks.ratio)], None
        if bonus.get("cap") is None:
            yield [text(labels["cap_ratio"], looks.text), text(labels["no_cap"], looks.right)], None
        else:
            yield [text(labels["cap_ratio"], looks.text), number(_decimal(bonus["cap"]), looks.ratio)], None
            yield [text(labels["cap_amount"], looks.text), number(_decimal(bonus.get("cap_amount")), looks.money)], None
            yield (
                [text(labels["capped"], looks.text), text(labels["yes" if bonus.get("capped") else "no"], looks.right)],
                None,
            )
    yield [text(labels["bonus"], looks.bold), number(source.bonus, looks.money_bold)], None


def _adjustments(source, adjustments: Sequence[Mapping[str, str]], labels: Labels, looks: Looks) -> Iterator[Row]:
    if not adjustments:
        return
    yield from _section(labels["section_adjustments"], looks)
    yield _header(labels, looks, "reason", "amount")
    for adjustment in adjustments:
        yield (
            [text(adjustment.get("reason", ""), looks.text), number(_decimal(adjustment["amount"]), looks.money)],
            None,
        )
    yield [text(labels["adjustments"], looks.bold), number(source.adjustments, looks.money_bold)], None
