"""The generic format, for anything without a connector: a CSV whose columns are
`events.schema.EventIn`'s fields (`utm_source`, `utm_campaign`… for the UTM fields), and a
JSON list of objects with the same keys (the events API). Plain Python, as a connector."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from events.schema import EventIn, Parsed, ParseProblem

TEXT_FIELDS = ("source", "external_id", "kind", "status", "currency", "campaign_id", "campaign_name", "responsible_user", "responsible_name")
MONEY_FIELDS = ("amount", "quantity", "deal_amount")
UTM_KEYS = ("source", "medium", "campaign", "content", "term")
FIELDS = (*TEXT_FIELDS, "occurred_at", "includes_vat", *MONEY_FIELDS, "utm", "raw")
REQUIRED = ("external_id", "kind", "occurred_at")


def _decimal(text: Any) -> Decimal:
    if isinstance(text, Decimal):
        return text
    if isinstance(text, bool) or not isinstance(text, str | int):
        raise ValueError(text)  # a JSON float is refused: money is never a float
    cleaned = str(text).strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(text) from None


def _moment(text: Any) -> datetime | date:
    text = str(text).strip()
    if len(text) == 10:
        return date.fromisoformat(text)
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _flag(text: Any) -> bool | None:
    if text is None or text == "":
        return None
    if isinstance(text, bool):
        return text
    lowered = str(text).strip().lower()
    if lowered in ("1", "true", "yes", "y", "да"):
        return True
    if lowered in ("0", "false", "no", "n", "нет"):
        return False
    raise ValueError(text)


def event_from_mapping(item: dict[str, Any], row: int, source: str, problems: list[ParseProblem]) -> EventIn | None:
    """One event from a mapping of field → value (text or JSON values); its problems added."""
    found: list[ParseProblem] = []
    if not isinstance(item, dict):
        problems.append(ParseProblem(row, None, "bad_row", "an event is an object of its fields"))
        return None
    utm = dict(item.get("utm") or {}) if isinstance(item.get("utm") or {}, dict) else None
    if utm is None:
        found.append(ParseProblem(row, "utm", "bad_row", "utm is an object of the UTM fields"))
        utm = {}
    for key in UTM_KEYS:
        if item.get(f"utm_{key}") not in (None, ""):
            utm[key] = str(item[f"utm_{key}"])
    unknown = sorted(set(item) - set(FIELDS) - {f"utm_{key}" for key in UTM_KEYS} - {"row"})
    for key in unknown:
        found.append(ParseProblem(row, str(key)[:50], "unknown_field", f"unknown field {str(key)[:50]!r}"))
    for name in REQUIRED:
        if item.get(name) in (None, ""):
            found.append(ParseProblem(row, name, "cell_empty", f"{name} is empty"))
    values: dict[str, Any] = {name: str(item.get(name) or "").strip() for name in TEXT_FIELDS}
    values["source"] = values["source"] or source
    if item.get("occurred_at") not in (None, ""):
        try:
            values["occurred_at"] = _moment(item["occurred_at"])
        except (ValueError, TypeError):
            found.append(ParseProblem(row, "occurred_at", "bad_date", f"{str(item['occurred_at'])[:40]!r} is not a date (YYYY-MM-DD or ISO 8601)"))
    for name in MONEY_FIELDS:
        if item.get(name) not in (None, ""):
            try:
                values[name] = _decimal(item[name])
            except ValueError:
                found.append(ParseProblem(row, name, "not_a_number", f"{str(item[name])[:40]!r} is not a number"))
    try:
        values["includes_vat"] = _flag(item.get("includes_vat"))
    except ValueError:
        found.append(ParseProblem(row, "includes_vat", "bad_flag", "includes_vat is true or false"))
    raw = item.get("raw")
    if found:
        problems.extend(found)
        return None
    return EventIn(
        utm=utm, raw=raw if isinstance(raw, dict) else {key: item[key] for key in item if key != "raw"}, row=row, **values
    )


def parse_file(content: bytes, file_name: str) -> Parsed:
    """A CSV (UTF-8, `,` or `;`) with a header of EventIn's fields; rows numbered from 1
    with the header."""
    parsed = Parsed()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        parsed.problems.append(ParseProblem(None, None, "bad_encoding", f"{file_name} is not UTF-8 text"))
        return parsed
    first = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text), delimiter=";" if first.count(";") > first.count(",") else ",")
    if not reader.fieldnames:
        parsed.problems.append(ParseProblem(None, None, "no_header", f"{file_name} has no header row"))
        return parsed
    for number, cells in enumerate(reader, start=2):
        if not any((value or "").strip() for value in cells.values() if isinstance(value, str)):
            continue
        if None in cells:
            parsed.problems.append(ParseProblem(number, None, "extra_cells", "the row has more cells than the header"))
            continue
        item = {str(key).strip(): value for key, value in cells.items() if value not in (None, "")}
        event = event_from_mapping(item, number, "csv", parsed.problems)
        if event is not None:
            parsed.events.append(event)
    if not parsed.events and not parsed.problems:
        parsed.problems.append(ParseProblem(None, None, "no_data_rows", f"{file_name} has no events"))
    return parsed
