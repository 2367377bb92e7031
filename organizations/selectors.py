"""Reads of companies and their employees."""

from django.db.models import Q, QuerySet

from engine import Period
from organizations.models import Company, Employee


def employees_in_period(*, company: Company, period: Period) -> QuerySet[Employee]:
    """Employees employed on at least one day of the period."""
    return Employee.objects.filter(company=company, hire_date__lte=period.last_day).filter(
        Q(termination_date__isnull=True) | Q(termination_date__gte=period.first_day)
    )
