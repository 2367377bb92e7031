"""Writes of events: ingest a source's parsed events (validate all, then upsert, attribute
and recompute the measure values they feed), all or nothing."""

from __future__ import annotations

import gc
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from time import perf_counter as time_counter
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext
from psycopg.types.json import set_json_dumps
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core import periods
from core.formats import unstorable_reason
from events.models import (
    MEASURE_OF_KIND,
    VERSIONED_FIELDS,
    AttributionRule,
    Event,
    EventSettings,
    EventVersion,
    LateChange,
    Sync,
)
from events.schema import KINDS, SOURCES, EventIn, Parsed
from kpis.models import Measure, MeasureValue
from kpis.selectors import catalogue_and_own
from organizations.models import Company, Employee

KOPECK = Decimal("0.01")
ONE = Decimal(1)
PLACES = Decimal("0.0001")
LARGEST = Decimal(10) ** 14  # numeric(18, 4)
CHUNK = 10_000
COPY_FROM = 1_000  # rows from which PostgreSQL's COPY pays
TEXT_LIMITS = {"external_id": 255, "status": 100, "campaign_id": 255, "campaign_name": 500, "responsible_user": 255, "responsible_name": 255}

BAD_ROW, BAD_SOURCE, BAD_KIND, NO_ID, BAD_DATE, BAD_AMOUNT, BAD_CURRENCY, TOO_LONG, BAD_TEXT, CONCURRENT = (
    "bad_row", "bad_source", "bad_kind", "no_external_id", "bad_date", "bad_amount", "bad_currency", "too_long",
    "bad_character", "concurrent_change",
)


@dataclass(frozen=True)
class IngestProblem:
    row: int | None
    column: str | None
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "code": self.code, "message": self.message}


Cell = tuple[int, str, str]  # employee id, period, measure code


@dataclass
class IngestResult:
    """What an ingest did; with `problems` it wrote no event."""

    received: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    unattributed: int = 0
    problems: list[IngestProblem] = field(default_factory=list)
    sync: Sync | None = None
    values_written: int = 0  # measure values of open periods created, changed or removed
    late_changes: int = 0  # pending late changes recorded for closed periods
    kept_manual: list[Cell] = field(default_factory=list)  # cells with a hand value the events did not replace
    seconds: dict[str, float] = field(default_factory=dict)  # by phase: read, compare, write, recompute

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "received": self.received, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "unattributed": self.unattributed, "values_written": self.values_written, "late_changes": self.late_changes,
            "kept_manual": [list(cell) for cell in self.kept_manual], "sync": self.sync.pk if self.sync else None,
            "errors": [problem.as_dict() for problem in self.problems],
        }


def event_settings(company: Company) -> EventSettings:
    found, _ = EventSettings.objects.get_or_create(company=company)
    return found


# --- 1. validate ---------------------------------------------------------------------------


def _aware(moment: datetime | date) -> datetime:
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time())
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _money(value: Any, column: str, problems: list[IngestProblem], row: int | None) -> Decimal | None:
    if value is None:
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        if not number.is_finite() or abs(number) >= LARGEST:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        problems.append(IngestProblem(row, column, BAD_AMOUNT, gettext("%(value)s is not an amount that can be stored") % {"value": repr(value)[:40]}))
        return None
    return number.quantize(PLACES, ROUND_HALF_UP)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal | datetime | date):
        return str(value)
    raise TypeError(type(value).__name__)


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_EMPTY_JSON = "{}"


