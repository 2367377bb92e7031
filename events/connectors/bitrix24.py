"""Bitrix24 leads and deals: `crm.lead.list` / `crm.deal.list` answers, the outgoing webhook and
the lead list's CSV/Excel export.

A lead is a lead event (external_id its ID, status its STATUS_ID: NEW, IN_PROCESS, PROCESSED,
CONVERTED, JUNK); a deal is an order event (external_id "deal:<ID>", status its STAGE_ID, won when
it is "WON" or "C<n>:WON", then its OPPORTUNITY is the deal amount and CLOSEDATE its date).

Where each field comes from:
- `crm.lead.list` ("Get the list of leads crm.lead.list",
  https://apidocs.bitrix24.com/api-reference/crm/leads/crm-lead-list.html): `result[]`, pages of 50
  with `next` (the next `start`) and `total`; lead fields ID, TITLE, STATUS_ID, SOURCE_ID,
  ASSIGNED_BY_ID, DATE_CREATE (ISO 8601 with the portal's offset), OPPORTUNITY (a decimal string),
  CURRENCY_ID and the UTM fields UTM_SOURCE, UTM_MEDIUM, UTM_CAMPAIGN, UTM_CONTENT, UTM_TERM
  ("Leads in CRM: Overview of Methods", https://apidocs.bitrix24.com/api-reference/crm/leads/; the
  UTM field names as selected in Lead::GetById in the dev.1c-bitrix.ru forum thread 105885).
- `crm.deal.list` likewise with STAGE_ID, CATEGORY_ID, CLOSEDATE, CLOSED, LEAD_ID.
- The outgoing webhook (event handlers onCrmLeadAdd/onCrmLeadUpdate/onCrmDealAdd…,
  https://dev.1c-bitrix.ru/rest_help/crm/contacts/events_contacts/on_Crm_Contact_Add.php: "FIELDS —
  the array holds the field ID"): a form-encoded POST `event=ONCRMLEADADD&data[FIELDS][ID]=…&ts=…
  &auth[domain]=…&auth[application_token]=…`. It carries ids only, so it gives no event:
  `read_webhook` says which lead or deal to fetch with crm.lead.get / crm.deal.get.
- The lead list's export (CSV, or "Excel", which Bitrix24 writes as an HTML table in a .xls):
  the fields' titles — «ID», «Название лида», «Статус» (the status's name), «Источник»,
  «Ответственный», «Дата создания», «Сумма», «Валюта», «Рекламная система» (UTM_SOURCE),
  «Тип трафика» (UTM_MEDIUM), «Обозначение рекламной кампании» (UTM_CAMPAIGN), «Содержание
  кампании» (UTM_CONTENT), «Условие поиска кампании» (UTM_TERM) — the UTM titles are those
  crm.lead.fields returns (recorded crm.lead.fields answers in public code); the export's layout
  itself is not in the stored documentation. Matched by alias (the API codes accepted too); the
  default statuses' names become their codes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import Any
from urllib.parse import parse_qsl

from events.connectors._common import (
    NOT_JSON,
    RowError,
    decode,
    export_rows,
    file_problem,
    row_problem,
    saved_json,
    text_of,
    to_datetime,
    to_decimal_or_zero,
)
from events.schema import LEAD, ORDER, EventIn, Parsed, ParseProblem

SOURCE = "bitrix24"
JUNK = "JUNK"
UTM_KEYS = ("source", "medium", "campaign", "content", "term")

_STATUS_NAMES = {
    "не обработан": "NEW", "unassigned": "NEW", "not processed": "NEW", "new": "NEW",
    "в работе": "IN_PROCESS", "in progress": "IN_PROCESS",
    "обработан": "PROCESSED", "processed": "PROCESSED",
    "качественный лид": "CONVERTED", "сконвертирован": "CONVERTED", "good lead": "CONVERTED", "converted": "CONVERTED",
    "некачественный лид": JUNK, "junk lead": JUNK,
}

_CURRENCY_NAMES = {
    "российский рубль": "RUB", "рубль": "RUB", "узбекский сум": "UZS", "сум": "UZS", "доллар сша": "USD",
    "евро": "EUR", "казахстанский тенге": "KZT", "тенге": "KZT", "russian ruble": "RUB", "uzbekistan sum": "UZS",
    "us dollar": "USD", "euro": "EUR",
}

_EXPORT_COLUMNS = {
    "id": ("ID",),
    "title": ("Название лида", "Название", "TITLE", "Lead name", "Name"),
    "status": ("Статус", "Стадия", "STATUS_ID", "Status", "Stage", "Holat"),
    "source": ("Источник", "SOURCE_ID", "Source", "Manba"),
    "responsible": ("Ответственный", "ASSIGNED_BY_ID", "Responsible person", "Responsible", "Masʼul", "Masʻul"),
    "created": ("Дата создания", "DATE_CREATE", "Created", "Date created", "Created on", "Yaratilgan"),
    "amount": ("Сумма", "Возможная сумма сделки", "OPPORTUNITY", "Opportunity", "Total", "Summa"),
    "currency": ("Валюта", "CURRENCY_ID", "Currency", "Valyuta"),
    "utm_source": ("Рекламная система", "UTM_SOURCE", "utm_source", "Ad system"),
    "utm_medium": ("Тип трафика", "UTM_MEDIUM", "utm_medium", "Traffic type"),
    "utm_campaign": ("Обозначение рекламной кампании", "UTM_CAMPAIGN", "utm_campaign", "Ad campaign UTM"),
    "utm_content": ("Содержание кампании", "UTM_CONTENT", "utm_content", "Campaign contents"),
    "utm_term": ("Условие поиска кампании", "UTM_TERM", "utm_term", "Campaign search term"),
}


def _utm(item: Mapping[str, Any]) -> dict[str, str]:
    return {key: text_of(item.get(f"UTM_{key.upper()}")) for key in UTM_KEYS if text_of(item.get(f"UTM_{key.upper()}"))}


def is_won(stage_id: str) -> bool:
    return stage_id == "WON" or stage_id.endswith(":WON")


def _item(item: Mapping[str, Any], row: int, tz: tzinfo) -> EventIn:
    item_id = text_of(item.get("ID"))
    if not item_id.isdigit():
        raise RowError("ID", "bad_id", f"ID: {item_id!r} is not an id")
    created = to_datetime(text_of(item.get("DATE_CREATE")), "DATE_CREATE", tz)
    amount = to_decimal_or_zero(text_of(item.get("OPPORTUNITY")), "OPPORTUNITY", decimal_comma=False)
    currency, utm, responsible = text_of(item.get("CURRENCY_ID")), _utm(item), text_of(item.get("ASSIGNED_BY_ID"))
    if "STAGE_ID" in item:
        stage = text_of(item.get("STAGE_ID"))
        if not stage:
            raise RowError("STAGE_ID", "no_status", "STAGE_ID: empty")
        won = is_won(stage)
        closed = text_of(item.get("CLOSEDATE"))
        occurred = to_datetime(closed, "CLOSEDATE", tz) if won and closed else created
        return EventIn(source=SOURCE, external_id=f"deal:{item_id}", kind=ORDER, occurred_at=occurred, status=stage,
                       amount=amount, currency=currency, utm=utm, responsible_user=responsible,
                       deal_amount=amount if won else None, raw=dict(item), row=row)
    status = text_of(item.get("STATUS_ID"))
    if not status:
        raise RowError("STATUS_ID", "no_status", "STATUS_ID: empty")
    return EventIn(source=SOURCE, external_id=item_id, kind=LEAD, occurred_at=created, status=status,
                   currency=currency, utm=utm, responsible_user=responsible, raw=dict(item), row=row)


def parse_page(data: dict[str, Any], *, first_row: int | None = None, tz: tzinfo = UTC) -> Parsed:
    """One crm.lead.list or crm.deal.list answer. `row` is the item's index over the whole list:
    from `first_row`, else from the page's start (`next` less the page's length; on the last
    page, without `next`, `total` less it)."""
    parsed = Parsed()
    result = data.get("result") if isinstance(data, dict) else None
    if not isinstance(result, list):
        parsed.problems.append(file_problem("unknown_format", "not a crm.lead.list / crm.deal.list answer (result[])"))
        return parsed
    if first_row is None:
        following, total = data.get("next"), data.get("total")
        end = following if isinstance(following, int) else total if isinstance(total, int) else len(result)
        first_row = max(end - len(result), 0)
    for index, item in enumerate(result, start=first_row):
        try:
            if not isinstance(item, dict):
                raise RowError("result", "bad_row", f"result item {index} is not an object")
            parsed.events.append(_item(item, index, tz))
        except RowError as error:
            parsed.problems.append(row_problem(index, error))
    return parsed


def parse_file(content: bytes, file_name: str, *, tz: tzinfo = UTC, currency: str = "") -> Parsed:
    """Saved list answers (one object or a JSON array of pages) or the lead list's CSV/Excel
    export; `tz` is the portal's zone for the export's times, `currency` for rows without one."""
    data = saved_json(content, file_name)
    if isinstance(data, ParseProblem):
        return Parsed(problems=[data])
    if data is not NOT_JSON:
        pages = data if isinstance(data, list) else [data]
        parsed = Parsed()
        offset = 0
        for page in pages:
            one = parse_page(page, first_row=offset, tz=tz)
            if any(problem.code == "unknown_format" for problem in one.problems):
                return Parsed(problems=[file_problem(
                    "unknown_format", f"{file_name}: not crm.lead.list / crm.deal.list answers")])
            offset += len(page["result"])
            parsed.events.extend(one.events)
            parsed.problems.extend(one.problems)
        return parsed
    return parse_export(content, file_name, tz=tz, currency=currency)


def parse_export(content: bytes, file_name: str, *, tz: tzinfo = UTC, currency: str = "") -> Parsed:
    export = export_rows(content, file_name, _EXPORT_COLUMNS, ("id", "status", "created"), "not crm.lead.list answers or a lead list export (needs ID, Статус " "and Дата создания columns)")
    if isinstance(export, list):
        return Parsed(problems=export)
    titles, rows = export
    parsed = Parsed()
    for number, values in rows:
        try:
            lead_id = values["id"]
            if not lead_id.isdigit():
                raise RowError(titles["id"], "bad_id", f"{titles['id']}: {lead_id!r} is not a lead id")
            status_text = values["status"]
            if not status_text:
                raise RowError(titles["status"], "no_status", f"{titles['status']}: empty")
            status = _STATUS_NAMES.get(status_text.casefold(), status_text)
            created = to_datetime(values["created"], titles["created"], tz)
            to_decimal_or_zero(values.get("amount", ""), titles.get("amount", "amount"))
        except RowError as error:
            parsed.problems.append(row_problem(number, error))
            continue
        utm = {key: values[f"utm_{key}"] for key in UTM_KEYS if values.get(f"utm_{key}")}
        responsible = values.get("responsible", "")
        parsed.events.append(EventIn(
            source=SOURCE, external_id=lead_id, kind=LEAD, occurred_at=created, status=status,
            currency=_currency(values.get("currency", "")) or currency, utm=utm,
            responsible_user=responsible if responsible.isdigit() else "",
            responsible_name="" if responsible.isdigit() else responsible, raw=dict(values), row=number))
    return parsed


def _currency(text: str) -> str:
    """A currency code, or the code of a currency the export names ("Российский рубль")."""
    if re.fullmatch(r"[A-Z]{3}", text):
        return text
    return _CURRENCY_NAMES.get(text.casefold(), text)


@dataclass(frozen=True, slots=True)
class WebhookCall:
    """What an outgoing webhook says: which object changed, to fetch it by id."""

    event: str  # ONCRMLEADADD, ONCRMLEADUPDATE, ONCRMDEALADD, …
    entity: str  # "lead" or "deal"
    action: str  # "add", "update", "delete"
    object_id: str
    domain: str
    application_token: str
    ts: str


_EVENT = re.compile(r"^ONCRM(LEAD|DEAL)(ADD|UPDATE|DELETE)$")


def read_webhook(body: bytes, content_type: str) -> tuple[WebhookCall | None, Parsed]:
    """The call's object and the problems of a malformed call."""
    if "x-www-form-urlencoded" not in content_type.lower():
        return None, Parsed(problems=[file_problem(
            "wrong_content_type", f"Bitrix24 outgoing webhooks are form-encoded, not {content_type or 'untyped'}")])
    form = dict(parse_qsl(decode(body), keep_blank_values=True))
    event = form.get("event", "").upper()
    match = _EVENT.match(event)
    if not match:
        return None, Parsed(problems=[file_problem("unknown_event", f"event: {event!r} is not a lead or deal event")])
    object_id = form.get("data[FIELDS][ID]", "")
    if not object_id.isdigit():
        return None, Parsed(problems=[file_problem("bad_id", f"data[FIELDS][ID]: {object_id!r} is not an id")])
    call = WebhookCall(event=event, entity=match.group(1).lower(), action=match.group(2).lower(), object_id=object_id,
                       domain=form.get("auth[domain]", ""), application_token=form.get("auth[application_token]", ""),
                       ts=form.get("ts", ""))
    return call, Parsed()


def parse_webhook(body: bytes, content_type: str) -> Parsed:
    """No events (the call carries ids only; see `read_webhook`), and the problems of a
    malformed call."""
    return read_webhook(body, content_type)[1]
