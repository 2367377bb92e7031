"""Closed periods: once a company's payroll for a month is approved, the inputs that fed it
are closed — no path (service, admin, API, bulk or file import, portal) creates, changes or
deletes them; a change of an approved month is recorded as a correction instead.

The rule has two halves, each told here at start-up by the app that knows it:

- **which periods are closed** — payroll knows (a company-period is closed when it has a
  run in `payroll.models.FROZEN`): `register_lookup`, from `payroll.apps`;
- **which periods a row reaches** — each input app knows its own rows (a plan: its
  period; a salary agreement: the months from its start until the next agreement's):
  `register_reach`, from each app's `apps.py`. A row with no reach registered is
  configuration edited in place (schemes, band tables, KPI sets, KPIs, measures): it stays
  editable; the approved payouts keep their traces, and a change applies from the next
  open period.

Every face asks `ensure_write_open(before, after)` for a row it is about to write (the
admin and API bases, the services, the imports) and turns `PeriodClosedError` into its own
refusal: a 409 `period_closed` in the API, an error on the admin's form or row, a row's
problem in an import. The message names the period, who approved it and when, and where a
correction goes: "November 2026 was approved by Anna Petrova on 2 Dec 2026; record a
correction".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop

from core.errors import DomainError
from engine import Period

PERIOD_CLOSED = "period_closed"
CORRECTION_HINT = gettext_noop("record a correction")


@dataclass(frozen=True)
class ClosedPeriod:
    """A company's month whose payroll is approved (or paid)."""

    period: Period
    approved_by: str  # a name; "" when unknown (the approver's account is gone)
    approved_at: datetime | None

    def sentence(self) -> str:
        """"November 2026 was approved by Anna Petrova on 2 Dec 2026", in the active language."""
        values = {"month": date_format(self.period.first_day, "YEAR_MONTH_FORMAT"), "who": self.approved_by}
        if self.approved_at is not None:
            values["day"] = date_format(timezone.localtime(self.approved_at).date(), "j M Y")
        if self.approved_by and "day" in values:
            return gettext("%(month)s was approved by %(who)s on %(day)s") % values
        if self.approved_by:
            return gettext("%(month)s was approved by %(who)s") % values
        if "day" in values:
            return gettext("%(month)s was approved on %(day)s") % values
        return gettext("%(month)s was approved") % values


@dataclass(frozen=True)
class Span:
    """Days from `start` up to (not including) `end`; `end` None: for ever."""

    start: date
    end: date | None = None

    @classmethod
    def month(cls, period: Period | str) -> Span:
        period = Period.parse(period) if isinstance(period, str) else period
        return cls(period.first_day, period.last_day + timedelta(days=1))

    @classmethod
    def months(cls, first: Period, last: Period | None) -> Span:
        """The months `first` to `last` inclusive (`last` None: for ever)."""
        return cls(first.first_day, None if last is None else last.last_day + timedelta(days=1))

    def meets(self, period: Period) -> bool:
        return self.start <= period.last_day and (self.end is None or self.end > period.first_day)

    def within(self, other: Span) -> Span | None:
        """The days of this span that are also `other`'s (None: none)."""
        start = max(self.start, other.start)
        ends = [end for end in (self.end, other.end) if end is not None]
        end = min(ends) if ends else None
        return None if end is not None and end <= start else Span(start, end)


@dataclass(frozen=True)
class Reach:
    """What a write of a row touches: its company's days in `spans`, and what to call it."""

    company_id: int | None
    spans: tuple[Span, ...]
    what: str = ""


class PeriodClosedError(DomainError):
    """The write reaches an approved month (the API answers 409 `period_closed`).
    `closed`: the first closed period it reaches; `fields` (optional): where, keyed as the
    API's error shape keys them."""

    def __init__(self, message: str, *, closed: ClosedPeriod | None = None, fields: dict[str, list[str]] | None = None):
        self.closed = closed
        self.fields = fields or {}
        super().__init__(PERIOD_CLOSED, message)

    @classmethod
    def of(cls, closed: ClosedPeriod, what: str = "") -> PeriodClosedError:
        """"the plan of DEMO-A for 2026-11 reaches a closed period: November 2026 was approved by
        Anna Petrova on 2 Dec 2026; record a correction"."""
        reason = refusal_reason(closed)
        if not what:
            return cls(reason, closed=closed)
        return cls(gettext("%(what)s reaches a closed period: %(reason)s") % {"what": what, "reason": reason}, closed=closed)


def refusal_reason(closed: ClosedPeriod) -> str:
    return f"{closed.sentence()}; {gettext(CORRECTION_HINT)}"


# --- what the higher apps tell at start-up -----------------------------------------------

