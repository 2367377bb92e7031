"""HR's month grids (issue 14, item 1, "Plans and actuals"): people × KPIs of a month, each
cell the plan, edited in place and saved in one go; the same for the actuals (people ×
measures). One page shape for both (`GRIDS`); the writes are `kpis.services` and
`kpis.imports`, the columns `compensation.selectors.kpis_in_use` / `measures_in_use`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db.models import Model
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from compensation.selectors import employees_in_period, kpis_in_use, measures_in_use
from core import periods
from core.history import recent_changes
from core.periods import PeriodClosedError, Span
from engine import Period
from kpis import imports
from kpis.models import ImportLog, Kpi, Measure, MeasureValue, Plan
from kpis.selectors import recent_imports
from kpis.services import ValuesRefused, period_values_save, plans_copy_from_previous
from organizations import access
from organizations.models import Employee
from portal.errors import bad_request
from portal.formatting import format_number
from portal.labels import catalogue_name
from portal.views import _company, _period, role_required

CELL = re.compile(r"^v-(\d{1,12})-(\d{1,12})$")
HISTORY_SHOWN = 20


@dataclass(frozen=True)
class Grid:
    """What differs between the plans grid and the actuals grid."""

    kind: str  # kpis.imports' kind: "plans" or "measures"
    url_name: str
    title: str | Promise
    model: type[Model]
    target: str  # "kpi" or "measure"
    import_url: str
    template_url: str

    def columns(self, company, period: Period) -> list:
        if self.kind == ImportLog.Kind.PLANS:
            return kpis_in_use(company=company, period=period)
        return measures_in_use(company=company, period=period)


GRIDS = {
    ImportLog.Kind.PLANS: Grid(
        ImportLog.Kind.PLANS, "portal:plans", gettext_lazy("Plans"), Plan, "kpi", "portal:plans_import", "portal:plans_template"
    ),
    ImportLog.Kind.MEASURES: Grid(
        ImportLog.Kind.MEASURES,
        "portal:actuals",
        gettext_lazy("Actuals"),
        MeasureValue,
        "measure",
        "portal:actuals_import",
        "portal:actuals_template",
    ),
}


def cell_text(value: Decimal | None) -> str:
    """A stored value as it goes into its input: every decimal it has, no grouping, the
    language's decimal point (read back by `core.numbers.parse_decimal` as the same number)."""
    if value is None:
        return ""
    normal = value.normalize()
    places = max(0, -normal.as_tuple().exponent)  # type: ignore[operator]
    return format_number(normal, places, grouping=False)


def _month(request, value: str | None, *, required: bool = False) -> Period | HttpResponse:
    """The month asked for (none in the address: this month; a form always names it)."""
    try:
        if required and not value:
            raise ValueError("no month")
        return _period(value)
    except ValueError:
        return bad_request(request, _("Write the month as YYYY-MM, for example 2026-11."))


def _closed_reason(company, period: Period) -> str | None:
    closed = periods.closed_among(company.pk, [Span.month(period)])
    return periods.refusal_reason(closed[0]) if closed else None


def _person(employee) -> str:
    return f"{employee.full_name} ({employee.personnel_number})"


def _target_name(target) -> str:
    return catalogue_name(target.name)


def _how(reason: str) -> str:
    """The history's change reason in words: the grid, a copy, an import (else the admin or API)."""
    if reason.endswith(" in the portal"):
        return _("in this grid")
    if reason.startswith("copied from "):
        return _("copied from %(month)s") % {"month": reason.removeprefix("copied from ")}
    if reason.startswith("import of "):
        return _("import of %(file)s") % {"file": reason.removeprefix("import of ")}
    return reason


def _history(grid: Grid, company, period: Period) -> dict:
    """The month's changes of the grid's rows, newest first: who, when, old → new
    (`core.history.recent_changes` over the value)."""
    historical = grid.model.history.model  # type: ignore[attr-defined]
    changes = recent_changes(
        [historical.objects.filter(employee__company=company, period=str(period)).select_related("employee", grid.target)],
        limit=HISTORY_SHOWN + 1,
        fields=["value"],
    )
    rows = []
    for change in changes[:HISTORY_SHOWN]:
        entry, (value,) = change.record, change.changes
        user = change.user
        rows.append(
            {
                "when": change.at,
                "who": (user.get_full_name() or user.get_username()) if user else "",
                "person": _person(entry.employee) if entry.employee else "",
                "target": _target_name(getattr(entry, grid.target)) if getattr(entry, grid.target) else "",
                "old": cell_text(value.old),
                "new": cell_text(value.new),
                "how": _how(entry.history_change_reason or ""),
            }
        )
    return {"history": rows, "history_more": len(changes) > HISTORY_SHOWN}


