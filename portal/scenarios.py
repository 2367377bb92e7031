"""HR's test of a scheme on a person and scenarios over past months (issue 14, item 1): the
full statement a scheme would produce for one employee and month, and what a draft change
would have paid against what was paid. Computed by the payroll's domain (`payroll.outlook.
payout_with_scheme`, `payroll.scenarios`), stored nowhere unless a scenario is saved."""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from compensation.models import BandPoint, BandTable, BonusScheme
from compensation.selectors import assigned_schemes
from engine import Period
from kpis.models import KpiSet, KpiSetItem
from organizations import access
from organizations.models import Employee
from payroll.models import Payout, PayrollRun, RunStatus, Scenario
from payroll.outlook import payout_preview, payout_with_scheme
from payroll.scenarios import (
    ScenarioResult,
    band_rows_text,
    kpi_set_items,
    scenario_compute,
    scenario_parameters,
    scenario_parameters_from_json,
)
from payroll.services.scenarios import scenario_save
from portal import selectors
from portal.formatting import format_coefficient
from portal.labels import catalogue_name
from portal.scenario_chart import scenario_chart
from portal.views import _company, role_required

# The domain's refusals (payroll.scenarios.MESSAGES, payroll.services.scenarios), translated
# by this app's catalogue: marked here so `makemessages`, run in portal/, keeps them.
DOMAIN_MESSAGES = [
    gettext_noop("Choose from 1 to 12 months."),
    gettext_noop("Not one of the company's bonus schemes."),
    gettext_noop("Not one of the company's band tables."),
    gettext_noop("Choose the band table these rows replace."),
    gettext_noop("Type the table's rows, one “lower bound;coefficient” a line."),
    gettext_noop("row %(row)s: write “lower bound;coefficient”, for example 80;0,5"),
    gettext_noop("row %(row)s: %(value)s is not a number"),
    gettext_noop("Not one of the company's KPI sets."),
    gettext_noop("Type the set's weights."),
    gettext_noop("The company has no approved payroll run yet: nothing was paid to compare with."),
    gettext_noop("Give the scenario a name."),
    gettext_noop("The company already has a scenario named %(name)s."),
]
FIELDS = ("months", "scope", "scheme", "band_table", "band_rows", "kpi_set")
DEFAULT_MONTHS = "6"
_WEIGHT_FIELD = re.compile(r"^weight-(\d+)-(\d+)$")  # weight-<KPI set id>-<KPI id>
_WEIGHT_ERROR = re.compile(r"^kpi_weights\[(\d+)\]\.weight$")


def weight_field(kpi_set_id, kpi_id) -> str:
    return f"weight-{kpi_set_id}-{kpi_id}"


def _typed(source) -> dict[str, str]:
    """The form's fields as typed, with the weights typed for the KPI set chosen."""
    typed = {name: source.get(name, "") for name in FIELDS}
    for key in source:
        match = _WEIGHT_FIELD.match(key)
        if match and match[1] == typed["kpi_set"].strip():
            typed[key] = source.get(key, "")
    return typed


def _weights_typed(typed: dict) -> dict[str, str]:
    """The chosen set's typed weights by KPI id, as `scenario_parameters` reads them."""
    chosen = str(typed.get("kpi_set", "")).strip()
    return {
        match[2]: value for key, value in typed.items() if (match := _WEIGHT_FIELD.match(key)) and match[1] == chosen
    }


def _errors(error: ValidationError) -> dict[str, list[str]]:
    return {name: [str(message) for message in problems] for name, problems in error.message_dict.items()}


# ---------------------------------------------------------------------------------------
# Test a scheme on a person


def _trial_statement(*, employee: Employee, period: Period, scheme: BonusScheme) -> dict:
    """The statement page's context for the payout `scheme` would produce, from an unsaved
    payout (the statement reads amounts and trace only): nothing is written."""
    result = payout_with_scheme(employee=employee, period=period, scheme=scheme)
    run = PayrollRun(company=employee.company, period=str(period), status=RunStatus.CALCULATED)
    payout = Payout(
        run=run,
        employee=employee,
        fixed=result.fixed,
        bonus=result.bonus,
        adjustments=result.adjustments,
        total=result.total,
        coefficients=[str(k) for k in result.coefficients],
        score=result.score,
        warnings=list(result.warnings),
        trace=result.trace,
    )
    return selectors.payout_statement(payout)


