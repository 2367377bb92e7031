"""amoCRM leads: the leads API v4 pages, the webhooks and the leads export, one lead event per
lead (external_id the lead's id; status the status id as text, "142" won, "143" lost).

Where each field comes from:
- GET /api/v4/leads ("Сделки", https://www.amocrm.ru/developers/content/crm_platform/leads-api; the
  same in English as Kommo's "Leads list", https://developers.kommo.com/reference/leads-list):
  a HAL page `{"_page", "_links": {"self", "next"}, "_embedded": {"leads": [...]}}`; each lead has
  `id`, `name`, `price` (the budget, whole currency units), `responsible_user_id`, `status_id`,
  `pipeline_id`, `loss_reason_id`, `created_at`, `updated_at`, `closed_at` (Unix times), `is_deleted`
  and `custom_fields_values[]` of `{field_id, field_name, field_code, field_type, values: [{value}]}`.
- UTM marks are the account's tracking fields ("Поля и группы полей",
  https://www.amocrm.ru/developers/content/crm_platform/custom-fields): `field_type`
  "tracking_data" with `field_code` UTM_SOURCE, UTM_MEDIUM, UTM_CAMPAIGN, UTM_CONTENT, UTM_TERM;
  read by code, else by a field name "utm_campaign" etc.
- Statuses 142 ("Успешно реализовано", won) and 143 ("Закрыто и не реализовано", lost) are the
  same in every pipeline (api v2 "Сделки", http://www.amocrm.com.ua/developers/content/api/leads:
  "статусы id 142 или 143 … не уникальны и обязательны для всех цифровых воронок"). A won lead's
  `price` is its deal amount.
- Webhooks: a POST `application/x-www-form-urlencoded` with `leads[add|update|status|responsible]
  [i][field]` — id, name, status_id, old_status_id, price, responsible_user_id, pipeline_id,
  date_create, created_at, last_modified, custom_fields[j][id|name|values][k][value] — and
  `account[subdomain]` (a recorded amoCRM-WebHook-client/1.0 call in Bolid1/zapier_build,
  app/tests/add_lead_catch_hook.js; `$_POST['leads']['update'][0]['status_id']` in
  lilwondermelo/sofaa amo_dealhook.php). `leads[delete]` sends ids only and gives no event.
- The export ("Сделки" → "Экспорт", CSV or XLSX): «ID», «Название сделки», «Бюджет»,
  «Ответственный» (a name), «Этап сделки» (the status's name), «Воронка», «Дата создания»,
  «Дата закрытия» ("14.05.2024 10:20:30", account time), «utm_source» … «utm_term». Not in the
  stored documentation; matched by alias; the two closing statuses' names become 142/143.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, tzinfo
from typing import Any
from urllib.parse import parse_qsl

from events.connectors._common import (
    NOT_JSON,
    RowError,
    decode,
    export_rows,
    file_problem,
    from_unix,
    row_problem,
    saved_json,
    text_of,
    to_datetime,
    to_decimal_or_zero,
)
from events.schema import LEAD, EventIn, Parsed, ParseProblem

SOURCE = "amocrm"
WON, LOST = "142", "143"
UTM_KEYS = ("source", "medium", "campaign", "content", "term")

_STATUS_NAMES = {
    "успешно реализовано": WON, "closed - won": WON,
    "закрыто и не реализовано": LOST, "closed - lost": LOST,
}

_EXPORT_COLUMNS = {
    "id": ("ID", "Id сделки", "ID сделки", "Lead ID"),
    "name": ("Название сделки", "Сделка", "Lead name", "Bitim nomi"),
    "price": ("Бюджет", "Бюджет сделки", "Sale", "Budget", "Byudjet"),
    "responsible": ("Ответственный", "Responsible user", "Mas'ul", "Masʼul", "Masʻul"),
    "status": ("Этап сделки", "Статус", "Этап", "Stage", "Status", "Bosqich"),
    "pipeline": ("Воронка", "Pipeline", "Voronka"),
    "created_at": ("Дата создания", "Дата создания сделки", "Created", "Date created", "Yaratilgan sana"),
    "closed_at": ("Дата закрытия", "Closed", "Date closed", "Yopilgan sana"),
    **{f"utm_{key}": (f"utm_{key}", f"UTM_{key.upper()}", f"utm {key}") for key in UTM_KEYS},
}


def _utm_from_fields(fields: Any) -> dict[str, str]:
    utm: dict[str, str] = {}
    for field in fields or []:
        if not isinstance(field, dict):
            continue
        label = text_of(field.get("field_code") or field.get("code")) or text_of(
            field.get("field_name") or field.get("name"))
        match = re.fullmatch(r"utm[_ ]?(source|medium|campaign|content|term)", label, re.IGNORECASE)
        if not match:
            continue
        values = field.get("values") or []
        if isinstance(values, dict):  # a webhook's values[0][value] parsed into {"0": {...}}
            values = list(values.values())
        first = values[0] if values else {}
        value = text_of(first.get("value") if isinstance(first, dict) else first)
        if value:
            utm[match.group(1).lower()] = value
    return utm


def _lead(lead: Mapping[str, Any], row: int, currency: str, *, webhook: bool = False) -> EventIn:
    lead_id = text_of(lead.get("id"))
    if not lead_id.isdigit():
        raise RowError("id", "bad_id", f"id: {lead_id!r} is not a lead id")
    status = text_of(lead.get("status_id"))
    if not status.isdigit():
        raise RowError("status_id", "bad_status", f"status_id: {status!r} is not a status id")
    created = lead.get("created_at") or (lead.get("date_create") if webhook else None)
    if created in (None, ""):
        raise RowError("created_at", "no_created_at", "created_at: missing")
    occurred = from_unix(created, "created_at")
    price = to_decimal_or_zero(text_of(lead.get("price")), "price", decimal_comma=False)
    fields = lead.get("custom_fields_values") if not webhook else lead.get("custom_fields")
    if isinstance(fields, dict):
        fields = list(fields.values())
    return EventIn(
        source=SOURCE, external_id=lead_id, kind=LEAD, occurred_at=occurred, status=status, currency=currency,
        utm=_utm_from_fields(fields), responsible_user=text_of(lead.get("responsible_user_id")),
        deal_amount=price if status == WON else None, raw=dict(lead), row=row)


def parse_page(data: dict[str, Any], *, currency: str = "", first_row: int = 0) -> Parsed:
    """One GET /api/v4/leads page. `row` is the lead's index over the pages (from `first_row`)."""
    parsed = Parsed()
    embedded = data.get("_embedded") if isinstance(data, dict) else None
    leads = embedded.get("leads") if isinstance(embedded, dict) else None
    if not isinstance(leads, list):
        parsed.problems.append(file_problem("unknown_format", "not an amoCRM leads page (_embedded.leads[])"))
        return parsed
    for index, lead in enumerate(leads, start=first_row):
        try:
            if not isinstance(lead, dict):
                raise RowError("_embedded.leads", "bad_row", f"lead {index} is not an object")
            parsed.events.append(_lead(lead, index, currency))
        except RowError as error:
            parsed.problems.append(row_problem(index, error))
    return parsed


