"""What a connector reads out of a source's file or answer: events as plain values, and the
problems of the rows it could not read. Plain Python (no Django): the connectors in
`events.connectors` only parse; storing, deduplicating and attributing is `events.services`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

#: Where events come from (`manage.py ingest --source …`).
SOURCES = ("amocrm", "bitrix24", "yandex-direct", "google-ads", "vk-ads", "csv", "api")

LEAD, SPEND, VISIT, ORDER = KINDS = ("lead", "spend", "visit", "order")


@dataclass(frozen=True, slots=True)
class EventIn:
    """One event as the source gave it.

    `external_id` is unique within the source and company (a later event with the same one is
    a new version of it: a lead's status changed, a day's spend corrected). A spend event is a
    campaign's day: its `external_id` is "<campaign id>:<YYYY-MM-DD>" (and the account, where a
    source has several). `occurred_at` is when it counts (a lead's creation, the day of the
    spend). Money is a `Decimal` in units of `currency` (micros already divided), with
    `includes_vat` as the source says (None: it does not say)."""

    source: str
    external_id: str
    kind: str
    occurred_at: datetime | date
    status: str = ""
    amount: Decimal | None = None
    currency: str = ""
    includes_vat: bool | None = None
    quantity: Decimal = Decimal(1)  # visits, clicks, orders in one event (a lead is 1)
    campaign_id: str = ""
    campaign_name: str = ""
    utm: dict[str, str] = field(default_factory=dict)  # source, medium, campaign, content, term
    responsible_user: str = ""  # the CRM's user id
    responsible_name: str = ""
    deal_amount: Decimal | None = None  # a won deal's amount (CRM)
    raw: dict[str, Any] = field(default_factory=dict)  # the fields as received, for the record
    row: int | None = None  # the file's row (1-based, header included) or the list's index


@dataclass(frozen=True, slots=True)
class ParseProblem:
    """A row (or the whole file, row None) that could not be read, and why."""

    row: int | None
    column: str | None
    code: str
    message: str


@dataclass
class Parsed:
    events: list[EventIn] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)
