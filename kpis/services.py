"""Writes for KPIs, KPI sets, plans and measure values. Each validates through the engine's
rules, so the admin, the API and imports refuse exactly the same things."""

from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from core import periods
from core.domain import raise_problems
from core.periods import Reach, Span
from engine import kpi_set_problems
from kpis.models import Kpi, KpiSet, KpiSetItem, Measure, MeasureValue, Plan
from organizations.models import Company, Employee


def kpi_set_validate(*, cap_pct: Decimal | None, items: Sequence[tuple[Kpi | None, Decimal | None]]) -> None:
    """Spec §4 for a whole set: raises a `ValidationError` naming every bad row."""
    raise_problems(
        kpi_set_problems([(kpi.code if kpi else None, weight) for kpi, weight in items], cap_pct),
        field_map={"weights": "__all__", "items": "__all__"},
        rows="items",
    )


def _deactivate_others(kpi_set: KpiSet) -> None:
    """One set is active per company and stage; saved one by one so history records it."""
    others = KpiSet.objects.select_for_update().filter(company=kpi_set.company, stage=kpi_set.stage, is_active=True)
    for other in others.exclude(pk=kpi_set.pk):
        other.is_active = False
        other.save(update_fields=["is_active"])


@transaction.atomic
def kpi_set_save(*, kpi_set: KpiSet, items: Sequence[tuple[Kpi, Decimal]]) -> KpiSet:
    """Save a KPI set with exactly these items, or nothing at all. Items keep their rows
    (and history) where the KPI stays; only what changed is written."""
    kpi_set_validate(cap_pct=kpi_set.cap_pct, items=items)
    if kpi_set.is_active:
        _deactivate_others(kpi_set)
    kpi_set.full_clean()
    for kpi, _ in items:
        if kpi.company_id not in (None, kpi_set.company_id):
            raise ValidationError({"items": f"KPI {kpi.code!r} belongs to another company"})
    kpi_set.save()
    existing = {item.kpi_id: item for item in kpi_set.items.all()} if kpi_set.pk else {}
    wanted = {kpi.pk: weight for kpi, weight in items}
    for kpi_id, item in existing.items():
        if kpi_id not in wanted:
            item.delete()
        elif item.weight != wanted[kpi_id]:
            item.weight = wanted[kpi_id]
            item.save(update_fields=["weight"])
    new_items = [KpiSetItem(kpi_set=kpi_set, kpi=kpi, weight=weight) for kpi, weight in items if kpi.pk not in existing]
    if new_items:
        bulk_create_with_history(new_items, KpiSetItem)
    return kpi_set


@transaction.atomic
def kpi_set_activate(*, kpi_set: KpiSet) -> KpiSet:
    """Make this the one active set for its company and stage."""
    _deactivate_others(kpi_set)
    kpi_set.is_active = True
    kpi_set.save(update_fields=["is_active"])
    return kpi_set


def kpi_set_copy_preset(*, preset: KpiSet, company: Company, activate: bool = False) -> KpiSet:
    """Copy a preset (a set with no company) into a company."""
    copy = KpiSet(company=company, stage=preset.stage, name=preset.name, cap_pct=preset.cap_pct, is_active=activate)
    return kpi_set_save(kpi_set=copy, items=[(item.kpi, item.weight) for item in preset.items.select_related("kpi")])


def plan_upsert(*, employee: Employee, period: str, kpi: Kpi, value: Decimal) -> Plan:
    return _value_upsert(Plan, value, employee=employee, period=period, kpi=kpi)


def measure_value_upsert(*, employee: Employee, period: str, measure: Measure, value: Decimal) -> MeasureValue:
    return _value_upsert(MeasureValue, value, employee=employee, period=period, measure=measure)


def _value_upsert(model, value: Decimal, **key):
    """Create or change the one row of `key`, validated by the model's rules."""
    return periods.upsert(model, key=key, values={"value": value})


# --- what a write of a plan or a measure value reaches (core.periods) ---------------------


def period_row_reach(before: Plan | MeasureValue | None, after: Plan | MeasureValue | None) -> Reach:
    """A plan or a measure value feeds its own period: a write of one (or a move to another
    period or employee) touches the periods before and after."""
    rows = [row for row in (before, after) if row is not None]
    spans = tuple(Span.month(row.period) for row in rows)
    last = rows[-1]
    kind = "plan" if isinstance(last, Plan) else "measure value"
    return Reach(last.employee.company_id, spans, f"the {kind} of {last.employee.personnel_number} for {last.period}")


def register_reaches() -> None:
    periods.register_reach(Plan, period_row_reach)
    periods.register_reach(MeasureValue, period_row_reach)
