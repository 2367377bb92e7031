"""Every input a payroll period reads has a reach rule in `core.periods`: a new model with a
period or an "in force from" date fails here until it says which periods a write of it
reaches (or is named as not an input)."""

from django.apps import apps
from django.db import models

from core import periods
from core.domain import PeriodField

#: Models with a period or a date that are not inputs of a period's payouts.
NOT_INPUTS = {
    "payroll.payrollrun": "the run itself: its state is the lookup of closed periods",
    "payroll.correction": "a correction of a closed period: stored beside its approved inputs, never over them",
    "payroll.correctionchange": "a correction's corrected input: never an input of the approved run",
}
#: Configuration edited in place: the approved payouts keep their traces; a change applies from the next open period.
CONFIGURATION = ("compensation.bandtable", "compensation.bandpoint", "compensation.bonusscheme",
                 "compensation.schemefactor", "kpis.kpiset", "kpis.kpisetitem", "kpis.kpi", "kpis.measure")  # fmt: skip
DATED = ("effective_from", "date", "hire_date")


def _dated(model) -> bool:
    return any(
        isinstance(field, PeriodField) or (isinstance(field, models.DateField) and field.name in DATED)
        for field in model._meta.get_fields()
        if field.concrete
    )


def test_every_dated_input_has_a_reach_rule():
    ours = [model for model in apps.get_models() if model._meta.app_label in ("organizations", "kpis", "compensation", "payroll")]
    dated = {model._meta.label_lower for model in ours if _dated(model) and not model.__name__.startswith("Historical")}
    missing = sorted(label for label in dated - set(NOT_INPUTS) if not periods.has_reach(apps.get_model(label)))
    assert missing == []
    assert dated >= {
        "kpis.plan", "kpis.measurevalue", "payroll.adjustment", "compensation.salaryagreement",
        "compensation.schemeassignment", "organizations.companystage", "organizations.calendarday", "organizations.employee",
    }  # fmt: skip


def test_configuration_has_no_reach_and_stays_editable():
    assert [label for label in CONFIGURATION if periods.has_reach(apps.get_model(label))] == []
