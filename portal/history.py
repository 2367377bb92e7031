"""The "Who changed what" panel of HR's pages (template `portal/hr/_history.html`): the saves
`core.history.recent_changes` finds, written as people read them — fields by their names, KPIs
and tables by name (never ids), money with its currency, numbers plain, choices in words."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, pgettext_lazy

from core.history import Change, recent_changes
from portal.formatting import format_money, format_number
from portal.labels import catalogue_name

SHOWN = 10  # saves a panel lists

#: The kind of row a save was of, by model label.
ROW_KINDS = {
    "compensation.bandtable": gettext_lazy("Band table"),
    "compensation.bandpoint": gettext_lazy("Band row"),
    "compensation.bonusscheme": gettext_lazy("Bonus scheme"),
    "compensation.schemefactor": gettext_lazy("Factor"),
    "compensation.salaryagreement": gettext_lazy("Salary agreement"),
    "compensation.schemeassignment": gettext_lazy("Scheme assignment"),
    "kpis.kpi": gettext_lazy("KPI"),
    "kpis.kpiset": gettext_lazy("KPI set"),
    "kpis.kpisetitem": gettext_lazy("KPI in the set"),
    "organizations.employee": gettext_lazy("Employee"),
}

#: Fields in words, by name (a field not listed shows its verbose name).
FIELD_LABELS = {
    "name": pgettext_lazy("a field in the history", "Name"),
    "mode": gettext_lazy("Mode"),
    "lower_bound_pct": gettext_lazy("From fulfillment, %"),
    "coefficient": gettext_lazy("Coefficient"),
    "base_kind": gettext_lazy("Base"),
    "base_share": gettext_lazy("Share of fixed pay"),
    "base_amount": gettext_lazy("Fixed amount"),
    "cap": gettext_lazy("Cap"),
    "position": gettext_lazy("Position"),
    "input_kind": gettext_lazy("Input"),
    "kpi": gettext_lazy("KPI"),
    "kpi_set": gettext_lazy("KPI set"),
    "band_table": gettext_lazy("Band table"),
    "scheme": gettext_lazy("Bonus scheme"),
    "effective_from": gettext_lazy("From"),
    "monthly_amount": gettext_lazy("Monthly salary"),
    "weight": gettext_lazy("Weight"),
    "stage": gettext_lazy("Stage"),
    "is_active": pgettext_lazy("a field in the history", "Active"),
    "cap_pct": gettext_lazy("Cap per KPI, %"),
    "code": gettext_lazy("Code"),
    "direction": gettext_lazy("Direction"),
    "unit": gettext_lazy("Unit"),
    "measure": gettext_lazy("Measure"),
    "formula": gettext_lazy("Formula"),
    "personnel_number": gettext_lazy("Personnel number"),
    "full_name": gettext_lazy("Full name"),
    "hire_date": gettext_lazy("Hire date"),
    "termination_date": gettext_lazy("Termination date"),
    "user": gettext_lazy("Login"),
}

# The models' choice labels (English in the models), marked so makemessages collects them.
CHOICE_LABELS = [
    gettext_noop("Step"),
    gettext_noop("Linear"),
    gettext_noop("Share of fixed pay"),
    gettext_noop("Fixed amount"),
    gettext_noop("One KPI's fulfillment"),
    gettext_noop("A KPI set's score"),
    gettext_noop("The KPI set active for the company's stage"),
    gettext_noop("Higher is better"),
    gettext_noop("Lower is better"),
    gettext_noop("Count"),
    gettext_noop("Money"),
    gettext_noop("Percent"),
    gettext_noop("Ratio"),
]

NEVER_SHOWN = ("company",)  # the page is of the company already


def _is_money(field) -> bool:
    """`core.domain.money_field`: 14 digits, 2 places."""
    return isinstance(field, models.DecimalField) and field.max_digits == 14 and field.decimal_places == 2


def _plain(value: Decimal) -> str:
    exponent = value.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return format_number(value, places)


def _name_of(instance) -> str:
    if hasattr(instance, "full_name"):
        return instance.full_name
    if instance._meta.label_lower in ("kpis.kpi", "kpis.measure"):
        return catalogue_name(instance.name)
    if hasattr(instance, "name"):
        return instance.name
    if hasattr(instance, "get_username"):
        return instance.get_full_name() or instance.get_username()
    return str(instance)


#: The field that says which row a save was of (else its name).
ROW_NAMED_BY = {
    "compensation.bandpoint": "lower_bound_pct",
    "compensation.salaryagreement": "effective_from",
    "compensation.schemeassignment": "effective_from",
    "kpis.kpisetitem": "kpi",
    "organizations.employee": "full_name",
}


def _row_field(record):
    meta = record.instance_type._meta
    name = ROW_NAMED_BY.get(meta.label_lower, "name")
    try:
        return meta.get_field(name)
    except models.FieldDoesNotExist:
        return None


def _related_names(changes: list[Change]) -> dict[tuple[type, object], str]:
    """The name of every row a foreign key of `changes` points to: one query per model."""
    wanted: dict[Any, set] = {}
    for change in changes:
        pairs = [(item.field, value) for item in change.changes for value in (item.old, item.new)]
        field = _row_field(change.record)
        if field is not None:
            pairs.append((field, getattr(change.record, field.attname)))
        for field, value in pairs:
            if field.is_relation and value is not None:
                wanted.setdefault(field.related_model, set()).add(value)
    names: dict[tuple[type, object], str] = {}
    for model, ids in wanted.items():
        for instance in model._default_manager.filter(pk__in=ids):
            names[(model, instance.pk)] = _name_of(instance)
    return names


def _text(field, value, names: dict, currency: str) -> str:
    if value is None or value == "":
        return ""
    if field.is_relation:
        return names.get((field.related_model, value), _("(removed)"))
    if field.choices:
        label = dict(field.flatchoices).get(value, value)
        return _(str(label))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Decimal):
        return format_money(value, currency) if _is_money(field) else _plain(value)
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def _who(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def history_panel(histories: Iterable[QuerySet], *, currency: str, limit: int = SHOWN) -> list[dict]:
    """The panel's rows, newest first: when, who, which row and what was done to it, and its
    fields (old → new) in words; a few queries whatever the length of the history. The first
    of `histories` is the page's own object's."""
    histories = list(histories)
    changes = recent_changes(histories, limit=limit, skip=NEVER_SHOWN)
    # A row's key to the page's own object (a factor's scheme, a row's table) says nothing.
    page_model = histories[0].model.instance_type if histories else None
    changes = [
        replace(change, changes=tuple(item for item in change.changes if not (item.field.is_relation and item.field.related_model is page_model)))
        for change in changes
    ]
    names = _related_names(changes)
    rows = []
    for change in changes:
        record = change.record
        meta = record.instance_type._meta
        field = _row_field(record)
        what = _text(field, getattr(record, field.attname), names, currency) if field is not None else ""
        if meta.label_lower == "compensation.bandpoint" and what:
            what = _("from %(bound)s %%") % {"bound": what}
        elif meta.label_lower in ("compensation.salaryagreement", "compensation.schemeassignment") and what:
            what = _("from %(day)s") % {"day": what}
        rows.append(
            {
                "when": change.at,
                "who": _who(change.user),
                "kind": ROW_KINDS.get(meta.label_lower, meta.verbose_name),
                "what": catalogue_name(what) if meta.label_lower in ("kpis.kpi", "kpis.measure") else what,
                "action": change.action,
                "fields": [
                    {
                        "label": FIELD_LABELS.get(item.field.name, item.field.verbose_name),
                        "old": _text(item.field, item.old, names, currency),
                        "new": _text(item.field, item.new, names, currency),
                    }
                    for item in change.changes
                ],
            }
        )
    return rows


def history_context(histories: Iterable[QuerySet], *, currency: str) -> dict:
    """What `_history.html` reads: the rows and how many a panel shows at most."""
    return {"history": history_panel(histories, currency=currency), "history_limit": SHOWN}
