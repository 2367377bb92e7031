"""HR's KPIs and measures page (issue 14: what HR did in the admin's Measure and KPI lists):
the shared catalogue (read-only) and the company's own measures and KPIs, created, edited
and deleted through `kpis.services` (the model's and the engine's rules, `core.deletion`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core import deletion
from engine.formula import FUNCTIONS
from kpis.models import Kpi, Measure
from kpis.selectors import catalogue_and_own
from kpis.services import kpi_delete, kpi_save, measure_delete, measure_save
from organizations import access
from organizations.models import Company
from portal.history import history_context
from portal.labels import catalogue_name
from portal.views import _company, role_required

DIRECTIONS: dict[str, Any] = {
    Kpi.Direction.HIGHER_IS_BETTER: gettext_lazy("Higher is better"),
    Kpi.Direction.LOWER_IS_BETTER: gettext_lazy("Lower is better"),
}
UNITS: dict[str, Any] = {
    "count": pgettext_lazy("unit", "Count"),
    "money": pgettext_lazy("unit", "Money"),
    "percent": pgettext_lazy("unit", "Percent"),
    "ratio": pgettext_lazy("unit", "Ratio"),
}
AGGREGATIONS: dict[str, Any] = {
    Measure.Aggregation.SUM: gettext_lazy("Sum (adds up over the month)"),
    Measure.Aggregation.LAST: gettext_lazy("Last (the level at the month's end)"),
}
_TERM = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[-+*/]")
_OPS = {"*": "×", "/": "÷", "-": "−", "+": "+"}


def _measures(company: Company) -> dict[str, Measure]:
    """The measures the company's formulas may read, by code (its own win over the catalogue's)."""
    return {measure.code: measure for measure in catalogue_and_own(Measure, company=company)}


def formula_with_names(formula: str, measures: dict[str, Measure]) -> str:
    """The formula with each measure code replaced by the measure's name."""

    def term(match: re.Match) -> str:
        text = match.group()
        if text in _OPS:
            return f" {_OPS[text]} "
        measure = measures.get(text)
        return catalogue_name(measure.name) if measure is not None and text not in FUNCTIONS else text

    return re.sub(r"\s+", " ", _TERM.sub(term, formula)).strip()


def _kpi_row(kpi: Kpi, measures: dict[str, Measure]) -> dict:
    if kpi.measure is not None:
        definition = catalogue_name(kpi.measure.name)
    else:
        definition = formula_with_names(kpi.formula, measures)
    return {
        "kpi": kpi,
        "name": catalogue_name(kpi.name),
        "direction": DIRECTIONS.get(kpi.direction, kpi.direction),
        "lower_is_better": kpi.direction == Kpi.Direction.LOWER_IS_BETTER,
        "unit": UNITS.get(kpi.unit, kpi.unit),
        "definition": definition,
        "formula": "" if kpi.measure is not None else kpi.formula,
    }


def _measure_row(measure: Measure) -> dict:
    return {
        "measure": measure,
        "name": catalogue_name(measure.name),
        "aggregation": AGGREGATIONS.get(measure.aggregation, measure.aggregation),
        "unit": UNITS.get(measure.unit, measure.unit),
    }


def _by_name(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda row: row["name"].casefold())


@require_http_methods(["GET"])
@role_required(access.HR)
def kpis(request):
    """The company's own measures and KPIs (to change) and the shared catalogue (to read)."""
    company = _company(request)
    measures = _measures(company)
    all_kpis = list(Kpi.objects.filter(company__isnull=True).select_related("measure")) + list(
        Kpi.objects.filter(company=company).select_related("measure")
    )
    all_measures = Measure.objects.filter(company__isnull=True) | Measure.objects.filter(company=company)
    return render(
        request,
        "portal/hr/kpis.html",
        {
            "company": company,
            "own_kpis": _by_name([_kpi_row(kpi, measures) for kpi in all_kpis if kpi.company_id == company.pk]),
            "own_measures": _by_name([_measure_row(m) for m in all_measures if m.company_id == company.pk]),
            "catalogue_kpis": _by_name([_kpi_row(kpi, measures) for kpi in all_kpis if kpi.company_id is None]),
            "catalogue_measures": _by_name([_measure_row(m) for m in all_measures if m.company_id is None]),
        },
    )


# --- one measure or KPI on one page ------------------------------------------------------


@dataclass
class DefinitionForm:
    """The form as typed; `errors` by field ("__all__" for the rest)."""

    values: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    def note(self, error: ValidationError, fields: tuple[str, ...]) -> None:
        for key, problems in error.message_dict.items():
            for problem in problems:
                if key in fields and problem not in self.errors.get(key, []):
                    self.add(key, problem)
                elif key not in fields:
                    self.add("__all__", problem)


MEASURE_FIELDS = ("code", "name", "aggregation", "unit")
KPI_FIELDS = ("code", "name", "direction", "unit", "measure", "formula")


def _typed(post: QueryDict, fields: tuple[str, ...]) -> dict[str, str]:
    return {name: post.get(name, "").strip() for name in fields}


def _code_taken(model, company: Company, code: str, pk: int | None) -> bool:
    return model.objects.filter(company=company, code=code).exclude(pk=pk).exists()


def _in_use(obj) -> list[str]:
    return deletion.reasons(obj) if obj.pk else []


def _render_measure(request, measure: Measure, form: DefinitionForm, *, status: int = 200):
    return render(
        request,
        "portal/hr/measure.html",
        {
            "company": measure.company,
            "measure": measure,
            "title": catalogue_name(measure.name) if measure.pk else _("New measure"),
            "form": form,
            "aggregations": list(AGGREGATIONS.items()),
            "units": list(UNITS.items()),
            "in_use": _in_use(measure),
        },
        status=status,
    )