def _normalize(
    event: EventIn, index: int, source: str, currency: str, days: dict[date, tuple[datetime, str]]
) -> tuple[dict[str, Any] | None, list[IngestProblem]]:
    """The event's stored fields, or the problems of its row. `days`: a cache of the
    moments of dates (most events are a day) and their periods."""
    row = event.row if event.row is not None else index
    problems: list[IngestProblem] = []
    if event.source and event.source != source:
        problems.append(IngestProblem(row, "source", BAD_SOURCE, gettext("the event is from %(found)s, not %(source)s") % {"found": event.source, "source": source}))
    if event.kind not in KINDS:
        problems.append(IngestProblem(row, "kind", BAD_KIND, gettext("unknown kind %(kind)s: one of %(kinds)s") % {"kind": repr(event.kind)[:40], "kinds": ", ".join(KINDS)}))
    external_id = str(event.external_id or "").strip()
    if not external_id:
        problems.append(IngestProblem(row, "external_id", NO_ID, gettext("the event has no external id")))
    texts = {
        "external_id": external_id,
        "status": str(event.status or ""),
        "campaign_id": str(event.campaign_id or ""),
        "campaign_name": str(event.campaign_name or ""),
        "responsible_user": str(event.responsible_user or ""),
        "responsible_name": str(event.responsible_name or ""),
    }
    utm = event.utm if isinstance(event.utm, dict) else None
    if utm is None:
        problems.append(IngestProblem(row, "utm", BAD_ROW, gettext("the UTM fields are not a mapping")))
        utm = {}
    utm = {str(key): str(value) for key, value in utm.items()}
    for name, text in texts.items():
        if len(text) > TEXT_LIMITS[name]:
            problems.append(IngestProblem(row, name, TOO_LONG, gettext("longer than %(limit)s characters") % {"limit": TEXT_LIMITS[name]}))
    for key, text in utm.items():
        if len(text) > 500 or len(key) > 50:
            problems.append(IngestProblem(row, f"utm.{key[:50]}", TOO_LONG, gettext("longer than %(limit)s characters") % {"limit": 500}))
    joined = "".join(texts.values()) + "".join(utm) + "".join(utm.values())
    if _UNSTORABLE.search(joined):  # rare: find which
        for name, text in [*texts.items(), *((f"utm.{key}", value) for key, value in utm.items())]:
            if reason := unstorable_reason(text):
                problems.append(IngestProblem(row, name[:60], BAD_TEXT, reason))
    occurred, period = None, ""
    moment = event.occurred_at
    try:
        if type(moment) is date:
            if moment not in days:
                aware = _aware(moment)
                days[moment] = (aware, f"{moment.year:04d}-{moment.month:02d}")
            occurred, period = days[moment]
        elif isinstance(moment, datetime):
            occurred = _aware(moment)
            local = timezone.localtime(occurred)
            period = f"{local.year:04d}-{local.month:02d}"
        else:
            raise TypeError
    except (TypeError, ValueError, OverflowError):
        problems.append(IngestProblem(row, "occurred_at", BAD_DATE, gettext("%(value)s is not a date") % {"value": repr(moment)[:40]}))
    amount = _money(event.amount, "amount", problems, row)
    deal_amount = _money(event.deal_amount, "deal_amount", problems, row)
    quantity = ONE if event.quantity is None or event.quantity == ONE else _money(event.quantity, "quantity", problems, row)
    if event.kind == "spend" and event.amount is None:
        problems.append(IngestProblem(row, "amount", BAD_AMOUNT, gettext("a spend event needs its amount")))
    event_currency = (event.currency or "").strip().upper() if event.currency else ""
    if event_currency and event_currency != currency:
        problems.append(
            IngestProblem(row, "currency", BAD_CURRENCY, gettext("%(found)s is not the company's currency (%(currency)s)") % {"found": event_currency[:10], "currency": currency})
        )
    raw_json, raw = _EMPTY_JSON, {}
    if event.raw:
        try:
            raw_json = json.dumps(event.raw, default=_plain, sort_keys=True, ensure_ascii=False)
            raw = json.loads(raw_json)
            if "\\u0000" in raw_json:
                raise ValueError
        except (TypeError, ValueError):
            problems.append(IngestProblem(row, "raw", BAD_ROW, gettext("the raw fields cannot be stored as JSON")))
    if problems:
        return None, problems
    utm_json = json.dumps(utm, sort_keys=True, ensure_ascii=False) if utm else _EMPTY_JSON
    values = {
        **texts,
        "kind": event.kind,
        "occurred_at": occurred,
        "period": period,
        "amount": amount,
        "currency": currency if (amount is not None or deal_amount is not None) else event_currency,
        "includes_vat": event.includes_vat,
        "quantity": quantity,
        "utm": utm,
        "deal_amount": deal_amount,
        "raw": raw,
        "utm_json": utm_json,
        "raw_json": raw_json,
    }
    values["digest"] = _digest(values)
    return values, []


