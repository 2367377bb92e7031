"""Writes for KPIs, KPI sets, plans and measure values. Each validates through the engine's
rules, so the admin, the API and imports refuse exactly the same things."""

from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction

from compensation.domain import raise_problems
from compensation.engine import kpi_set_problems
from compensation.models import Company, Employee
from kpis.models import Kpi, KpiSet, KpiSetItem, Measure, MeasureValue, Plan


def kpi_set_validate(*, cap_pct: Decimal | None, items: Sequence[tuple[Kpi | None, Decimal | None]]) -> None:
    """Spec §4 for a whole set: raises a `ValidationError` naming every bad row."""
    raise_problems(
        kpi_set_problems([(kpi.code if kpi else None, weight) for kpi, weight in items], cap_pct),
        field_map={"weights": "__all__", "items": "__all__"},
        rows="items",
    )


@transaction.atomic
def kpi_set_save(*, kpi_set: KpiSet, items: Sequence[tuple[Kpi, Decimal]]) -> KpiSet:
    """Save a KPI set with exactly these items, or nothing at all."""
    kpi_set_validate(cap_pct=kpi_set.cap_pct, items=items)
    kpi_set.full_clean()
    if kpi_set.is_active:
        KpiSet.objects.filter(company=kpi_set.company, stage=kpi_set.stage, is_active=True).exclude(
            pk=kpi_set.pk
        ).update(is_active=False)
    kpi_set.save()
    kpi_set.items.all().delete()
    KpiSetItem.objects.bulk_create(KpiSetItem(kpi_set=kpi_set, kpi=kpi, weight=weight) for kpi, weight in items)
    return kpi_set


@transaction.atomic
def kpi_set_activate(*, kpi_set: KpiSet) -> KpiSet:
    """Make this the one active set for its company and stage."""
    KpiSet.objects.filter(company=kpi_set.company, stage=kpi_set.stage, is_active=True).exclude(pk=kpi_set.pk).update(
        is_active=False
    )
    kpi_set.is_active = True
    kpi_set.save(update_fields=["is_active"])
    return kpi_set


def kpi_set_copy_preset(*, preset: KpiSet, company: Company, activate: bool = False) -> KpiSet:
    """Copy a preset (a set with no company) into a company."""
    copy = KpiSet(company=company, stage=preset.stage, name=preset.name, cap_pct=preset.cap_pct, is_active=activate)
    return kpi_set_save(kpi_set=copy, items=[(item.kpi, item.weight) for item in preset.items.select_related("kpi")])


def plan_upsert(*, employee: Employee, period: str, kpi: Kpi, value: Decimal) -> Plan:
    plan = Plan.objects.filter(employee=employee, period=period, kpi=kpi).first() or Plan(
        employee=employee, period=period, kpi=kpi
    )
    plan.value = value
    plan.full_clean()
    plan.save()
    return plan


def measure_value_upsert(*, employee: Employee, period: str, measure: Measure, value: Decimal) -> MeasureValue:
    record = MeasureValue.objects.filter(employee=employee, period=period, measure=measure).first() or MeasureValue(
        employee=employee, period=period, measure=measure
    )
    record.value = value
    record.full_clean()
    record.save()
    return record