def _edit_measure(request, measure: Measure, company: Company):
    if request.method == "GET":
        values = {"code": measure.code, "name": measure.name, "aggregation": measure.aggregation, "unit": measure.unit}
        return _render_measure(request, measure, DefinitionForm(values))
    form = DefinitionForm(_typed(request.POST, MEASURE_FIELDS))
    measure.code, measure.name = form.values["code"], form.values["name"]
    measure.aggregation, measure.unit = form.values["aggregation"], form.values["unit"]
    if form.values["code"] and _code_taken(Measure, company, measure.code, measure.pk):
        form.add("code", _("the company already has a measure with this code"))
    if not form.errors:
        try:
            measure_save(measure=measure)
        except ValidationError as error:
            form.note(error, MEASURE_FIELDS)
        else:
            messages.success(
                request, _("The measure “%(name)s” (%(code)s) is saved.") % {"name": measure.name, "code": measure.code}
            )
            return redirect(reverse("portal:kpis") + "#own-measures")
    return _render_measure(request, measure, form, status=400)


def _render_kpi(request, kpi: Kpi, company: Company, form: DefinitionForm, *, status: int = 200):
    measures = _measures(company)
    choices = sorted(measures.values(), key=lambda m: catalogue_name(m.name).casefold())
    return render(
        request,
        "portal/hr/kpi.html",
        {
            "company": company,
            "kpi": kpi,
            "title": catalogue_name(kpi.name) if kpi.pk else _("New KPI"),
            "form": form,
            "directions": list(DIRECTIONS.items()),
            "units": list(UNITS.items()),
            "measures": [{"pk": str(m.pk), "code": m.code, "name": catalogue_name(m.name)} for m in choices],
            "functions": sorted(FUNCTIONS),
            "formula_names": formula_with_names(form.values.get("formula", ""), measures),
            "in_use": _in_use(kpi),
            **(history_context([Kpi.history.filter(id=kpi.pk)], currency=company.currency) if kpi.pk else {}),
        },
        status=status,
    )


def _edit_kpi(request, kpi: Kpi, company: Company):
    if request.method == "GET":
        values = {
            "code": kpi.code, "name": kpi.name, "direction": kpi.direction, "unit": kpi.unit,
            "measure": str(kpi.measure_id or ""), "formula": kpi.formula,
        }  # fmt: skip
        return _render_kpi(request, kpi, company, DefinitionForm(values))
    form = DefinitionForm(_typed(request.POST, KPI_FIELDS))
    values = form.values
    kpi.code, kpi.name, kpi.direction, kpi.unit = values["code"], values["name"], values["direction"], values["unit"]
    kpi.formula = values["formula"]
    kpi.measure = None
    if values["measure"]:
        chosen = {str(m.pk): m for m in _measures(company).values()}.get(values["measure"])
        if chosen is None:
            form.add("measure", _("choose a measure from the list"))
        kpi.measure = chosen
    if values["code"] and _code_taken(Kpi, company, kpi.code, kpi.pk):
        form.add("code", _("the company already has a KPI with this code"))
    if not form.errors:
        try:
            kpi_save(kpi=kpi)
        except ValidationError as error:
            form.note(error, KPI_FIELDS)
        else:
            messages.success(request, _("The KPI “%(name)s” (%(code)s) is saved.") % {"name": kpi.name, "code": kpi.code})
            return redirect(reverse("portal:kpis") + "#own-kpis")
    return _render_kpi(request, kpi, company, form, status=400)


@require_http_methods(["GET", "POST"])
@role_required(access.HR)
def measure_create(request):
    company = _company(request)
    return _edit_measure(request, Measure(company=company), company)


@require_http_methods(["GET", "POST"])
@role_required(access.HR)
def measure_edit(request, pk: int):
    """One of the company's own measures (the catalogue's are not changed here: 404)."""
    company = _company(request)
    return _edit_measure(request, get_object_or_404(Measure, pk=pk, company=company), company)


@require_http_methods(["GET", "POST"])
@role_required(access.HR)
def kpi_create(request):
    company = _company(request)
    return _edit_kpi(request, Kpi(company=company), company)


@require_http_methods(["GET", "POST"])
@role_required(access.HR)
def kpi_edit(request, pk: int):
    """One of the company's own KPIs (the catalogue's are not changed here: 404)."""
    company = _company(request)
    return _edit_kpi(request, get_object_or_404(Kpi.objects.select_related("measure"), pk=pk, company=company), company)


def _delete(request, obj, remove, anchor: str):
    name = catalogue_name(obj.name)
    try:
        remove(obj)
    except ProtectedError as error:
        why = deletion.reasons(obj) or [str(error.args[0])]
        messages.error(request, _("“%(name)s” is not deleted: %(reasons)s.") % {"name": name, "reasons": "; ".join(why)})
    else:
        messages.success(request, _("“%(name)s” is deleted.") % {"name": name})
    return redirect(reverse("portal:kpis") + anchor)


@require_POST
@role_required(access.HR)
def kpi_remove(request, pk: int):
    kpi = get_object_or_404(Kpi, pk=pk, company=_company(request))
    return _delete(request, kpi, lambda obj: kpi_delete(kpi=obj), "#own-kpis")


@require_POST
@role_required(access.HR)
def measure_remove(request, pk: int):
    measure = get_object_or_404(Measure, pk=pk, company=_company(request))
    return _delete(request, measure, lambda obj: measure_delete(measure=obj), "#own-measures")