def _digest(values: dict[str, Any]) -> str:
    assert values["occurred_at"] is not None
    fields = (
        values["kind"], values["occurred_at"].isoformat(), values["status"], str(values["amount"]), values["currency"],
        str(values["includes_vat"]), str(values["quantity"]), values["campaign_id"], values["campaign_name"], values["utm_json"],
        values["responsible_user"], values["responsible_name"], str(values["deal_amount"]), values["raw_json"],
    )
    return hashlib.sha1("\x1f".join(fields).encode()).hexdigest()


# --- 2. attribute and count -------------------------------------------------------------------

_FIRST_TOKEN = re.compile(r"[^\s|_/:;,.]+")
_SEPARATOR = re.compile(r"[\s|_/:;,.\-]")


class Attributor:
    """The company's rules, tried by priority on each event."""

    def __init__(self, company: Company):
        self.rules = list(AttributionRule.objects.filter(company=company).order_by("priority", "id"))
        self.numbers = {number.upper(): pk for number, pk in Employee.objects.filter(company=company).values_list("personnel_number", "pk")}
        self.longest = max(map(len, self.numbers), default=0)
        employee_ids = set(self.numbers.values())
        self.rules = [rule for rule in self.rules if rule.employee_id is None or rule.employee_id in employee_ids]

    def _by_prefix(self, text: str) -> int | None:
        """The longest personnel number that begins the text and ends at a separator or at its
        end: "DEMO-A | Поиск", "DEMO-A_poisk" and "DEMO-A-poisk" are DEMO-A's."""
        text = text.strip().upper()
        if not _FIRST_TOKEN.match(text):
            return None
        for end in range(min(len(text), self.longest), 0, -1):
            if (end == len(text) or _SEPARATOR.match(text, end)) and text[:end] in self.numbers:
                return self.numbers[text[:end]]
        return None

    def attribute(self, source: str, values: dict[str, Any]) -> tuple[int | None, int | None]:
        """(employee id, rule id), or (None, None): no rule names one."""
        for rule in self.rules:
            if (rule.source and rule.source != source) or (rule.kind and rule.kind != values["kind"]):
                continue
            if rule.match != AttributionRule.Match.ANY:
                if rule.match == AttributionRule.Match.UTM:
                    seen = values["utm"].get(rule.utm_field, "")
                else:
                    seen = values[rule.match]
                if not seen or not (seen.startswith(rule.value) if rule.prefix else seen == rule.value):
                    continue
            if rule.assign == AttributionRule.Assign.EMPLOYEE:
                employee = rule.employee_id
            else:
                employee = None
                if rule.number_from in ("campaign_name", "campaign_or_utm") and values["campaign_name"]:
                    employee = self._by_prefix(values["campaign_name"])
                if employee is None and rule.number_from in ("utm_campaign", "campaign_or_utm"):
                    employee = self._by_prefix(values["utm"].get("campaign", ""))
            if employee is not None:
                return employee, rule.pk
        return None, None


def net_of_vat(amount: Decimal, rate_pct: Decimal) -> Decimal:
    """`amount / (1 + rate)`, to the kopeck, half up."""
    return (amount / (1 + rate_pct / 100)).quantize(KOPECK, ROUND_HALF_UP)


def _counting(source: str, values: dict[str, Any], settings: EventSettings) -> tuple[str, bool, Decimal]:
    """(measure code, counts, value) of one event."""
    code = MEASURE_OF_KIND.get(values["kind"], "")
    if code == "leads":
        excluded = {str(status) for status in (settings.excluded_statuses or {}).get(source, [])}
        return code, values["status"] not in excluded, Decimal(1)
    if code == "marketing_spend":
        amount = values["amount"]
        includes = values["includes_vat"] if values["includes_vat"] is not None else settings.reports_include_vat
        return code, True, net_of_vat(amount, settings.vat_rate) if includes else amount.quantize(KOPECK, ROUND_HALF_UP)
    return "", False, Decimal(0)


# --- 3. the service ---------------------------------------------------------------------------