IMPORT_ERRORS_SHOWN = 3  # first errors of a rejected import in the list


def _imports(company, kind: str) -> list[dict]:
    """The company's recent imports of this kind: file, who, when, status, counts, first errors."""
    return [
        {
            "log": log,
            "who": (log.uploaded_by.get_full_name() or log.uploaded_by.get_username()) if log.uploaded_by else "",
            "applied": log.status == ImportLog.Status.APPLIED,
            "errors": log.errors[:IMPORT_ERRORS_SHOWN],
            "more_errors": max(len(log.errors) - IMPORT_ERRORS_SHOWN, 0),
        }
        for log in recent_imports(company=company, kind=kind)
    ]


def _grid_context(request, grid: Grid, period: Period, *, typed=None, errors=None, result=None) -> dict:
    """The page: rows of people, columns of KPIs or measures, each cell the stored value or
    (after a refused save) what was typed, with its error."""
    company = _company(request)
    employees = list(employees_in_period(company=company, period=period).order_by("full_name", "personnel_number"))
    columns = grid.columns(company, period)
    target_field = f"{grid.target}_id"
    stored = {
        (employee_id, target_id): value
        for employee_id, target_id, value in grid.model.objects.filter(  # type: ignore[attr-defined]
            employee__company=company, period=str(period)
        ).values_list("employee_id", target_field, "value")
    }
    errors = errors or {}
    rows = []
    for employee in employees:
        cells = []
        for column in columns:
            key = (employee.pk, column.pk)
            name = f"v-{employee.pk}-{column.pk}"
            saved = cell_text(stored.get(key))
            cells.append(
                {
                    "name": name,
                    "value": typed.get(name, saved) if typed is not None else saved,
                    "saved": saved,
                    "error": errors.get(key),
                    "label": f"{employee.full_name} — {_target_name(column)}",
                }
            )
        rows.append({"employee": employee, "cells": cells, "keys": [(employee.pk, column.pk) for column in columns]})
    closed = _closed_reason(company, period)
    return {
        "grid": grid,
        "company": company,
        "period": period,
        "previous_period": period.previous,
        "next_period": period.next,
        "columns": [{"target": column, "name": _target_name(column)} for column in columns],
        "rows": rows,
        "closed": closed,
        "result": result,
        "grids": [(other, reverse(other.url_name)) for other in GRIDS.values()],
        "max_megabytes": imports.MAX_BYTES // (1024 * 1024),
        "columns_expected": imports.COLUMNS,
        **_history(grid, company, period),
        "imports": _imports(company, grid.kind),
    }


def _grid_page(request, grid: Grid):
    if request.method == "POST":
        return _grid_save(request, grid)
    period = _month(request, request.GET.get("period"))
    if isinstance(period, HttpResponse):
        return period
    return render(request, "portal/hr/plans.html", _grid_context(request, grid, period))


def _back(grid: Grid, period: Period):
    return redirect(f"{reverse(grid.url_name)}?period={period}")


def _grid_save(request, grid: Grid):
    """Every cell of the form at once: all saved, or nothing and the page again with what
    was typed and each bad cell named by person and KPI."""
    period = _month(request, request.POST.get("period"), required=True)
    if isinstance(period, HttpResponse):
        return period
    company = _company(request)
    cells, typed = {}, {}
    for name, text in request.POST.items():
        match = CELL.match(name)
        if match:
            cells[(int(match[1]), int(match[2]))] = text
            typed[name] = text
    try:
        saved = period_values_save(kind=grid.kind, company=company, period=period, cells=cells, changed_by=request.user)
    except PeriodClosedError as error:
        messages.error(request, error.message)
        return _back(grid, period)
    except ValuesRefused as refused:
        errors: dict[tuple[int, int], str] = {}
        for problem in refused.problems:
            errors.setdefault((problem.employee_id, problem.target_id), problem.message)
        context = _grid_context(request, grid, period, typed=typed, errors=errors)
        shown = {key for row in context["rows"] for key in row["keys"]}
        listed = [f"{cell['label']}: {cell['error']}" for row in context["rows"] for cell in row["cells"] if cell["error"]]
        if any(p.code == imports.CONCURRENT_CHANGE for p in refused.problems):
            listed.append(_("Someone else changed these values meanwhile; nothing was saved, try again."))
        elif any(key not in shown for key in errors):  # a forged or stale cell: named by no one
            listed.append(_("A value for a person or a column not on this page was refused."))
        context["save_errors"] = listed
        return render(request, "portal/hr/plans.html", context, status=400)
    if saved.changed:
        messages.success(
            request,
            ngettext("%(count)d value changed.", "%(count)d values changed.", saved.changed) % {"count": saved.changed}
            + " "
            + _changes_said(grid, saved.changes),
        )
    else:
        messages.info(request, _("Nothing changed."))
    return _back(grid, period)


