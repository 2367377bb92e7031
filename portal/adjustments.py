"""HR's adjustments page (issue 14: the admin's Adjustment list): a month's one-off additions
and deductions per person, one added or removed through `payroll.services`
(`adjustment_create`, `adjustment_delete`); an approved month is read-only (its correction
is the way to change it)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core import numbers, periods
from core.domain import field_decimal
from core.errors import DomainError
from core.periods import PeriodClosedError
from engine import Period
from organizations import access
from organizations.models import Company, Employee
from organizations.selectors import employees_in_period
from payroll.models import Adjustment
from payroll.services import adjustment_create, adjustment_delete
from portal.errors import bad_request
from portal.formatting import format_money
from portal.views import _company, _period, role_required

AMOUNT = Adjustment._meta.get_field("amount")
REASON = Adjustment._meta.get_field("reason")


def _closed_message(company: Company, period: Period) -> str:
    """Why the month takes no adjustment ("" while it is open)."""
    try:
        periods.ensure_period_open(company.pk, str(period))
    except PeriodClosedError as error:
        return error.message
    return ""


def _page(request, company: Company, period: Period, *, form: dict | None = None, errors: dict | None = None, status=200):
    rows = list(
        Adjustment.objects.filter(employee__company=company, period=str(period))
        .select_related("employee", "created_by")
        .order_by("employee__full_name", "id")
    )
    return render(
        request,
        "portal/hr/adjustments.html",
        {
            "company": company,
            "period": period,
            "previous_period": period.previous,
            "next_period": period.next,
            "rows": rows,
            "total": sum((row.amount for row in rows), Decimal(0)),
            "closed": _closed_message(company, period),
            "employees": employees_in_period(company=company, period=period).order_by("full_name"),
            "form": form or {"employee": "", "amount": "", "reason": ""},
            "errors": errors or {},
        },
        status=status,
    )


def _month(request, value: str | None):
    try:
        return _period(value)
    except ValueError:
        return None


@require_http_methods(["GET"])
@role_required(access.HR)
def adjustments(request):
    """The month's adjustments (`?period=YYYY-MM`, this month by default) and the form to add one."""
    period = _month(request, request.GET.get("period"))
    if period is None:
        return bad_request(request, _("Write the month as YYYY-MM, for example 2026-11."))
    return _page(request, _company(request), period)


def _back(period: Period):
    return redirect(f"{reverse('portal:adjustments')}?period={period}")


def _amount(text: str) -> tuple[Decimal | None, str]:
    if not text:
        return None, _("write the amount, e.g. 1500.50 or −1 500,50")
    try:
        amount = field_decimal(AMOUNT, text)
    except numbers.NumberError as error:
        if error.code == numbers.NOT_A_NUMBER:
            return None, _("“%(value)s” is not an amount: write it as 1500.50, 1 500,50 or −1 500,50") % {"value": text}
        return None, error.message
    if amount == 0:
        return None, _("the amount is 0: an adjustment adds or deducts something")
    return amount, ""


@require_POST
@role_required(access.HR)
def adjustment_add(request):
    """One adjustment for one of the company's employees in the month of the form."""
    company = _company(request)
    period = _month(request, request.POST.get("period"))
    if period is None:
        return bad_request(request, _("Write the month as YYYY-MM, for example 2026-11."))
    form = {name: request.POST.get(name, "").strip() for name in ("employee", "amount", "reason")}
    errors: dict[str, str] = {}
    employee = None
    if form["employee"].isdigit():
        employee = Employee.objects.filter(company=company, pk=int(form["employee"])).first()
    if employee is None:
        errors["employee"] = _("choose a person from the list")
    amount, problem = _amount(form["amount"])
    if problem:
        errors["amount"] = problem
    if not form["reason"]:
        errors["reason"] = _("say what the adjustment is for (the payslip prints it)")
    elif len(form["reason"]) > REASON.max_length:
        errors["reason"] = _("at most %(limit)s characters") % {"limit": REASON.max_length}
    if not errors and employee is not None:
        try:
            adjustment = adjustment_create(
                employee=employee, period=str(period), amount=amount, reason=form["reason"], created_by=request.user
            )
        except PeriodClosedError as error:
            errors["form"] = error.message
        except ValidationError as error:
            errors["form"] = "; ".join(error.messages)
        else:
            messages.success(
                request,
                _("Added for %(name)s in %(period)s: %(amount)s (%(reason)s).")
                % {"name": employee.full_name, "period": period, "amount": format_money(adjustment.amount, company.currency),
                   "reason": adjustment.reason},
            )
            return _back(period)
    return _page(request, company, period, form=form, errors=errors, status=400)


@require_POST
@role_required(access.HR)
def adjustment_remove(request, pk: int):
    """Remove one of the company's adjustments while its month is open."""
    company = _company(request)
    adjustment = get_object_or_404(Adjustment.objects.select_related("employee"), pk=pk, employee__company=company)
    period = Period.parse(adjustment.period)
    try:
        adjustment_delete(adjustment=adjustment)
    except DomainError as error:  # a closed month (PeriodClosedError) or a correction's posted delta
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Removed: %(amount)s for %(name)s (%(reason)s).")
            % {"amount": format_money(adjustment.amount, company.currency), "name": adjustment.employee.full_name,
               "reason": adjustment.reason},
        )
    return _back(period)