def next_page(data: Mapping[str, Any]) -> str | None:
    """The next page's address (`_links.next.href`), None on the last page."""
    links = data.get("_links") or {}
    href = (links.get("next") or {}).get("href") if isinstance(links, dict) else None
    return text_of(href) or None


def parse_file(content: bytes, file_name: str, *, currency: str = "", tz: tzinfo = UTC) -> Parsed:
    """Saved API pages (one page object or a JSON array of pages) or the XLSX/CSV export; `tz`
    is the account's zone for the export's times."""
    data = saved_json(content, file_name)
    if isinstance(data, ParseProblem):
        return Parsed(problems=[data])
    if data is not NOT_JSON:
        pages = data if isinstance(data, list) else [data]
        parsed = Parsed()
        offset = 0
        for page in pages:
            one = parse_page(page, currency=currency, first_row=offset)
            if any(problem.code == "unknown_format" for problem in one.problems):
                return Parsed(problems=[file_problem("unknown_format", f"{file_name}: not amoCRM leads API pages")])
            offset += len(page["_embedded"]["leads"])
            parsed.events.extend(one.events)
            parsed.problems.extend(one.problems)
        return parsed
    return parse_export(content, file_name, currency=currency, tz=tz)


def parse_export(content: bytes, file_name: str, *, currency: str = "", tz: tzinfo = UTC) -> Parsed:
    export = export_rows(content, file_name, _EXPORT_COLUMNS, ("id", "status", "created_at"), "not amoCRM leads pages or a leads export (needs ID, Этап сделки and " "Дата создания columns)")
    if isinstance(export, list):
        return Parsed(problems=export)
    titles, rows = export
    parsed = Parsed()
    for number, values in rows:
        try:
            lead_id = values["id"]
            if not lead_id.isdigit():
                raise RowError(titles["id"], "bad_id", f"{titles['id']}: {lead_id!r} is not a lead id")
            status_name = values["status"]
            if not status_name:
                raise RowError(titles["status"], "no_status", f"{titles['status']}: empty")
            status = _STATUS_NAMES.get(status_name.casefold(), status_name)
            occurred = to_datetime(values["created_at"], titles["created_at"], tz)
            price = to_decimal_or_zero(values.get("price", ""), titles.get("price", "price"))
        except RowError as error:
            parsed.problems.append(row_problem(number, error))
            continue
        utm = {key: values[f"utm_{key}"] for key in UTM_KEYS if values.get(f"utm_{key}")}
        parsed.events.append(EventIn(
            source=SOURCE, external_id=lead_id, kind=LEAD, occurred_at=occurred, status=status, currency=currency,
            utm=utm, responsible_name=values.get("responsible", ""), deal_amount=price if status == WON else None,
            raw=dict(values), row=number))
    return parsed


