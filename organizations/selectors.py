"""Reads of companies and their employees."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from engine import Period
from organizations.models import CalendarDay, Company, Employee


def employees_in_period(*, company: Company, period: Period) -> QuerySet[Employee]:
    """Employees employed on at least one day of the period."""
    return Employee.objects.filter(company=company, hire_date__lte=period.last_day).filter(
        Q(termination_date__isnull=True) | Q(termination_date__gte=period.first_day)
    )


@dataclass(frozen=True)
class SettingChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class CompanyVersion:
    """One save of the company: when, by whom (None: unknown, e.g. a script), what changed."""

    at: datetime
    user: Any
    created: bool
    changes: tuple[SettingChange, ...]


def company_history(*, company: Company, fields: Sequence[str], limit: int = 20) -> list[CompanyVersion]:
    """The company's saves that changed one of `fields`, newest first, with the old and new
    value of each (django-simple-history's records; two queries)."""
    records = list(
        Company.history.filter(id=company.pk).select_related("history_user").order_by("-history_date", "-history_id")[: limit * 3 + 1]
    )
    versions: list[CompanyVersion] = []
    for record, previous in zip(records, [*records[1:], None], strict=True):
        if record.history_type == "+" or previous is None:
            changes = tuple(SettingChange(name, None, getattr(record, name)) for name in fields)
            created = record.history_type == "+"
        else:
            changes = tuple(
                SettingChange(name, getattr(previous, name), getattr(record, name))
                for name in fields
                if getattr(previous, name) != getattr(record, name)
            )
            created = False
        if changes and (created or previous is not None):
            versions.append(CompanyVersion(record.history_date, record.history_user, created, changes))
        if len(versions) == limit:
            break
    return versions


def calendar_days(*, company: Company, year: int) -> list[CalendarDay]:
    """The company's holidays and transferred working days of the year, by date."""
    return list(CalendarDay.objects.filter(company=company, date__year=year).order_by("date"))
