"""Yandex Direct spend: the Reports service's TSV and the interface's spreadsheet export, one
spend event per campaign-day (external_id "<CampaignId>:<Date>").

Where each field comes from:
- The Reports TSV (Yandex Direct API v5, "Report content",
  https://yandex.com/dev/direct/doc/en/report-format): the first row is the ReportName with the
  period's start and end dates (absent with the header skipReportHeader: true), the second the
  FieldNames (absent with skipColumnHeader: true), then the rows, and a last row with the number of
  rows, "Total rows: N" (absent with skipReportSummary: true). Fields Date (YYYY-MM-DD),
  CampaignId, CampaignName, Impressions, Clicks, Cost, Conversions are described there.
- Money: in micros (millionths, whole numbers) unless the request sent the HTTP header
  returnMoneyInMicros: false ("Example: clicks and cost",
  https://yandex.com/dev/direct/doc/en/example). The file does not say which: `money_in_micros`.
  A Cost with a fraction cannot be micros and is reported, not guessed.
- IncludeVAT YES|NO is the request's setting ("Request: report specification",
  https://yandex.com/dev/direct/doc/en/spec): `includes_vat`. The amounts are in the account's
  currency, which the report does not name: `currency`.
- The interface's export (Report Wizard, "Мастер отчётов", saved as XLSX or CSV): title rows
  above a header in the interface's language — «Дата», «№ Кампании», «Кампания», «Показы»,
  «Клики», «Расход (руб.)», «Конверсии» — money in the currency's units, a «Итого» total row.
  These headers were not found in the stored documentation; they are matched by alias (English
  API names accepted too), and a file without them is refused as a whole.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from events.connectors._common import (
    RowError,
    decode,
    export_rows,
    file_problem,
    from_micros,
    is_xlsx,
    row_problem,
    to_date,
    to_decimal,
    to_decimal_or_zero,
)
from events.schema import SPEND, EventIn, Parsed

SOURCE = "yandex-direct"

_TOTAL = re.compile(r"^\s*(Total rows|Всего строк)\s*:\s*(\d+)\s*$", re.IGNORECASE)

_EXPORT_COLUMNS = {
    "date": ("Date", "Дата", "День", "Sana"),
    "campaign_id": ("CampaignId", "№ Кампании", "№ кампании", "ID кампании", "Campaign ID", "Kampaniya ID"),
    "campaign_name": ("CampaignName", "Кампания", "Название кампании", "Campaign", "Kampaniya"),
    "cost": ("Cost", "Расход", "Расход (руб.)", "Расход, руб.", "Расход (сум)", "Расход (тенге)", "Расход (USD)",
             "Cost (RUB)", "Xarajat"),
    "impressions": ("Impressions", "Показы", "Koʻrsatishlar"),
    "clicks": ("Clicks", "Клики", "Kliklar"),
    "conversions": ("Conversions", "Конверсии", "Konversiyalar"),
}


def parse_file(content: bytes, file_name: str, *, currency: str = "", includes_vat: bool | None = None,
               money_in_micros: bool = True, field_names: Sequence[str] | None = None) -> Parsed:
    """A Reports TSV (by its "Total rows" line or its header of API field names) or the
    interface's XLSX/CSV export. `field_names` are the columns of a TSV saved without its
    column header (skipColumnHeader)."""
    if not content.strip():
        return Parsed(problems=[file_problem("empty_file", f"{file_name}: the file is empty")])
    if not is_xlsx(content) and (field_names or _is_report_tsv(decode(content))):
        return parse_report(decode(content), currency=currency, includes_vat=includes_vat,
                            money_in_micros=money_in_micros, field_names=field_names)
    return parse_export(content, file_name, currency=currency, includes_vat=includes_vat)


def _is_report_tsv(text: str) -> bool:
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return False
    if _TOTAL.match(lines[-1]):
        return True
    head = lines[:2]
    return any("CampaignId" in line.split("\t") or "Date" in line.split("\t") for line in head) and "\t" in text


def parse_report(text: str, *, currency: str, includes_vat: bool | None = None, money_in_micros: bool = True,
                 field_names: Sequence[str] | None = None) -> Parsed:
    """One Reports service answer (TSV text)."""
    parsed = Parsed()
    lines = text.splitlines()
    numbered = [(index + 1, line) for index, line in enumerate(lines) if line.strip()]
    expected: int | None = None
    if numbered and (match := _TOTAL.match(numbered[-1][1])):
        expected = int(match.group(2))
        numbered = numbered[:-1]
    header: list[str] | None = list(field_names) if field_names else None
    report_name = ""
    if numbered and "\t" not in numbered[0][1] and not header:
        report_name = numbered[0][1].strip().strip('"')
        numbered = numbered[1:]
    elif numbered and "\t" not in numbered[0][1] and header and numbered[0][1].strip() not in header:
        report_name = numbered[0][1].strip().strip('"')
        numbered = numbered[1:]
    if header is None:
        if not numbered:
            parsed.problems.append(file_problem("no_header", "The report has no column names (skipColumnHeader?)"))
            return parsed
        header = numbered[0][1].split("\t")
        numbered = numbered[1:]
    missing = [name for name in ("Date", "CampaignId", "Cost") if name not in header]
    if missing:
        parsed.problems.append(file_problem(
            "missing_columns", "The report lacks the fields " + ", ".join(missing)
            + " (FieldNames must include Date, CampaignId and Cost)"))
        return parsed
    if expected is not None and expected != len(numbered):
        parsed.problems.append(file_problem(
            "row_count", f"The report says Total rows: {expected} but has {len(numbered)} rows (cut short?)"))
    rows = []
    for number, line in numbered:
        values = line.split("\t")
        if len(values) != len(header):
            parsed.problems.append(row_problem(number, RowError(
                "", "column_count", f"Row {number} has {len(values)} fields, the header {len(header)}")))
            continue
        rows.append((number, dict(zip(header, values, strict=True))))
    _collect(parsed, rows, money=lambda text, column: _report_money(text, column, money_in_micros),
             names={"date": "Date", "campaign_id": "CampaignId", "campaign_name": "CampaignName", "cost": "Cost",
                    "impressions": "Impressions", "clicks": "Clicks", "conversions": "Conversions"},
             currency=currency, includes_vat=includes_vat, extra={"report_name": report_name} if report_name else {})
    return parsed


def _report_money(text: str, column: str, money_in_micros: bool) -> Decimal:
    if money_in_micros:
        if re.fullmatch(r"\s*-?\d+[.,]\d+\s*", text):
            raise RowError(column, "not_micros", f"{column}: {text!r} has a fraction, so it is not in micros "
                           "(was the report asked with returnMoneyInMicros: false?)")
        return from_micros(text, column)
    return to_decimal(text, column, decimal_comma=False)


def parse_export(content: bytes, file_name: str, *, currency: str, includes_vat: bool | None = None) -> Parsed:
    """The Direct interface's report saved as XLSX or CSV (amounts in the currency's units)."""
    export = export_rows(content, file_name, _EXPORT_COLUMNS, ("date", "campaign_id", "cost"), "neither a Reports TSV nor a Direct export (no Date, campaign № " "and cost columns)")
    if isinstance(export, list):
        return Parsed(problems=export)
    titles, data = export
    rows = []
    for number, values in data:
        if values.get("date", "").casefold().startswith(("итого", "total", "всего", "jami")):
            continue
        rows.append((number, {titles[name]: values.get(name, "") for name in titles}))
    parsed = Parsed()
    _collect(parsed, rows, money=lambda text, column: to_decimal(text, column),
             names={key: titles.get(key, key) for key in _EXPORT_COLUMNS}, currency=currency,
             includes_vat=includes_vat, extra={})
    return parsed


def _collect(parsed: Parsed, rows: list[tuple[int, dict[str, str]]], *, money: Any, names: dict[str, str],
             currency: str, includes_vat: bool | None, extra: dict[str, str]) -> None:
    """Rows into spend events, one per campaign-day (rows split by another dimension are summed)."""
    by_key: dict[str, EventIn] = {}
    for number, values in rows:
        try:
            day = to_date(values.get(names["date"], ""), names["date"])
            campaign_id = values.get(names["campaign_id"], "").strip()
            if not campaign_id.isdigit():
                raise RowError(names["campaign_id"], "bad_campaign_id",
                               f"{names['campaign_id']}: {campaign_id!r} is not a campaign id")
            cost = money(values.get(names["cost"], ""), names["cost"])
            clicks = to_decimal_or_zero(values.get(names["clicks"], ""), names["clicks"])
            impressions = to_decimal_or_zero(values.get(names["impressions"], ""), names["impressions"])
        except RowError as error:
            parsed.problems.append(row_problem(number, error))
            continue
        key = f"{campaign_id}:{day.isoformat()}"
        raw = dict(values)
        earlier = by_key.get(key)
        if earlier is not None:
            by_key[key] = replace(
                earlier, amount=(earlier.amount or Decimal(0)) + cost, quantity=earlier.quantity + clicks,
                raw={**earlier.raw, "impressions_total": str(Decimal(earlier.raw["impressions_total"]) + impressions),
                     "rows": [*earlier.raw["rows"], raw]})
            continue
        by_key[key] = EventIn(
            source=SOURCE, external_id=key, kind=SPEND, occurred_at=day, amount=cost, currency=currency,
            includes_vat=includes_vat, quantity=clicks, campaign_id=campaign_id,
            campaign_name=values.get(names["campaign_name"], "").strip(),
            raw={**extra, "impressions_total": str(impressions), "rows": [raw]}, row=number)
    parsed.events.extend(by_key.values())