def _nest(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """PHP-style form keys (`leads[add][0][id]`) into nested dicts."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        if parts:
            node[parts[-1]] = value
    return root


def parse_webhook(body: bytes, content_type: str, *, currency: str = "") -> Parsed:
    """A webhook call: every lead in `leads[add|update|status|responsible|restore]` as a new
    version of that lead; `row` is its index within its action."""
    if "x-www-form-urlencoded" not in content_type.lower():
        return Parsed(problems=[file_problem(
            "wrong_content_type", f"amoCRM webhooks are form-encoded, not {content_type or 'untyped'}")])
    form = _nest(parse_qsl(decode(body), keep_blank_values=True))
    leads = form.get("leads")
    parsed = Parsed()
    if not isinstance(leads, dict):
        parsed.problems.append(file_problem("no_leads", "the webhook has no leads[…] fields"))
        return parsed
    for action in ("add", "update", "status", "responsible", "restore"):
        entries = leads.get(action)
        if not isinstance(entries, dict):
            continue
        for position, (index, lead) in enumerate(sorted(entries.items(), key=lambda item: _int(item[0]))):
            try:
                if not isinstance(lead, dict):
                    raise RowError(f"leads[{action}][{index}]", "bad_row", f"leads[{action}][{index}] is not a lead")
                event = _lead(lead, position, currency, webhook=True)
            except RowError as error:
                parsed.problems.append(ParseProblem(
                    row=position, column=f"leads[{action}][{index}][{error.column}]", code=error.code,
                    message=error.message))
                continue
            raw = {**event.raw, "action": action, "account": form.get("account", {})}
            parsed.events.append(replace(event, raw=raw))
    return parsed


def _int(text: str) -> int:
    return int(text) if text.isdigit() else 0
