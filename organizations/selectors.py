"""Reads of companies and their employees."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from core.history import recent_changes
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
    value of each (`core.history.recent_changes`; two queries)."""
    return [
        CompanyVersion(
            change.at,
            change.user,
            change.action == "created",
            tuple(SettingChange(item.field.name, item.old, item.new) for item in change.changes),
        )
        for change in recent_changes([Company.history.filter(id=company.pk)], limit=limit, fields=fields)
        if change.action != "deleted"
    ]


def calendar_days(*, company: Company, year: int) -> list[CalendarDay]:
    """The company's holidays and transferred working days of the year, by date."""
    return list(CalendarDay.objects.filter(company=company, date__year=year).order_by("date"))