CHANGES_SAID = 5


def _changes_said(grid: Grid, changes) -> str:
    """The first changes as understood: "Alexei Seedov — Leads: 200 → 212.5; …"."""
    shown = changes[:CHANGES_SAID]
    people = Employee.objects.in_bulk({change.employee_id for change in shown})
    target_model: Any = Kpi if grid.target == "kpi" else Measure
    targets = target_model.objects.in_bulk({change.target_id for change in shown})
    said = [
        f"{people[c.employee_id].full_name} — {_target_name(targets[c.target_id])}: {cell_text(c.old) or '—'} → {cell_text(c.new) or '—'}"
        for c in shown
    ]
    if len(changes) > CHANGES_SAID:
        said.append(_("and %(count)d more") % {"count": len(changes) - CHANGES_SAID})
    return "; ".join(said)


@require_http_methods(["GET", "POST"])
@role_required(access.HR)
def plans(request):
    return _grid_page(request, GRIDS[ImportLog.Kind.PLANS])


@require_http_methods(["GET", "POST"])
@role_required(access.HR)
def actuals(request):
    return _grid_page(request, GRIDS[ImportLog.Kind.MEASURES])


@require_POST
@role_required(access.HR)
def plans_copy(request):
    """The previous month's plans into this month, never over a plan already set."""
    grid = GRIDS[ImportLog.Kind.PLANS]
    period = _month(request, request.POST.get("period"), required=True)
    if isinstance(period, HttpResponse):
        return period
    try:
        copied = plans_copy_from_previous(company=_company(request), period=period, copied_by=request.user)
    except PeriodClosedError as error:
        messages.error(request, error.message)
        return _back(grid, period)
    messages.success(
        request,
        _("%(copied)d plans copied from %(previous)s; %(kept)d already set were kept.")
        % {"copied": copied.copied, "previous": period.previous, "kept": copied.kept},
    )
    return _back(grid, period)


def _grid_import(request, grid: Grid):
    period = _month(request, request.POST.get("period"), required=True)
    if isinstance(period, HttpResponse):
        return period
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to import."))
        return _back(grid, period)
    service = imports.plans_import if grid.kind == ImportLog.Kind.PLANS else imports.measures_import
    result = service(
        company=_company(request),
        file_name=upload.name,
        content=upload.read(imports.MAX_BYTES + 1),  # one byte over is enough to refuse it
        uploaded_by=request.user,
    )
    if result.applied:
        messages.success(
            request,
            _("%(file)s: %(rows)d rows — %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
            % {
                "file": upload.name,
                "rows": result.rows_total,
                "created": result.rows_created,
                "updated": result.rows_updated,
                "unchanged": result.rows_unchanged,
            },
        )
        return _back(grid, period)
    context = _grid_context(request, grid, period, result=result)
    context["import_errors"] = result.errors[: imports.MAX_LOGGED_ERRORS]
    return render(request, "portal/hr/plans.html", context, status=400)


@require_POST
@role_required(access.HR)
def plans_import(request):
    return _grid_import(request, GRIDS[ImportLog.Kind.PLANS])


@require_POST
@role_required(access.HR)
def actuals_import(request):
    return _grid_import(request, GRIDS[ImportLog.Kind.MEASURES])


def _template(kind: str, file_format: str) -> HttpResponse:
    if file_format not in ("xlsx", "csv"):
        raise Http404("no such template")
    content, content_type, name = imports.import_template(kind=kind, file_format=file_format, language=get_language())
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@role_required(access.HR)
def plans_template(request, file_format: str):
    return _template(ImportLog.Kind.PLANS, file_format)


@require_GET
@role_required(access.HR)
def actuals_template(request, file_format: str):
    return _template(ImportLog.Kind.MEASURES, file_format)
