"""HR's KPI matrix (issue 14, item 1): people × KPIs for a month, each cell the fulfillment
coloured by the band its factor's table put it in, each row with its coefficients, bonus and
total; sortable by any column (`?sort=`) and exported to Excel. The figures are
`payroll.matrix.kpi_matrix`'s; this module only arranges them for the page."""

from __future__ import annotations

import io

from django.http import FileResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.formats import XLSX_CONTENT_TYPE
from engine.projection import run_rate
from organizations import access
from payroll.matrix import KpiMatrix, kpi_matrix
from portal.errors import bad_request
from portal.formatting import format_coefficient, format_money, format_percent
from portal.labels import catalogue_name
from portal.matrix_export import band_legend, band_words, write_kpi_matrix
from portal.views import _company, _period, role_required


def _columns(matrix: KpiMatrix, period: str) -> list[dict]:
    """The headers, each with its sort key and the link that sorts by it (again: reversed)."""
    columns = [
        {"key": "number", "label": _("Personnel number"), "kind": "text"},
        {"key": "name", "label": _("Employee"), "kind": "text"},
        *(
            {"key": f"kpi:{code}", "label": catalogue_name(name), "hint": code, "kind": "kpi"}
            for code, name in matrix.kpis
        ),
        *(
            {"key": f"k{index}", "label": f"k{index}", "hint": matrix.factor_names[index - 1], "kind": "factor"}
            for index in range(1, matrix.factor_count + 1)
        ),
        {"key": "bonus", "label": _("Bonus"), "kind": "money"},
        {"key": "total", "label": _("Total"), "kind": "money"},
    ]
    current = matrix.sort.removeprefix("-")
    descending = matrix.sort.startswith("-")
    for column in columns:
        active = column["key"] == current
        # Numbers first sort from the highest; names and numbers of people from A.
        first = column["key"] if column["kind"] == "text" else f"-{column['key']}"
        target = (column["key"] if descending else f"-{column['key']}") if active else first
        column["url"] = "?" + urlencode({"period": period, "sort": target})
        column["aria_sort"] = ("descending" if descending else "ascending") if active else "none"
    return columns


def _rows(matrix: KpiMatrix) -> list[dict]:
    """Each row's cells with their words and figures written out here, once, for the active
    language (a few hundred rows render in a template loop without filters or tags)."""
    currency = matrix.currency
    words = {"no_plan": _("no plan"), "undefined": _("not calculated"), "unresolved": _("input not found")}
    rows = []
    for row in matrix.rows:
        cells = []
        for code, _name in matrix.kpis:
            cell = row.kpis.get(code)
            if cell is None:
                cells.append({"code": code, "absent": True})
                continue
            band = cell.factor.band if cell.factor else None
            if cell.factor is not None and band is not None:
                note = f"{band_words(band)} · {cell.factor.name}"
            elif cell.in_set:
                note = _("in %(factor)s, weight %(weight)s") % {
                    "factor": cell.in_set,
                    "weight": format_coefficient(cell.weight),
                }
            else:
                note = ""
            cells.append(
                {
                    "code": code,
                    "absent": False,
                    "pct": format_percent(cell.fulfillment),
                    "rank": band.rank if band else None,
                    "in_set": bool(cell.in_set),
                    "note": note,
                    "warn": words["no_plan"] if cell.no_plan else words["undefined"] if cell.undefined else "",
                }
            )
        factors: list[dict | None] = []
        for factor in row.factors:
            note = f"{factor.name}: {format_percent(factor.percentage)}"
            factors.append(
                {
                    "k": f"×{format_coefficient(factor.coefficient)}",
                    "rank": factor.band.rank if factor.band else None,
                    "note": f"{note} · {band_words(factor.band)}" if factor.band else note,
                    "warn": words["unresolved"] if factor.unresolved else "",
                }
            )
        factors.extend([None] * (matrix.factor_count - len(factors)))
        rows.append(
            {
                "row": row,
                "cells": cells,
                "factors": factors,
                "warnings": ngettext("%(warnings)s warning", "%(warnings)s warnings", row.warnings)
                % {"warnings": row.warnings}
                if row.warnings
                else "",
                "bonus": format_money(row.bonus, currency),
                "total": format_money(row.total, currency),
            }
        )
    return rows


@require_GET
@role_required(access.HR)
def kpi_matrix_page(request):
    """The matrix of the month in `?period=` (this month by default), sorted by `?sort=`."""
    try:
        period = _period(request.GET.get("period"))
    except ValueError:
        return bad_request(request, _("Write the month as YYYY-MM, for example 2026-11."))
    today = timezone.localdate()
    matrix = kpi_matrix(company=_company(request), period=period, today=today, sort=request.GET.get("sort", ""))
    rate = run_rate(period, today)
    context = {
        "run_rate": rate,
        "in_progress": not matrix.closed and rate != 1,
        "days_elapsed": today.day,
        "days": period.days,
        "matrix": matrix,
        "period": str(period),
        "previous_period": str(period.previous),
        "next_period": str(period.next),
        "columns": _columns(matrix, str(period)),
        "rows": _rows(matrix),
        "legend": band_legend(),
        "export_url": "?" + urlencode({"period": str(period), "sort": matrix.sort}),
        # Written once, not per row: the links' stems and the words of an empty cell.
        "statement_url": reverse("portal:payout_statement", args=[0]).removesuffix("0/statement/"),
        "person_url": reverse("portal:person", args=[0]).removesuffix("0/"),
        "absent_kpi": _("not this person's KPI"),
        "absent_factor": _("no such coefficient in this person's scheme"),
    }
    return render(request, "portal/hr/matrix.html", context)


@require_GET
@never_cache  # pay figures: no browser or proxy cache keeps them
@role_required(access.HR)
def kpi_matrix_export(request):
    """The matrix as the page shows it (same month, same order) in an .xlsx file."""
    try:
        period = _period(request.GET.get("period"))
    except ValueError:
        return bad_request(request, _("Write the month as YYYY-MM, for example 2026-11."))
    company = _company(request)
    matrix = kpi_matrix(company=company, period=period, today=timezone.localdate(), sort=request.GET.get("sort", ""))
    target = io.BytesIO()
    write_kpi_matrix(target, matrix)
    target.seek(0)
    name = f"kpi-matrix_{company.slug}_{period}.xlsx"
    return FileResponse(target, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)