EXISTING_FIELDS = ("id", "external_id", "digest", "version", "employee_id", "rule_id", "measure_code", "counts", "value", "period")
DERIVED = ("employee_id", "rule_id", "measure_code", "counts", "value")
COPY_FIELDS = (
    "company_id", "source", "external_id", "kind", "occurred_at", "period", "status", "amount", "currency", "includes_vat",
    "quantity", "campaign_id", "campaign_name", "utm", "responsible_user", "responsible_name", "deal_amount", "raw",
    "version", "digest", "received_at", "sync_id", "employee_id", "rule_id", "measure_code", "counts", "value",
)


def events_ingest(*, company: Company, source: str, parsed: Parsed, sync: Sync | None = None, label: str = "") -> IngestResult:
    """Store a source's events, all or nothing: with a parse problem or a bad row nothing is
    written (the problems come back with their rows, and the sync records them). Otherwise
    each event is upserted by (company, source, external id) — a changed one gets the next
    version and its previous one kept, an identical one is unchanged — attributed by the
    company's rules, and the measure values of the cells it touches are recomputed: in an
    open period written (`source` "events"), in a closed one recorded as a `LateChange`."""
    collecting = gc.isenabled()
    gc.disable()  # a batch makes millions of objects that live until the end: no cycle hunts meanwhile
    try:
        return _ingest(company, source, parsed, sync, label)
    finally:
        if collecting:
            gc.enable()


def _ingest(company: Company, source: str, parsed: Parsed, sync: Sync | None, label: str) -> IngestResult:
    started = time_counter()
    result = IngestResult(received=len(parsed.events))
    now = timezone.now()
    if sync is None:
        sync = Sync(company=company, source=source, label=label[:255])
    sync.received = result.received
    result.sync = sync
    result.problems = [IngestProblem(p.row, p.column, p.code, p.message) for p in parsed.problems]
    if source not in SOURCES:
        result.problems.append(IngestProblem(None, "source", BAD_SOURCE, gettext("unknown source %(source)s") % {"source": repr(source)[:40]}))
    rows: dict[str, dict[str, Any]] = {}
    days: dict[date, tuple[datetime, str]] = {}
    for index, event in enumerate(parsed.events):
        values, problems = _normalize(event, index, source, company.currency, days)
        result.problems.extend(problems)
        if values is not None:
            rows[values["external_id"]] = values  # a later row of the same id is its later version
    result.seconds["read"] = time_counter() - started
    if not result.problems:
        try:
            with transaction.atomic():
                _apply(company, source, list(rows.values()), sync, now, result)
        except IntegrityError:  # the same events written meanwhile by another ingest
            result.problems = [IngestProblem(None, None, CONCURRENT, gettext("the same events were written by another ingest meanwhile; nothing was written, try again"))]
            result.created = result.updated = result.unchanged = result.unattributed = result.values_written = result.late_changes = 0
            result.kept_manual = []
    sync.errors = [problem.as_dict() for problem in result.problems[:1000]]
    if not result.ok:
        sync.created = sync.updated = sync.unchanged = sync.unattributed = 0
    sync.finished_at = timezone.now()
    sync.save()
    return result


def _apply(company: Company, source: str, rows: list[dict[str, Any]], sync: Sync, now: datetime, result: IngestResult) -> None:
    started = time_counter()
    settings, _ = EventSettings.objects.get_or_create(company=company)
    settings = EventSettings.objects.select_for_update().get(pk=settings.pk)  # one ingest of a company at a time
    sync.save()
    attributor = Attributor(company)
    existing = _existing(company, source, [row["external_id"] for row in rows])
    new_rows, changed, touched = [], [], defaultdict(set)  # touched: cell → external ids
    for values in rows:
        values["employee_id"], values["rule_id"] = attributor.attribute(source, values)
        values["measure_code"], values["counts"], values["value"] = _counting(source, values, settings)
        if values["employee_id"] is None:
            result.unattributed += 1
        before = existing.get(values["external_id"])
        if before is not None and before["digest"] == values["digest"] and all(before[name] == values[name] for name in DERIVED):
            result.unchanged += 1
            continue
        for state in (before, values):
            if state is not None and state["employee_id"] is not None and state["measure_code"]:
                touched[(state["employee_id"], state["period"], state["measure_code"])].add(values["external_id"])
        values.update(company_id=company.pk, source=source, received_at=now, sync_id=sync.pk)
        if before is None:
            values["version"] = 1
            new_rows.append(values)
        else:
            values["version"] = before["version"] + 1
            values["id"] = before["id"]
            changed.append(values)
    result.created, result.updated = len(new_rows), len(changed)
    compared = time_counter()
    result.seconds["compare"] = compared - started
    _insert(new_rows)
    _replace(changed)
    written = time_counter()
    result.seconds["write"] = written - compared
    _recompute(company, settings, touched, result, source)
    result.seconds["recompute"] = time_counter() - written
    sync.created, sync.updated, sync.unchanged, sync.unattributed = result.created, result.updated, result.unchanged, result.unattributed


