"""Reads of events: where an event-fed measure value comes from."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum

from events.models import Event, LateChange, Sync
from kpis.models import Measure, MeasureValue
from organizations.models import Employee


@dataclass(frozen=True)
class SourceCount:
    """One source's events of a cell: how many came, how many count, by status."""

    source: str
    received: int
    counted: int
    total: Decimal  # the counted events' value (leads: their number; spend: net of VAT)
    by_status: dict[str, int] = field(default_factory=dict)  # status → events that do not count

    @property
    def not_counted(self) -> int:
        return self.received - self.counted


@dataclass(frozen=True)
class Provenance:
    measure: str  # the measure's code
    value: Decimal | None  # the stored measure value (None: none)
    value_source: str  # "events", "manual" or "" (no value)
    total: Decimal  # what the events give
    sources: list[SourceCount]
    events: list[dict[str, Any]]  # id, external id, date, status, campaign, counts, value

    def sentence(self) -> str:
        """"200 leads = 214 from amocrm − 14 not counted"."""
        parts = [f"{s.received} from {s.source}" + (f" − {s.not_counted} not counted" if s.not_counted else "") for s in self.sources]
        return f"{_plain(self.total)} {self.measure} = " + " + ".join(parts) if parts else f"no events for {self.measure}"


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def cell_events(*, employee: Employee, period: str, measure_code: str) -> QuerySet[Event]:
    return Event.objects.filter(company_id=employee.company_id, employee=employee, period=period, measure_code=measure_code)


def measure_provenance(*, employee: Employee, period: str, measure: Measure | str, with_events: bool = True) -> Provenance:
    """Where one measure value of one employee and month comes from: its events' counts by
    source and status, and (`with_events`) the events themselves."""
    code = measure if isinstance(measure, str) else measure.code
    events = cell_events(employee=employee, period=period, measure_code=code)
    sources: dict[str, dict[str, Any]] = {}
    for source, status, counts, n, total in (
        events.values_list("source", "status", "counts").annotate(n=Count("id"), total=Sum("value")).order_by("source", "status")
    ):
        entry = sources.setdefault(source, {"received": 0, "counted": 0, "total": Decimal(0), "by_status": Counter()})
        entry["received"] += n
        if counts:
            entry["counted"] += n
            entry["total"] += total or 0
        else:
            entry["by_status"][status] += n
    counts_list = [
        SourceCount(source, e["received"], e["counted"], e["total"], dict(e["by_status"])) for source, e in sorted(sources.items())
    ]
    stored = MeasureValue.objects.filter(employee=employee, period=period, measure__code=code).order_by("-measure__company_id").first()
    listed = (
        [
            {"id": e.pk, "external_id": e.external_id, "source": e.source, "occurred_at": e.occurred_at, "status": e.status,
             "campaign_id": e.campaign_id, "campaign_name": e.campaign_name, "counts": e.counts, "value": e.value}
            for e in events.order_by("occurred_at", "id")
        ]
        if with_events
        else []
    )
    return Provenance(
        measure=code,
        value=stored.value if stored else None,
        value_source=stored.source if stored else "",
        total=sum((s.total for s in counts_list), start=Decimal(0)),
        sources=counts_list,
        events=listed,
    )


def provenance_for_payout(employee: Employee, period: str) -> dict[str, Any]:
    """For a payout's trace: per event-fed measure, the counts by source and status, and the
    syncs whose events it used (id, source, when) — kept with the payout, it explains the
    approved amount after the events change."""
    found = provenance_for_payouts(company_id=employee.company_id, period=period, employee_ids=[employee.pk])
    return found.get(employee.pk) or {"measures": {}, "syncs": []}


def provenance_for_payouts(*, company_id: int, period: str, employee_ids) -> dict[int, dict[str, Any]]:
    """`provenance_for_payout` of several employees in four queries (a run's chunk): employee
    id → provenance, for those with events in the period."""
    ids = list(employee_ids)
    events = Event.objects.filter(company_id=company_id, period=period, employee_id__in=ids)
    cells: dict[tuple[int, str], dict[str, dict[str, Any]]] = {}
    for employee_id, code, source, status, counts, n, total in (
        events.exclude(measure_code="")
        .values_list("employee_id", "measure_code", "source", "status", "counts")
        .annotate(n=Count("id"), total=Sum("value"))
        .order_by("employee_id", "measure_code", "source", "status")
    ):
        entry = cells.setdefault((employee_id, code), {}).setdefault(
            source, {"received": 0, "counted": 0, "total": Decimal(0), "by_status": Counter()}
        )
        entry["received"] += n
        if counts:
            entry["counted"] += n
            entry["total"] += total or 0
        else:
            entry["by_status"][status] += n
    stored: dict[tuple[int, str], MeasureValue] = {}
    for value in MeasureValue.objects.filter(
        employee_id__in={e for e, _ in cells}, period=period, measure__code__in={c for _, c in cells}
    ).select_related("measure").order_by("employee_id", "measure__code", "-measure__company_id"):
        stored.setdefault((value.employee_id, value.measure.code), value)
    found: dict[int, dict[str, Any]] = {}
    for (employee_id, code), sources in sorted(cells.items()):
        counts_list = [
            SourceCount(source, e["received"], e["counted"], e["total"], dict(e["by_status"])) for source, e in sorted(sources.items())
        ]
        kept = stored.get((employee_id, code))
        cell = Provenance(
            measure=code, value=kept.value if kept else None, value_source=kept.source if kept else "",
            total=sum((s.total for s in counts_list), start=Decimal(0)), sources=counts_list, events=[],
        )
        found.setdefault(employee_id, {"measures": {}, "syncs": []})["measures"][code] = {
            "total": str(cell.total),
            "value": None if cell.value is None else str(cell.value),
            "value_source": cell.value_source,
            "sentence": cell.sentence(),
            "sources": [
                {"source": s.source, "received": s.received, "counted": s.counted, "total": str(s.total), "not_counted_by_status": s.by_status}
                for s in cell.sources
            ],
        }
    used = list(events.filter(sync__isnull=False).values_list("employee_id", "sync_id").distinct().order_by())
    syncs = {
        sync.pk: {"id": sync.pk, "source": sync.source, "label": sync.label, "finished_at": sync.finished_at.isoformat() if sync.finished_at else None}
        for sync in Sync.objects.filter(pk__in={sync_id for _, sync_id in used}).order_by("started_at", "id")
    }
    order = list(syncs)
    by_employee: dict[int, list[int]] = {}
    for employee_id, sync_id in used:
        by_employee.setdefault(employee_id, []).append(sync_id)
    for employee_id, sync_ids in by_employee.items():
        found.setdefault(employee_id, {"measures": {}, "syncs": []})["syncs"] = [
            syncs[pk] for pk in sorted(set(sync_ids), key=order.index)
        ]
    return found


def unattributed_events(*, company_id: int, period: str | None = None) -> QuerySet[Event]:
    """Events no rule attributes to anyone: for HR to map."""
    found = Event.objects.filter(company_id=company_id, employee__isnull=True)
    return found.filter(period=period) if period else found


def pending_late_changes(*, company_id: int, period: str | None = None) -> QuerySet[LateChange]:
    found = LateChange.objects.filter(company_id=company_id, status=LateChange.Status.PENDING)
    return found.filter(period=period) if period else found
