"""When a company's payout configuration changes.

Each process keeps every company's configuration compiled for the engine (KPI definitions,
measure aggregations, the work calendar, the stage and its active KPI set, bonus schemes
with their band tables: `compensation.selectors.company_configuration`), keyed by
`Company.config_version`. Any write to those models replaces the version in the same
transaction, so a reader that sees the new version also sees the new rows; a change to the
catalogue (rows with no company) replaces every company's.

Single-row saves and deletes, from the admin, the API or a service, reach
`configuration_changed` through the signals connected here. Code that writes configuration
rows in bulk (bulk_create, queryset.update) calls it itself; the services that do so also
save the parent row, which is enough.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ObjectDoesNotExist
from django.db.models.signals import post_delete, post_save

from organizations import access

# What `company_configuration` is compiled from.
CONFIGURATION_MODELS = (
    "organizations.companystage",
    "organizations.calendarday",
    "compensation.bandtable",
    "compensation.bandpoint",
    "compensation.bonusscheme",
    "compensation.schemefactor",
    "kpis.measure",
    "kpis.kpi",
    "kpis.kpiset",
    "kpis.kpisetitem",
)


def configuration_changed(*, company_id: int | None) -> None:
    """A new configuration version for the company, or for every company when `company_id`
    is None (a catalogue row changed)."""
    from organizations.models import Company

    companies = Company.objects.all() if company_id is None else Company.objects.filter(pk=company_id)
    companies.update(config_version=uuid.uuid4())


def _on_write(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):
        return  # loaddata: fixtures are loaded before anything is served
    try:
        company_id = access.company_id_of(instance)
    except ObjectDoesNotExist:
        return  # deleted with its parent, whose own signal replaces the version
    configuration_changed(company_id=company_id)


def connect_signals() -> None:
    from django.apps import apps

    for label in CONFIGURATION_MODELS:
        model = apps.get_model(label)
        post_save.connect(_on_write, sender=model, dispatch_uid=f"configuration:save:{label}")
        post_delete.connect(_on_write, sender=model, dispatch_uid=f"configuration:delete:{label}")