@never_cache  # pay figures of a person: no browser or proxy cache keeps them
@role_required(access.HR)  # before the method: a POST from anyone else is refused as a GET is
@require_GET
def test_scheme(request):
    """Pick an employee of the company, a month and one of the company's schemes (default:
    the employee's own in that month); see the statement it would produce."""
    company = _company(request)
    query = request.GET
    errors: dict[str, list[str]] = {}
    context: dict = {
        "employees": Employee.objects.filter(company=company).order_by("personnel_number"),
        "schemes": BonusScheme.objects.filter(company=company).order_by("name"),
        "typed": {"employee": query.get("employee", ""), "period": query.get("period", ""), "scheme": query.get("scheme", "")},
        "company": company,
    }
    if not query.get("employee"):
        context["typed"]["period"] = context["typed"]["period"] or str(Period.of(timezone.localdate()))
        return render(request, "portal/hr/test_scheme.html", {**context, "errors": errors})
    employee = get_object_or_404(Employee, company=company, pk=_pk(query.get("employee")))
    scheme = get_object_or_404(BonusScheme, company=company, pk=_pk(query["scheme"])) if query.get("scheme") else None
    try:
        period = Period.parse(query.get("period", "").strip())
    except ValueError:
        errors["period"] = [_("Write the month as YYYY-MM, for example 2026-11.")]
        return render(request, "portal/hr/test_scheme.html", {**context, "errors": errors}, status=400)
    own_id = assigned_schemes(employee_ids=[employee.pk], period=period).get(employee.pk)
    own = BonusScheme.objects.filter(pk=own_id).first() if own_id else None
    if scheme is None and own is None:
        errors["scheme"] = [_("%(name)s has no bonus scheme in %(month)s: choose one to test.") % {
            "name": employee.full_name, "month": str(period)}]  # fmt: skip
        return render(request, "portal/hr/test_scheme.html", {**context, "errors": errors}, status=400)
    scheme = scheme or own
    assert scheme is not None
    statement = _trial_statement(employee=employee, period=period, scheme=scheme)
    own_total = payout_preview(employee=employee, period=period).total if own != scheme else None
    context.update(
        statement,
        trial=True,
        tested_scheme=scheme,
        own_scheme=own,
        own_total=own_total,
        own_difference=None if own_total is None else statement["total"] - own_total,
        tested_employee=employee,
    )
    return render(request, "portal/hr/test_scheme.html", {**context, "errors": errors})