Lookup = Callable[[int], list[ClosedPeriod]]
ReachRule = Callable[..., Reach | None]  # (before, after) of one model: its rows or None
_lookups: list[Lookup] = []
_reaches: dict[str, ReachRule] = {}


def register_lookup(lookup: Lookup) -> None:
    """`lookup(company_id)`: the company's closed periods."""
    if lookup not in _lookups:
        _lookups.append(lookup)


def register_reach(model: type[models.Model], rule: ReachRule) -> None:
    """`rule(before, after)`: what going from the stored row `before` (None: it is new) to
    `after` (None: it is deleted) touches; None or no spans: nothing a payroll reads."""
    _reaches[model._meta.label_lower] = rule


def has_reach(model: type[models.Model]) -> bool:
    return model._meta.label_lower in _reaches


# --- the checks ---------------------------------------------------------------------------


def closed_periods(company_id: int | None) -> list[ClosedPeriod]:
    """The company's closed periods, oldest first."""
    if company_id is None:
        return []
    found = [closed for lookup in _lookups for closed in lookup(company_id)]
    return sorted(found, key=lambda closed: closed.period)


def closed_among(company_id: int | None, spans: Iterable[Span]) -> list[ClosedPeriod]:
    spans = list(spans)
    if not spans:
        return []
    return [closed for closed in closed_periods(company_id) if any(span.meets(closed.period) for span in spans)]


def ensure_period_open(company_id: int | None, periods: Period | str | Iterable[Period | str], what: str = "") -> None:
    """Refuse (`PeriodClosedError`) when one of these periods of the company is closed."""
    if isinstance(periods, Period | str):
        periods = [periods]
    ensure_open(company_id, [Span.month(period) for period in periods], what)


def ensure_open(company_id: int | None, spans: Iterable[Span], what: str = "") -> None:
    """Refuse when a closed period of the company meets one of these spans of days."""
    closed = closed_among(company_id, spans)
    if closed:
        raise PeriodClosedError.of(closed[0], what)


def stored(obj: models.Model) -> models.Model | None:
    """The row as the database holds it now (None: not saved, or gone meanwhile)."""
    if obj.pk is None or obj._state.adding:
        return None
    return type(obj)._default_manager.filter(pk=obj.pk).first()


def reach(before: models.Model | None, after: models.Model | None) -> Reach | None:
    row = after if after is not None else before
    if row is None:
        return None
    rule = _reaches.get(row._meta.label_lower)
    return None if rule is None else rule(before, after)


def ensure_write_open(after: models.Model | None, *, before: models.Model | None = None, delete: models.Model | None = None) -> None:
    """Refuse a write that reaches a closed period: saving `after` (the stored version is
    read unless `before` is given) or deleting `delete`. Rows with no reach: never refused."""
    if delete is not None:
        model = type(delete)
        if not has_reach(model):
            return
        before, after = (stored(delete) or delete), None
    else:
        assert after is not None
        if not has_reach(type(after)):
            return
        if before is None:
            before = stored(after)
    found = reach(before, after)
    if found is not None:
        ensure_open(found.company_id, found.spans, found.what)


def refusal(obj: models.Model, *, delete: bool = False) -> PeriodClosedError | None:
    """The refusal `ensure_write_open` would raise for saving (or deleting) `obj`, or None."""
    try:
        ensure_write_open(None if delete else obj, delete=obj if delete else None)
    except PeriodClosedError as error:
        return error
    return None


# --- helpers for the reach rules ----------------------------------------------------------


def effective_span(model: type[models.Model], row: models.Model, *, owner: str, start: str = "effective_from") -> Span:
    """The days a row "in force from a date on" governs: from its date up to the next row's
    of the same owner (the row itself left out: a row moved past its neighbour)."""
    begins = getattr(row, start)
    owner_id = getattr(row, f"{owner}_id")
    later = (
        model._default_manager.filter(**{f"{owner}_id": owner_id, f"{start}__gt": begins})
        .exclude(pk=row.pk)
        .order_by(start)
        .values_list(start, flat=True)
        .first()
        if owner_id is not None
        else None
    )
    return Span(begins, later)


Row = TypeVar("Row", bound=models.Model)


def upsert(model: type[Row], *, key: dict[str, Any], values: dict[str, Any]) -> Row:
    """Create or change the one row of `key` with `values`: by the model's rules, then
    refused (`PeriodClosedError`) when the write reaches a closed period."""
    record = model._default_manager.filter(**key).first() or model(**key)
    before = stored(record)
    for name, value in values.items():
        setattr(record, name, value)
    record.full_clean()
    ensure_write_open(record, before=before)
    record.save()
    return record
