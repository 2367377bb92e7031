"""HR's people page (issue 14, item 1, first part): the company's employees with their
salary, bonus scheme and login; a new one added with all three in one form, and a
marketer's login created for one of them."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from compensation.models import BonusScheme, SalaryAgreement, SchemeAssignment
from compensation.services import employee_hire, salary_agreement_set, scheme_assignment_set
from core.numbers import NumberError, parse_decimal
from core.periods import PeriodClosedError
from organizations import access
from organizations.models import Employee
from organizations.services import employee_terminate, employee_update, marketer_login_create
from portal.feedback import refusal_messages
from portal.formatting import format_money
from portal.history import history_context
from portal.team import announce_login, password_or_invitation
from portal.views import _company, role_required


def _in_force(rows, today):
    """The row of a history ordered by `effective_from` that governs today (None: none yet)."""
    started = [row for row in rows if row.effective_from <= today]
    return started[-1] if started else None


def _next_number(company) -> str:
    """The personnel number proposed for a new employee: one above the highest all-digit one."""
    taken = set(Employee.objects.filter(company=company).values_list("personnel_number", flat=True))
    number = max((int(n) for n in taken if n.isdigit()), default=0) + 1
    while str(number) in taken:
        number += 1
    return str(number)


def _people_page(request, typed: dict | None = None, status: int = 200):
    """Every employee of the HR user's company: salary and scheme in force today, the next
    change if one is dated later, and who signs in as them; the form to add one (as typed
    when it was refused)."""
    company = _company(request)
    today = timezone.localdate()
    employees = (
        Employee.objects.filter(company=company)
        .select_related("user")
        .prefetch_related(
            Prefetch("salary_agreements", queryset=SalaryAgreement.objects.order_by("effective_from")),
            Prefetch("scheme_assignments", queryset=SchemeAssignment.objects.select_related("scheme").order_by("effective_from")),
        )
        .order_by("personnel_number")
    )
    rows = []
    for employee in employees:
        salaries, schemes = list(employee.salary_agreements.all()), list(employee.scheme_assignments.all())
        rows.append(
            {
                "employee": employee,
                "salary": _in_force(salaries, today),
                "next_salary": next((s for s in salaries if s.effective_from > today), None),
                "scheme": _in_force(schemes, today),
                "left": employee.termination_date is not None and employee.termination_date < today,
            }
        )
    offered = list(BonusScheme.objects.filter(company=company).order_by("name"))
    if typed is None:  # the sensible defaults: the next number, the one scheme if there is one
        typed = {"personnel_number": _next_number(company), "scheme": str(offered[0].pk) if len(offered) == 1 else ""}
    context = {"rows": rows, "company": company, "schemes": offered, "typed": typed}
    return render(request, "portal/hr/people.html", context, status=status)


@require_GET
@role_required(access.HR)
def people(request):
    return _people_page(request)


@require_POST
@role_required(access.HR)
def person_login_create(request, pk: int):
    """A marketer's login for an employee of the company (others' do not exist for HR), with
    the temporary password typed or a set-password link."""
    employee = _employee(request, pk)
    password = password_or_invitation(request)
    try:
        user = marketer_login_create(
            employee=employee, username=request.POST.get("username", ""), password=password, email=request.POST.get("email", "")
        )
    except ValidationError as error:
        refusal_messages(request, error, f"{employee.personnel_number} — ")
    else:
        announce_login(request, user, password=password)
    return redirect("portal:person", pk=employee.pk)


def _day(value: str):
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return "bad"


@require_POST
@role_required(access.HR)
def person_terminate(request, pk: int):
    """The employee's last working day (empty: the termination is taken back)."""
    employee = _employee(request, pk)
    day = _day(request.POST.get("termination_date", "").strip())
    if day == "bad":
        messages.error(request, f"{employee.personnel_number} — " + _("write the date as YYYY-MM-DD"))
        return redirect("portal:person", pk=employee.pk)
    try:
        employee_terminate(employee=employee, day=day)
    except (ValidationError, PeriodClosedError) as error:
        refusal_messages(request, error, f"{employee.personnel_number} — ")
    else:
        if day is None:
            messages.success(request, _("%(name)s is employed again, with no last day.") % {"name": employee.full_name})
        else:
            messages.success(
                request, _("%(name)s's last working day is %(day)s.") % {"name": employee.full_name, "day": day.isoformat()}
            )
    return redirect("portal:person", pk=employee.pk)


def _employee(request, pk: int) -> Employee:
    """An employee of the HR user's company; others' do not exist for them."""
    return get_object_or_404(Employee.objects.select_related("user", "company"), pk=pk, company=_company(request))


@require_GET
@role_required(access.HR)
def person(request, pk: int):
    """One employee: salary history, scheme history, login and last working day, each with
    the form that changes it."""
    employee = _employee(request, pk)
    context = {
        "employee": employee,
        "company": employee.company,
        "salaries": employee.salary_agreements.order_by("-effective_from"),
        "assignments": employee.scheme_assignments.select_related("scheme").order_by("-effective_from"),
        "schemes": BonusScheme.objects.filter(company=employee.company).order_by("name"),
        "today": timezone.localdate(),
        **history_context(
            [
                Employee.history.filter(id=employee.pk),
                SalaryAgreement.history.filter(employee_id=employee.pk),
                SchemeAssignment.history.filter(employee_id=employee.pk),
            ],
            currency=employee.company.currency,
        ),
    }
    return render(request, "portal/hr/person.html", context)


