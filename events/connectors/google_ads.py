"""Google Ads spend: GAQL report rows (GoogleAdsService.Search / SearchStream as JSON) and the
Google Ads interface's CSV/XLSX download, one spend event per campaign-day
(external_id "<campaign.id>:<segments.date>").

Where each field comes from:
- SearchGoogleAdsStreamResponse (https://developers.google.com/google-ads/api/reference/rpc/v23/
  SearchGoogleAdsStreamResponse): `results[]` of GoogleAdsRow, `fieldMask`, `summaryRow`,
  `requestId`; a SearchStream saved to a file is a JSON array of such batches, a Search page one
  object with `nextPageToken`. Each row carries the selected resources: `campaign.id`,
  `campaign.name`, `campaign.resourceName` ("customers/{customer}/campaigns/{id}"),
  `segments.date` (YYYY-MM-DD), `metrics.costMicros`, `metrics.clicks`, `metrics.impressions`,
  `metrics.conversions`, and `customer.currencyCode` when selected. The REST JSON spells fields in
  lowerCamelCase (the GAQL names cost_micros, currency_code are accepted too); int64 values come as
  strings, and zero values may be left out (proto3 JSON), so a missing metric is 0.
- Money: `metrics.cost_micros` is in micros of the customer's currency (divided by 1,000,000).
  Without `customer.currency_code` in the row the `currency` argument says it.
- The interface's download ("Download" of a campaign report as CSV, or "Excel .csv" in UTF-16
  with tabs, or XLSX): a report-name row and a date-range row above the header, columns
  "Day", "Campaign", "Campaign ID", "Currency code", "Cost", "Impr.", "Clicks", "Conversions"
  (Russian interface: «День», «Кампания», «Идентификатор кампании», «Код валюты», «Стоимость»,
  «Показы», «Клики», «Конверсии»), money in units with "," grouping thousands, and "Total: …"
  rows. These headers were not in the stored documentation; they are matched by alias, and
  "Campaign ID" must be added to the report (names are not ids).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from events.connectors._common import (
    NOT_JSON,
    RowError,
    export_rows,
    file_problem,
    from_micros,
    row_problem,
    saved_json,
    text_of,
    to_date,
    to_decimal,
    to_decimal_or_zero,
)
from events.schema import SPEND, EventIn, Parsed, ParseProblem

SOURCE = "google-ads"

_EXPORT_COLUMNS = {
    "date": ("Day", "Date", "День", "Дата", "Kun"),
    "campaign_id": ("Campaign ID", "Идентификатор кампании", "ID кампании", "Kampaniya identifikatori"),
    "campaign_name": ("Campaign", "Кампания", "Kampaniya"),
    "currency": ("Currency code", "Currency", "Код валюты", "Валюта", "Valyuta kodi"),
    "cost": ("Cost", "Стоимость", "Расходы", "Narx", "Xarajat"),
    "impressions": ("Impr.", "Impressions", "Показы", "Koʻrishlar", "Koʻrsatishlar"),
    "clicks": ("Clicks", "Клики", "Kliklar"),
    "conversions": ("Conversions", "Конверсии", "Konversiyalar"),
}


def parse_file(content: bytes, file_name: str, *, currency: str = "", includes_vat: bool | None = None) -> Parsed:
    """A saved Search page or SearchStream answer (JSON), or the interface's CSV/XLSX."""
    data = saved_json(content, file_name)
    if isinstance(data, ParseProblem):
        return Parsed(problems=[data])
    if data is not NOT_JSON:
        pages = data if isinstance(data, list) else [data]
        parsed = Parsed()
        offset = 0
        for page in pages:
            if not isinstance(page, dict) or not isinstance(page.get("results", []), list):
                return Parsed(problems=[file_problem(
                    "unknown_format", f"{file_name}: not a Google Ads Search/SearchStream answer (no results[])")])
            one = parse_page(page, currency=currency, includes_vat=includes_vat, first_row=offset)
            offset += len(page.get("results", []))
            parsed.events.extend(one.events)
            parsed.problems.extend(one.problems)
        return _merge(parsed)
    return parse_export(content, file_name, currency=currency, includes_vat=includes_vat)