def _pk(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0  # no row has it: 404


# ---------------------------------------------------------------------------------------
# Scenarios


def _form_context(company, typed: dict, errors: dict) -> dict:
    tables = list(BandTable.objects.filter(company=company).order_by("name"))
    points: dict[int, list[tuple]] = {table.pk: [] for table in tables}
    for table_id, lower, coefficient in (
        BandPoint.objects.filter(table__in=tables).order_by("table_id", "lower_bound_pct")
        .values_list("table_id", "lower_bound_pct", "coefficient")
    ):  # fmt: skip
        points[table_id].append((f"{lower.normalize():f}", f"{coefficient.normalize():f}"))
    return {
        "company": company,
        "schemes": BonusScheme.objects.filter(company=company).order_by("name"),
        "band_tables": [{"table": table, "rows": band_rows_text(points[table.pk])} for table in tables],
        "kpi_sets": _kpi_sets_context(company, typed, errors),
        "saved": Scenario.objects.filter(company=company).select_related("created_by").order_by("-created_at"),
        "typed": typed,
        "errors": errors,
    }


def _kpi_sets_context(company, typed: dict, errors: dict) -> list[dict]:
    """The company's KPI sets, each with a row a KPI (its name, the weight now, the weight
    typed or else the one now, the row's errors when it is the set chosen)."""
    sets = KpiSet.objects.filter(company=company).order_by("stage", "name").prefetch_related(
        Prefetch("items", queryset=KpiSetItem.objects.select_related("kpi").order_by("id"))
    )
    chosen = str(typed.get("kpi_set", "")).strip()
    row_errors: dict[int, list[str]] = {}
    for key, problems in errors.items():
        if match := _WEIGHT_ERROR.match(key):
            row_errors[int(match[1])] = problems
    listed = []
    for kpi_set in sets:
        is_chosen = chosen == str(kpi_set.pk)
        rows = []
        for number, item in enumerate(kpi_set.items.all()):
            name = weight_field(kpi_set.pk, item.kpi_id)
            current = format_coefficient(item.weight)
            rows.append({
                "field": name,
                "kpi_name": catalogue_name(item.kpi.name),
                "kpi_code": item.kpi.code,
                "current": current,
                "value": typed[name] if is_chosen and name in typed else current,
                "errors": row_errors.get(number, []) if is_chosen else [],
            })  # fmt: skip
        listed.append({"set": kpi_set, "rows": rows, "chosen": is_chosen})
    return listed


def _result_context(result: ScenarioResult) -> dict:
    parameters = result.parameters
    understood_weights = []
    if parameters.kpi_set is not None:
        names = {item.kpi_id: catalogue_name(item.kpi.name) for item in kpi_set_items(parameters.kpi_set)}
        understood_weights = [(names.get(kpi_id, ""), weight) for kpi_id, weight in parameters.kpi_weights]
    return {
        "result": result,
        "chart": scenario_chart([(month.period, month.paid, month.scenario) for month in result.months]),
        "understood_rows": parameters.band_points,
        "understood_weights": understood_weights,
    }


def _compute(company, typed: dict):
    """The checked parameters' scenario, or the errors by field."""
    try:
        parameters = scenario_parameters(
            company=company, kpi_weights=_weights_typed(typed), **{name: typed.get(name, "") for name in FIELDS}
        )
        return scenario_compute(company=company, parameters=parameters), {}
    except ValidationError as error:
        return None, _errors(error)


@never_cache  # pay figures of people
@role_required(access.HR)
@require_http_methods(["GET", "POST"])
def scenarios(request):
    """GET: the form, the saved scenarios and, once asked (`run`) or a saved one opened
    (`open`), the scenario computed now; POST: compute and save it under a name."""
    company = _company(request)
    if request.method == "POST":
        typed = {**_typed(request.POST), "name": request.POST.get("name", "")}
        result, errors = _compute(company, typed)
        if result is not None:
            try:
                saved = scenario_save(company=company, name=typed["name"], created_by=request.user, result=result)
            except ValidationError as error:
                errors = _errors(error)
            else:
                messages.success(request, _("Scenario “%(name)s” saved.") % {"name": saved.name})
                return redirect(f"{reverse('portal:scenarios')}?open={saved.pk}")
        context = _form_context(company, typed, errors)
        if result is not None:
            context.update(_result_context(result))
        return render(request, "portal/hr/scenarios.html", context, status=400)
    opened = None
    if request.GET.get("open"):
        opened = get_object_or_404(Scenario, company=company, pk=_pk(request.GET["open"]))
        data = opened.parameters
        typed = {
            "months": str(data.get("months", "")),
            "scope": str(data.get("scope") or ""),
            "scheme": str(data.get("scheme") or ""),
            "band_table": str(data.get("band_table") or ""),
            "band_rows": band_rows_text(data.get("band_rows") or []),
            "kpi_set": str(data.get("kpi_set") or ""),
            **{weight_field(data.get("kpi_set"), kpi_id): str(weight) for kpi_id, weight in data.get("kpi_weights") or []},
            "name": opened.name,
        }
        try:
            result = scenario_compute(
                company=company, parameters=scenario_parameters_from_json(company=company, data=data)
            )
            errors: dict = {}
        except ValidationError as error:
            result, errors = None, _errors(error)
    elif request.GET.get("run"):
        typed = _typed(request.GET)
        result, errors = _compute(company, typed)
    else:
        typed, result, errors = {"months": DEFAULT_MONTHS}, None, {}
    context = _form_context(company, typed, errors)
    context["opened"] = opened
    if result is not None:
        context.update(_result_context(result))
    return render(request, "portal/hr/scenarios.html", context, status=400 if errors else 200)