@require_POST
@role_required(access.HR)
def person_salary(request, pk: int):
    """The monthly salary from a date on: "30 000,50" and "30000.50" are both read."""
    employee = _employee(request, pk)
    day = _day(request.POST.get("effective_from", "").strip())
    label = f"{employee.personnel_number} — "
    if day is None or day == "bad":
        messages.error(request, label + _("write the date as YYYY-MM-DD"))
        return redirect("portal:person", pk=employee.pk)
    field = SalaryAgreement._meta.get_field("monthly_amount")
    try:
        amount = parse_decimal(request.POST.get("monthly_amount", ""), max_digits=field.max_digits, decimal_places=field.decimal_places)
        agreement = salary_agreement_set(employee=employee, effective_from=day, monthly_amount=amount)
    except NumberError as error:
        messages.error(request, label + f"monthly_amount: {error.message}")
    except (ValidationError, PeriodClosedError) as error:
        refusal_messages(request, error, label)
    else:
        messages.success(
            request,
            _("%(name)s earns %(amount)s a month from %(day)s.")
            % {"name": employee.full_name, "amount": format_money(agreement.monthly_amount, employee.company.currency), "day": day.isoformat()},
        )
    return redirect("portal:person", pk=employee.pk)


@require_POST
@role_required(access.HR)
def person_scheme(request, pk: int):
    """The bonus scheme from a date on (one of the company's schemes)."""
    employee = _employee(request, pk)
    day = _day(request.POST.get("effective_from", "").strip())
    label = f"{employee.personnel_number} — "
    scheme_id = _int(request.POST.get("scheme"))
    scheme = BonusScheme.objects.filter(company=employee.company, pk=scheme_id).first() if scheme_id else None
    if day is None or day == "bad" or scheme is None:
        messages.error(request, label + _("choose a scheme and write the date as YYYY-MM-DD"))
        return redirect("portal:person", pk=employee.pk)
    try:
        scheme_assignment_set(employee=employee, effective_from=day, scheme=scheme)
    except (ValidationError, PeriodClosedError) as error:
        refusal_messages(request, error, label)
    else:
        messages.success(
            request, _("%(name)s is paid under %(scheme)s from %(day)s.") % {"name": employee.full_name, "scheme": scheme.name, "day": day.isoformat()}
        )
    return redirect("portal:person", pk=employee.pk)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


NEW_PERSON_FIELDS = ("personnel_number", "full_name", "position", "hire_date", "monthly_amount", "scheme", "username")


@require_POST
@role_required(access.HR)
def person_create(request):
    """A new employee of the company, with (optional, from the hire date) the salary, the
    bonus scheme and a marketer's login; then their page. Refused: the form again, as typed."""
    company = _company(request)
    typed = {name: request.POST.get(name, "").strip() for name in NEW_PERSON_FIELDS}
    day = _day(typed["hire_date"])
    if day == "bad":
        messages.error(request, _("write the date as YYYY-MM-DD"))
        return _people_page(request, typed, status=400)
    scheme = BonusScheme.objects.filter(company=company, pk=_int(typed["scheme"])).first() if typed["scheme"] else None
    if typed["scheme"] and scheme is None:
        messages.error(request, _("choose a scheme and write the date as YYYY-MM-DD"))
        return _people_page(request, typed, status=400)
    field = SalaryAgreement._meta.get_field("monthly_amount")
    try:
        amount = (
            parse_decimal(typed["monthly_amount"], max_digits=field.max_digits, decimal_places=field.decimal_places)
            if typed["monthly_amount"]
            else None
        )
    except NumberError as error:
        messages.error(request, f"monthly_amount: {error.message}")
        return _people_page(request, typed, status=400)
    password = password_or_invitation(request) if typed["username"] else None
    try:
        employee = employee_hire(
            company=company,
            personnel_number=typed["personnel_number"],
            full_name=typed["full_name"],
            position=typed["position"],
            hire_date=day,
            monthly_amount=amount,
            scheme=scheme,
            username=typed["username"],
            password=password or None,
        )
    except (ValidationError, PeriodClosedError) as error:
        refusal_messages(request, error, "")
        return _people_page(request, typed, status=400)
    if amount is None and scheme is None and employee.user is None:
        messages.success(request, _("%(name)s is added; set the salary, the bonus scheme and the login.") % {"name": employee.full_name})
        return redirect("portal:person", pk=employee.pk)
    messages.success(request, _("%(name)s is added.") % {"name": employee.full_name})
    hired = employee.hire_date.isoformat() if employee.hire_date else ""
    if amount is not None:
        messages.success(
            request,
            _("%(name)s earns %(amount)s a month from %(day)s.")
            % {"name": employee.full_name, "amount": format_money(amount, company.currency), "day": hired},
        )
    if scheme is not None:
        messages.success(
            request, _("%(name)s is paid under %(scheme)s from %(day)s.") % {"name": employee.full_name, "scheme": scheme.name, "day": hired}
        )
    if employee.user is not None:
        announce_login(request, employee.user, password=password or None)
    return redirect("portal:person", pk=employee.pk)


@require_POST
@role_required(access.HR)
def person_details(request, pk: int):
    """The personnel number, name, position and hire date."""
    employee = _employee(request, pk)
    label = f"{employee.personnel_number} — "
    day = _day(request.POST.get("hire_date", "").strip())
    if day == "bad":
        messages.error(request, label + _("write the date as YYYY-MM-DD"))
        return redirect("portal:person", pk=employee.pk)
    try:
        employee_update(
            employee=employee,
            personnel_number=request.POST.get("personnel_number", ""),
            full_name=request.POST.get("full_name", ""),
            position=request.POST.get("position", ""),
            hire_date=day,
        )
    except (ValidationError, PeriodClosedError) as error:
        refusal_messages(request, error, label)
    else:
        messages.success(request, _("%(name)s's details are saved.") % {"name": employee.full_name})
    return redirect("portal:person", pk=pk)
