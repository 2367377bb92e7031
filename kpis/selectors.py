"""Reads of KPI configuration shared by the apps above."""

from django.db.models import F, Q, QuerySet

from kpis.models import ImportLog
from organizations.models import Company


def catalogue_and_own(model, *, company: Company) -> QuerySet:
    """Catalogue rows (no company) and the company's own, the company's last: read into a
    dict by code, the company's own row wins over the catalogue's."""
    return model.objects.filter(Q(company__isnull=True) | Q(company=company)).order_by(
        F("company_id").asc(nulls_first=True)
    )


def recent_imports(*, company: Company, kind: str, limit: int = 10) -> list[ImportLog]:
    """The company's latest imports of `kind` ("plans" or "measures"), newest first, with who
    uploaded each (one query)."""
    return list(ImportLog.objects.filter(company=company, kind=kind).select_related("uploaded_by").order_by("-created_at", "-id")[:limit])
