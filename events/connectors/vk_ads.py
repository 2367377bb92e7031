"""VK Ads (ads.vk.com, the myTarget engine) spend: the statistics API's day answer and the
cabinet's spreadsheet export, one spend event per campaign-day (external_id "<id>:<date>").

Where each field comes from:
- The statistics answer (myTarget/VK Ads "Reporting API: Statistics",
  https://ads.vk.com/en/help/partner/partner_api/partner_statistics_api, the same shape as
  GET /api/v2/statistics/ad_plans/day.json and /api/v3/statistics/campaigns/day.json): `items[]`,
  one per object, with `id`, `rows[]` (one per `date`, YYYY-MM-DD) and `total`, then a `total`
  for all objects. The metric set `base` holds `shows`, `clicks`, `goals`, `spent` (money in the
  account's currency as a decimal string, not micros), `cpm`, `cpc`, `cpa`, `ctr`, `cr` (metric
  sets listed in rmytarget's myTarGetStats, https://rdrr.io/cran/rmytarget/man/myTarGetStats.html).
- The statistics carry no campaign names: they come from the campaign list
  (GET /api/v2/ad_plans.json?fields=id,name, answer `{"count", "offset", "items": [{"id", "name"}]}`),
  given as `campaign_names`, or saved with the statistics in one file as
  `{"ad_plans": <list answer>, "statistics": <statistics answer>}` (this project's own bundle).
- The currency is the account's (`currency`); whether `spent` includes VAT the answer does not
  say (`includes_vat`).
- The cabinet's export (statistics "Выгрузить" as XLSX/CSV): columns «Дата», «ID кампании»,
  «Кампания», «Показы», «Клики», «Потрачено» — not found in the stored documentation, matched by
  alias (English "Date", "Campaign ID", "Campaign", "Impressions", "Clicks", "Spent" too).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from events.connectors._common import (
    NOT_JSON,
    RowError,
    export_rows,
    file_problem,
    row_problem,
    saved_json,
    text_of,
    to_date,
    to_decimal,
    to_decimal_or_zero,
)
from events.schema import SPEND, EventIn, Parsed, ParseProblem

SOURCE = "vk-ads"

_EXPORT_COLUMNS = {
    "date": ("Дата", "Date", "Sana"),
    "campaign_id": ("ID кампании", "ID Кампании", "ID", "Campaign ID", "Kampaniya ID"),
    "campaign_name": ("Кампания", "Название кампании", "Campaign", "Campaign name", "Kampaniya"),
    "spent": ("Потрачено", "Расход", "Списания", "Spent", "Sarflandi"),
    "shows": ("Показы", "Impressions", "Shows", "Koʻrsatishlar"),
    "clicks": ("Клики", "Clicks", "Kliklar"),
}


def campaign_names_of(ad_plans: Mapping[str, Any]) -> dict[str, str]:
    """{id: name} from a campaign list answer (`items[]` with `id` and `name`)."""
    return {text_of(item.get("id")): text_of(item.get("name"))
            for item in ad_plans.get("items", []) if isinstance(item, dict)}


def parse_file(content: bytes, file_name: str, *, currency: str = "", includes_vat: bool | None = None,
               campaign_names: Mapping[str, str] | None = None) -> Parsed:
    """A saved statistics answer (or the bundle with the campaign list), or the cabinet's export."""
    data = saved_json(content, file_name)
    if isinstance(data, ParseProblem):
        return Parsed(problems=[data])
    if data is not NOT_JSON:
        if not isinstance(data, dict):
            return Parsed(problems=[file_problem("unknown_format", f"{file_name}: not a VK Ads statistics answer")])
        names = dict(campaign_names or {})
        if "statistics" in data:
            if isinstance(data.get("ad_plans"), dict):
                names = {**campaign_names_of(data["ad_plans"]), **names}
            data = data["statistics"]
        return parse_page(data, currency=currency, includes_vat=includes_vat, campaign_names=names)
    return parse_export(content, file_name, currency=currency, includes_vat=includes_vat)


def parse_page(data: dict[str, Any], *, currency: str, includes_vat: bool | None = None,
               campaign_names: Mapping[str, str] | None = None) -> Parsed:
    """One statistics answer. `row` is the position of the day over all items (0-based)."""
    parsed = Parsed()
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list) or any(isinstance(item, dict) and "rows" not in item for item in items):
        parsed.problems.append(file_problem("unknown_format", "not a VK Ads statistics answer (items[].rows[])"))
        return parsed
    names = campaign_names or {}
    position = 0
    for item_index, item in enumerate(items):
        campaign_id = text_of(item.get("id")) if isinstance(item, dict) else ""
        if not campaign_id.isdigit():
            parsed.problems.append(row_problem(position, RowError(
                f"items[{item_index}].id", "bad_campaign_id", f"items[{item_index}].id: {campaign_id!r} is not an id")))
            continue
        for day_index, row in enumerate(item.get("rows") or []):
            column = f"items[{item_index}].rows[{day_index}]"
            try:
                if not isinstance(row, dict):
                    raise RowError(column, "bad_row", f"{column} is not an object")
                day = to_date(text_of(row.get("date")), f"{column}.date")
                base = row.get("base") or {}
                amount = to_decimal_or_zero(text_of(base.get("spent")), f"{column}.base.spent", decimal_comma=False)
                clicks = to_decimal_or_zero(text_of(base.get("clicks")), f"{column}.base.clicks", decimal_comma=False)
            except RowError as error:
                parsed.problems.append(row_problem(position, error))
                position += 1
                continue
            parsed.events.append(EventIn(
                source=SOURCE, external_id=f"{campaign_id}:{day.isoformat()}", kind=SPEND, occurred_at=day,
                amount=amount, currency=currency, includes_vat=includes_vat, quantity=clicks,
                campaign_id=campaign_id, campaign_name=names.get(campaign_id, ""), raw={"id": item.get("id"), **row},
                row=position))
            position += 1
    return parsed


def parse_export(content: bytes, file_name: str, *, currency: str, includes_vat: bool | None = None) -> Parsed:
    export = export_rows(content, file_name, _EXPORT_COLUMNS, ("date", "campaign_id", "spent"), "not a VK Ads statistics answer or export (needs Дата, ID кампании " "and Потрачено columns)")
    if isinstance(export, list):
        return Parsed(problems=export)
    titles, rows = export
    parsed = Parsed()
    for number, values in rows:
        if values.get("date", "").casefold().startswith(("итого", "всего", "total", "jami")):
            continue
        try:
            day = to_date(values["date"], titles["date"])
            campaign_id = values["campaign_id"]
            if not campaign_id.isdigit():
                raise RowError(titles["campaign_id"], "bad_campaign_id", f"{titles['campaign_id']}: {campaign_id!r} is not an id")
            amount = to_decimal(values["spent"], titles["spent"])
            clicks = to_decimal_or_zero(values.get("clicks", ""), titles.get("clicks", "clicks"))
        except RowError as error:
            parsed.problems.append(row_problem(number, error))
            continue
        parsed.events.append(EventIn(
            source=SOURCE, external_id=f"{campaign_id}:{day.isoformat()}", kind=SPEND, occurred_at=day,
            amount=amount, currency=currency, includes_vat=includes_vat, quantity=clicks, campaign_id=campaign_id,
            campaign_name=values.get("campaign_name", ""), raw=dict(values), row=number))
    return parsed
