"""Command-line arguments shared by the management commands, refused with a clear message."""

from django.core.management.base import CommandError

from engine import Period
from organizations.models import Company


def period_argument(text: str) -> Period:
    try:
        return Period.parse(text)
    except ValueError as error:
        raise CommandError(str(error)) from error


def company_argument(slug: str) -> Company:
    company = Company.objects.filter(slug=slug).first()
    if company is None:
        raise CommandError(f"no company with slug {slug!r}")
    return company