def _existing(company: Company, source: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The stored events of these external ids (their fields of `EXISTING_FIELDS`)."""
    existing: dict[str, dict[str, Any]] = {}
    if not Event.objects.filter(company=company, source=source).exists():
        return existing
    if connection.vendor != "postgresql":
        for start in range(0, len(ids), CHUNK):
            for found in Event.objects.filter(company=company, source=source, external_id__in=ids[start : start + CHUNK]).values(*EXISTING_FIELDS):
                existing[found["external_id"]] = found
        return existing
    columns = ", ".join(EXISTING_FIELDS)
    sql = f"SELECT {columns} FROM {Event._meta.db_table} WHERE company_id = %s AND source = %s AND external_id = ANY(%s)"
    with connection.cursor() as cursor:  # plain rows: a million of them through the ORM costs seconds
        for start in range(0, len(ids), 5 * CHUNK):
            cursor.execute(sql, [company.pk, source, ids[start : start + 5 * CHUNK]])
            for found in cursor.fetchall():
                existing[found[1]] = dict(zip(EXISTING_FIELDS, found, strict=True))
    return existing


def _insert(rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if connection.vendor == "postgresql" and len(rows) >= COPY_FROM:
        columns = ", ".join(COPY_FIELDS)
        table = Event._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT column_name, udt_name FROM information_schema.columns WHERE table_name = %s AND table_schema = current_schema()",
                [table],
            )
            types = dict(cursor.fetchall())
            raw_cursor = cursor.cursor
            # the JSON columns get the text dumped once in _normalize, as it is
            set_json_dumps(lambda obj: obj if isinstance(obj, str) else json.dumps(obj), context=raw_cursor)
            with raw_cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types([types[name] for name in COPY_FIELDS])
                for values in rows:
                    values["utm"], values["raw"] = values["utm_json"], values["raw_json"]
                    copy.write_row([values[name] for name in COPY_FIELDS])
        return
    Event.objects.bulk_create([Event(**{name: values[name] for name in COPY_FIELDS}) for values in rows], batch_size=2000)


def _replace(rows: list[dict[str, Any]]) -> None:
    """Keep each changed event's stored version, then write the new one over it."""
    if not rows:
        return
    names = [name for name in COPY_FIELDS if name not in ("company_id", "source", "external_id")]
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        stored = Event.objects.in_bulk([values["id"] for values in chunk])
        EventVersion.objects.bulk_create(
            [EventVersion(event_id=event.pk, **{name: getattr(event, name) for name in VERSIONED_FIELDS}) for event in stored.values()],
            batch_size=2000,
        )
        events = []
        for values in chunk:
            event = stored[values["id"]]
            for name in names:
                setattr(event, name, values[name])
            events.append(event)
        Event.objects.bulk_update(events, [name.removesuffix("_id") if name.endswith("_id") and name != "campaign_id" else name for name in names], batch_size=1000)


# --- 4. recompute -------------------------------------------------------------------------------


def _measures(company: Company, codes: Iterable[str]) -> dict[str, Measure]:
    return {measure.code: measure for measure in catalogue_and_own(Measure, company=company).filter(code__in=set(codes))}


def _recompute(company: Company, settings: EventSettings, touched: dict[Cell, set[str]], result: IngestResult, source: str = "") -> None:
    if not touched:
        return
    measures = _measures(company, {code for _, _, code in touched})
    closed = {str(found.period) for found in periods.closed_periods(company.pk)}
    totals = cell_totals(company, touched)
    employees = {employee for employee, _, _ in touched}
    months = {period for _, period, _ in touched}
    current = {
        (row.employee_id, row.period, row.measure.code): row
        for row in MeasureValue.objects.select_related("measure").filter(
            employee_id__in=employees, period__in=months, measure__in=measures.values()
        )
    }
    to_create, to_update, to_delete, late = [], [], [], []
    for cell in sorted(touched):
        employee_id, period, code = cell
        measure = measures.get(code)
        if measure is None:  # the company has no such measure: the events are kept, feed nothing
            continue
        new = totals.get(cell)
        row = current.get(cell)
        if period in closed:
            old = row.value if row is not None else None
            if new != old and not (new is None and old is None):
                late.append((cell, measure, old, new if new is not None else Decimal(0)))
            continue
        if row is None:
            if new is not None:
                to_create.append(MeasureValue(employee_id=employee_id, period=period, measure=measure, value=new, source=MeasureValue.Source.EVENTS))
        elif row.source == MeasureValue.Source.EVENTS:
            if new is None:
                to_delete.append(row)
            elif row.value != new:
                row.value = new
                to_update.append(row)
        elif new is not None and settings.events_replace_manual:
            row.value, row.source = new, MeasureValue.Source.EVENTS
            to_update.append(row)
        elif new is not None:
            result.kept_manual.append(cell)
    reason = "from events"
    if to_create:
        bulk_create_with_history(to_create, MeasureValue, batch_size=2000, default_change_reason=reason)
    if to_update:
        bulk_update_with_history(to_update, MeasureValue, ["value", "source"], batch_size=1000, default_change_reason=reason)
    for row in to_delete:
        setattr(row, "_change_reason", reason)  # noqa: B010 (simple-history reads it)
        row.delete()
    result.values_written = len(to_create) + len(to_update) + len(to_delete)
    if late:
        _late_changes(company, source, late, touched)
        result.late_changes = len(late)


def cell_totals(company: Company, cells: Iterable[Cell]) -> dict[Cell, Decimal]:
    """Each cell's value from its events (a cell with events none of which count: 0; with no
    events: absent)."""
    cells = set(cells)
    found: dict[Cell, Decimal] = {}
    employees = sorted({employee for employee, _, _ in cells})
    for start in range(0, len(employees), CHUNK):
        query = (
            Event.objects.filter(
                company=company,
                employee_id__in=employees[start : start + CHUNK],
                period__in={period for _, period, _ in cells},
                measure_code__in={code for _, _, code in cells},
            )
            .values_list("employee_id", "period", "measure_code")
            .annotate(total=Sum("value", filter=Q(counts=True)), n=Count("id"))
            .order_by()
        )
        for employee, period, code, total, _ in query:
            if (employee, period, code) in cells:
                found[(employee, period, code)] = (total or Decimal(0)).quantize(PLACES)
    return found


def _late_changes(company: Company, source: str, late: list, touched: dict[Cell, set[str]]) -> None:
    external = {ext for cell, *_ in late for ext in touched[cell]}
    ids = dict(Event.objects.filter(company=company, source=source, external_id__in=external).values_list("external_id", "pk"))
    for cell, measure, old, new in late:
        employee_id, period, _ = cell
        change, created = LateChange.objects.get_or_create(
            company=company, employee_id=employee_id, period=period, measure=measure, status=LateChange.Status.PENDING,
            defaults={"old_value": old, "new_value": new},
        )
        if not created and change.new_value != new:
            change.new_value = new
            change.save(update_fields=["new_value", "updated_at"])
        change.events.add(*[ids[ext] for ext in touched[cell] if ext in ids])


def month_reaggregate(*, company: Company, period: str) -> IngestResult:
    """Recompute every event-fed cell of one month from its events (all the month's events
    with an employee and a measure), as an ingest would."""
    settings = event_settings(company)
    cells: dict[Cell, set[str]] = {
        cell: set()
        for cell in Event.objects.filter(company=company, period=period, employee__isnull=False)
        .exclude(measure_code="")
        .values_list("employee_id", "period", "measure_code")
        .distinct()
        .order_by()
    }
    result = IngestResult()
    with transaction.atomic():
        _recompute(company, settings, cells, result)
    return result