def _get(node: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        if name in node:
            return node[name]
    return None


def parse_page(data: dict[str, Any], *, currency: str = "", includes_vat: bool | None = None,
               first_row: int = 0) -> Parsed:
    """One Search page or SearchStream batch: `results[]` rows. `row` is the row's index over
    the whole answer (0-based, from `first_row`)."""
    parsed = Parsed()
    results = data.get("results")
    if not isinstance(results, list):
        if "results" not in data and ("fieldMask" in data or "field_mask" in data):
            return parsed  # a page with no rows
        parsed.problems.append(file_problem("unknown_format", "not a Google Ads answer (no results[])"))
        return parsed
    for index, result in enumerate(results, start=first_row):
        try:
            parsed.events.append(_row(result, currency, includes_vat, index))
        except RowError as error:
            parsed.problems.append(row_problem(index, error))
    return _merge(parsed)


def _row(result: Any, currency: str, includes_vat: bool | None, index: int) -> EventIn:
    if not isinstance(result, dict):
        raise RowError("results", "bad_row", f"results[{index}] is not an object")
    campaign = result.get("campaign") or {}
    segments = result.get("segments") or {}
    metrics = result.get("metrics") or {}
    customer = result.get("customer") or {}
    campaign_id = text_of(campaign.get("id"))
    if not campaign_id:
        resource = text_of(_get(campaign, "resourceName", "resource_name"))
        campaign_id = resource.rsplit("/", 1)[-1] if "/campaigns/" in resource else ""
    if not campaign_id.isdigit():
        raise RowError("campaign.id", "bad_campaign_id", f"campaign.id: {campaign_id!r} is not a campaign id")
    day = to_date(text_of(segments.get("date")), "segments.date")
    cost = _get(metrics, "costMicros", "cost_micros")
    amount = from_micros(cost if cost is not None else 0, "metrics.cost_micros")
    clicks = to_decimal_or_zero(text_of(metrics.get("clicks")), "metrics.clicks", decimal_comma=False)
    row_currency = text_of(_get(customer, "currencyCode", "currency_code")) or currency
    if not row_currency:
        raise RowError("customer.currency_code", "no_currency",
                       "customer.currency_code: not selected and no currency given for the account")
    return EventIn(
        source=SOURCE, external_id=f"{campaign_id}:{day.isoformat()}", kind=SPEND, occurred_at=day, amount=amount,
        currency=row_currency, includes_vat=includes_vat, quantity=clicks, campaign_id=campaign_id,
        campaign_name=text_of(campaign.get("name")), raw=result, row=index)


def _merge(parsed: Parsed) -> Parsed:
    """Rows of one campaign-day split by another segment (device, network) summed into one."""
    by_key: dict[str, EventIn] = {}
    for event in parsed.events:
        earlier = by_key.get(event.external_id)
        if earlier is None:
            by_key[event.external_id] = event
            continue
        rows = earlier.raw.get("rows", [earlier.raw])
        by_key[event.external_id] = replace(
            earlier, amount=(earlier.amount or Decimal(0)) + (event.amount or Decimal(0)),
            quantity=earlier.quantity + event.quantity, raw={"rows": [*rows, event.raw]})
    return Parsed(events=list(by_key.values()), problems=parsed.problems)


def parse_export(content: bytes, file_name: str, *, currency: str = "", includes_vat: bool | None = None) -> Parsed:
    """The interface's campaign report downloaded as CSV ("," thousands, "." decimals) or XLSX."""
    export = export_rows(content, file_name, _EXPORT_COLUMNS, ("date", "campaign_id", "cost"), "not a Google Ads answer or report download (needs Day, Campaign ID " "and Cost columns)")
    if isinstance(export, list):
        return Parsed(problems=export)
    titles, rows = export
    parsed = Parsed()
    for number, values in rows:
        first = next((text for text in values.values() if text), "")
        if values.get("date", "").startswith(("Total", "Итого", "Всего", "Jami")) or first.startswith("Total"):
            continue
        try:
            day = to_date(values["date"], titles["date"])
            campaign_id = values["campaign_id"].replace(" ", "").replace("-", "")
            if not campaign_id.isdigit():
                raise RowError(titles["campaign_id"], "bad_campaign_id",
                               f"{titles['campaign_id']}: {values['campaign_id']!r} is not an id")
            amount = to_decimal(values["cost"], titles["cost"], decimal_comma=None)
            clicks = to_decimal_or_zero(values.get("clicks", ""), titles.get("clicks", "clicks"), decimal_comma=None)
            row_currency = values.get("currency", "") or currency
            if not row_currency:
                raise RowError(titles.get("currency", "Currency code"), "no_currency", "no currency in the file and none given")
        except RowError as error:
            parsed.problems.append(row_problem(number, error))
            continue
        parsed.events.append(EventIn(
            source=SOURCE, external_id=f"{campaign_id}:{day.isoformat()}", kind=SPEND, occurred_at=day,
            amount=amount, currency=row_currency, includes_vat=includes_vat, quantity=clicks,
            campaign_id=campaign_id, campaign_name=values.get("campaign_name", ""), raw=dict(values), row=number))
    return _merge(parsed)
