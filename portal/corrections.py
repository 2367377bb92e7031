"""HR's pages for corrections of closed months: the list (with the form that records one),
a correction's page (its changes, each affected employee's approved payout, corrected
payout, delta and changed trace lines) and its actions — calculate, approve, cancel, add
a change. Thin views: `payroll.services.corrections` decides; its refusals are shown."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from compensation.models import BonusScheme
from core.errors import DomainError
from core.numbers import NumberError
from engine import Period
from kpis.models import Kpi, Measure
from organizations import access
from organizations.models import Employee
from payroll.models import CORRECTION_EDITABLE, FROZEN, Correction, CorrectionChange, PayrollRun
from payroll.services import corrections as services
from payroll.services import four_eyes_blocks
from portal.formatting import parse_number
from portal.views import _company, role_required

KINDS = [
    (CorrectionChange.Kind.MEASURE, "Measure value"),
    (CorrectionChange.Kind.PLAN, "Plan"),
    (CorrectionChange.Kind.SALARY, "Monthly salary from a date"),
    (CorrectionChange.Kind.SCHEME, "Bonus scheme"),
]


def _own(model, company):
    """The company's own rows and the shared catalogue's (measures, KPIs)."""
    return model.objects.filter(Q(company=company) | Q(company__isnull=True)).order_by("name")


def _closed_periods(company) -> list[str]:
    return list(
        PayrollRun.objects.filter(company=company, status__in=FROZEN).order_by("-period").values_list("period", flat=True)
    )


def _choices(company) -> dict:
    return {
        "closed_periods": _closed_periods(company),
        "employees": Employee.objects.filter(company=company).order_by("personnel_number"),
        "kinds": KINDS,
        "measures": _own(Measure, company),
        "kpis": _own(Kpi, company),
        "schemes": BonusScheme.objects.filter(company=company).order_by("name"),
    }


def _correction(request, pk: int) -> Correction:
    """A correction of the user's company; others' do not exist for them."""
    found = Correction.objects.filter(company=_company(request)).select_related(
        "company", "created_by", "calculated_by", "approved_by", "cancelled_by"
    )
    return get_object_or_404(found, pk=pk)


def _change_from(post, company) -> services.ChangeSpec:
    """The change a form describes; a ValidationError names what is missing or wrong."""
    errors: dict[str, list[str]] = {}

    def pick(name: str, queryset):
        value = post.get(name, "").strip()
        if not value:
            return None
        found = queryset.filter(pk=value).first() if value.isdigit() else None
        if found is None:
            errors[name] = [_("choose one from the list")]
        return found

    employee = pick("employee", Employee.objects.filter(company=company))
    kind = post.get("kind", "")
    value = None
    text = post.get("value", "").strip()
    if text:
        try:
            value = parse_number(text)
        except (NumberError, ValueError) as error:
            errors["value"] = [str(error)]
    effective = None
    if post.get("effective_from"):
        try:
            effective = date.fromisoformat(post["effective_from"])
        except ValueError:
            errors["effective_from"] = [_("write the date as YYYY-MM-DD")]
    if employee is None and "employee" not in errors:
        errors["employee"] = [_("choose the employee")]
    spec = services.ChangeSpec(
        employee=employee,  # refused below when missing
        kind=kind,
        value=value,
        measure=pick("measure", _own(Measure, company)) if kind == CorrectionChange.Kind.MEASURE else None,
        kpi=pick("kpi", _own(Kpi, company)) if kind == CorrectionChange.Kind.PLAN else None,
        scheme=pick("scheme", BonusScheme.objects.filter(company=company)) if kind == CorrectionChange.Kind.SCHEME else None,
        effective_from=effective,
    )
    if errors:
        raise ValidationError(errors)
    return spec


def _say(request, error: Exception) -> None:
    if isinstance(error, ValidationError):
        for field, problems in error.message_dict.items():
            messages.error(request, f"{field.replace('_', ' ')}: {'; '.join(problems)}")
    else:
        messages.error(request, str(getattr(error, "message", error)))


@require_GET
@role_required(access.HR)
def corrections(request):
    company = _company(request)
    listed = Correction.objects.filter(company=company).select_related("created_by", "approved_by")
    period = request.GET.get("period", "")
    if period:
        listed = listed.filter(period=period)
    return render(
        request,
        "portal/hr/corrections/list.html",
        {"company": company, "corrections": listed[:100], "period": period, **_choices(company)},
    )


@require_POST
@role_required(access.HR)
def correction_create(request):
    company = _company(request)
    try:
        correction = services.correction_create(
            company=company,
            period=request.POST.get("period", ""),
            reason=request.POST.get("reason", ""),
            changes=[_change_from(request.POST, company)],
            created_by=request.user,
        )
    except (ValidationError, DomainError, ValueError) as error:
        _say(request, error)
        return redirect(reverse("portal:corrections"))
    messages.success(request, _("The correction is recorded; calculate it to see what it changes."))
    return redirect("portal:correction", pk=correction.pk)


@require_GET
@role_required(access.HR)
def correction_detail(request, pk: int):
    correction = _correction(request, pk)
    next_open = ""
    if correction.status != "approved":
        next_open = str(services.next_open_period(company=correction.company, after=Period.parse(correction.period)))
    results = list(correction.results.select_related("employee").order_by("employee__personnel_number"))
    return render(
        request,
        "portal/hr/corrections/detail.html",
        {
            "correction": correction,
            "changes": correction.changes.select_related("employee", "measure", "kpi", "scheme").order_by("id"),
            "results": results,
            "editable": correction.status in CORRECTION_EDITABLE,
            "four_eyes_blocks": four_eyes_blocks(run=correction, user=request.user),
            "next_open": next_open,
            **_choices(correction.company),
        },
    )


ACTIONS = {
    "calculate": (
        lambda correction, user: services.correction_calculate(correction=correction, requested_by=user),
        "The correction is being calculated.",
    ),
    "approve": (
        lambda correction, user: services.correction_approve(correction=correction, approved_by=user),
        "The correction is approved; its deltas are posted to %(posted)s.",
    ),
    "cancel": (lambda correction, user: services.correction_cancel(correction=correction, by=user), "The correction is cancelled."),
}


@require_POST
@role_required(access.HR)
def correction_action(request, pk: int, action: str):
    correction = _correction(request, pk)
    if action == "add-change":
        try:
            services.correction_change_add(correction=correction, change=_change_from(request.POST, correction.company))
        except (ValidationError, DomainError) as error:
            _say(request, error)
        else:
            messages.success(request, _("The change is added; calculate the correction again."))
        return redirect("portal:correction", pk=pk)
    if action not in ACTIONS:
        return redirect("portal:correction", pk=pk)
    call, done = ACTIONS[action]
    try:
        correction = call(correction, request.user)
    except DomainError as error:
        _say(request, error)
    else:
        messages.success(request, _(done) % {"posted": correction.posted_to})
    return redirect("portal:correction", pk=pk)
