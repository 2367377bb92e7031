"""Writes for band tables and bonus schemes, and the payout preview."""

from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from compensation.domain import raise_problems
from compensation.engine import PayoutResult, Period, band_points_problems, calculate_payout
from compensation.models import BandPoint, BandTable, BonusScheme, Employee, SchemeFactor
from compensation.selectors import payout_inputs


def band_table_validate(*, points: Sequence[tuple[Decimal | None, Decimal | None]]) -> None:
    """Spec §5 for a whole table: raises a `ValidationError` naming every bad row."""
    raise_problems(band_points_problems(points), field_map={"points": "__all__"})


@transaction.atomic
def band_table_save(*, table: BandTable, points: Sequence[tuple[Decimal, Decimal]]) -> BandTable:
    """Save a band table with exactly these rows, or nothing at all."""
    band_table_validate(points=points)
    table.full_clean()
    table.save()
    table.points.all().delete()
    BandPoint.objects.bulk_create(
        BandPoint(table=table, lower_bound_pct=lower, coefficient=coefficient) for lower, coefficient in points
    )
    return table


@transaction.atomic
def bonus_scheme_save(*, scheme: BonusScheme, factors: Sequence[SchemeFactor]) -> BonusScheme:
    """Save a scheme with exactly these factors (at least one), or nothing at all."""
    if not factors:
        raise ValidationError({"__all__": "a bonus scheme needs at least one factor"}, code="scheme_no_factors")
    scheme.full_clean()
    scheme.save()
    scheme.factors.all().delete()
    for position, factor in enumerate(factors, start=1):
        factor.pk = None
        factor.scheme = scheme
        factor.position = position
        factor.full_clean()
        factor.save()
    return scheme


def payout_preview(*, employee: Employee, period: Period) -> PayoutResult:
    """One payout with its trace, computed now and stored nowhere."""
    (data,) = payout_inputs(company=employee.company, period=period, employee_ids=[employee.pk])
    return calculate_payout(data)
