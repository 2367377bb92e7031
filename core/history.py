"""Who changed what: the latest saves of an object and of its inline rows (django-simple-history's
records), each with the old and new value of every field it changed."""

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


@dataclass(frozen=True)
class FieldChange:
    """One field of a save: the model field, and its stored values before and after (a foreign
    key as its id; None: no value, e.g. before a creation)."""

    field: Any
    old: Any
    new: Any


@dataclass(frozen=True)
class Change:
    """One save: when, by whom (None: unknown, e.g. a script), created / changed / deleted, the
    row as it was then (the historical record), and its fields (a creation: the values set; a
    deletion: the values removed; a change: only what changed)."""

    at: datetime
    user: Any
    action: str
    record: Any
    changes: tuple[FieldChange, ...]


def _tracked(historical, fields: Sequence[str] | None, skip: Collection[str]) -> list:
    tracked = [field for field in historical.tracked_fields if field.name != "id" and field.name not in skip]
    return [field for field in tracked if field.name in fields] if fields is not None else tracked


def _of(history: QuerySet, limit: int, fields: Sequence[str] | None, skip: Collection[str]) -> list[Change]:
    historical = history.model
    tracked = _tracked(historical, fields, skip)
    names = [field.attname for field in tracked]
    # With a field filter, saves that changed other fields only are skipped: read some more.
    window = limit * 3 + 1 if fields is not None else limit
    records = list(history.select_related("history_user").order_by("-history_date", "-history_id")[:window])
    # The row each change started from: the same object's record just before it.
    changed = {record.id for record in records if record.history_type == "~"}
    newest = max((record.history_id for record in records), default=0)
    before: dict[int, list[dict]] = {}
    for row in (
        historical._default_manager.filter(id__in=changed, history_id__lt=newest)
        .order_by("id", "history_id")
        .values("id", "history_id", *names)
        if changed
        else []
    ):
        before.setdefault(row["id"], []).append(row)
    changes = []
    for record in records:
        values = {name: getattr(record, name) for name in names}
        if record.history_type == "+":
            fields_changed = tuple(FieldChange(f, None, values[f.attname]) for f in tracked if values[f.attname] not in (None, ""))
        elif record.history_type == "-":
            fields_changed = tuple(FieldChange(f, values[f.attname], None) for f in tracked if values[f.attname] not in (None, ""))
        else:
            earlier = [row for row in before.get(record.id, []) if row["history_id"] < record.history_id]
            if not earlier:
                continue  # its start is not recorded: nothing to compare with
            previous = earlier[-1]
            fields_changed = tuple(
                FieldChange(f, previous[f.attname], values[f.attname]) for f in tracked if previous[f.attname] != values[f.attname]
            )
            if not fields_changed:
                continue  # saved unchanged
        if fields is not None and not fields_changed:
            continue
        changes.append(Change(record.history_date, record.history_user, ACTIONS[record.history_type], record, fields_changed))
    return changes


def recent_changes(
    histories: Iterable[QuerySet], *, limit: int = 10, fields: Sequence[str] | None = None, skip: Collection[str] = ()
) -> list[Change]:
    """The latest `limit` saves, newest first, over `histories`: historical querysets already
    narrowed to the rows shown (e.g. `BandPoint.history.filter(table=table)`), two queries
    each whatever the length of the history. `fields`: only saves that changed one of these
    (and only these are reported); `skip`: fields never reported (e.g. the parent's key)."""
    merged = [change for history in histories for change in _of(history, limit, fields, skip)]
    merged.sort(key=lambda change: (change.at, change.record.history_id), reverse=True)
    return merged[:limit]
