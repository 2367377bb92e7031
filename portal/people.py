"""HR's people page (issue 14, item 1, first part): the company's employees with their
salary, bonus scheme and login, and a marketer's login created for one of them."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from compensation.models import SalaryAgreement, SchemeAssignment
from core.periods import PeriodClosedError
from organizations import access
from organizations.models import Employee
from organizations.services import employee_terminate, marketer_login_create
from portal.views import _company, role_required


def _in_force(rows, today):
    """The row of a history ordered by `effective_from` that governs today (None: none yet)."""
    started = [row for row in rows if row.effective_from <= today]
    return started[-1] if started else None


@require_GET
@role_required(access.HR)
def people(request):
    """Every employee of the HR user's company: salary and scheme in force today, the next
    change if one is dated later, and who signs in as them."""
    today = timezone.localdate()
    employees = (
        Employee.objects.filter(company=_company(request))
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
    return render(request, "portal/hr/people.html", {"rows": rows, "company": _company(request)})


@require_POST
@role_required(access.HR)
def person_login_create(request, pk: int):
    """A marketer's login for an employee of the company (others' do not exist for HR)."""
    employee = get_object_or_404(Employee.objects.select_related("user"), pk=pk, company=_company(request))
    try:
        user = marketer_login_create(
            employee=employee, username=request.POST.get("username", ""), password=request.POST.get("password", "")
        )
    except ValidationError as error:
        for field, problems in error.message_dict.items():
            for problem in problems:
                prefix = "" if field == "__all__" else f"{field}: "
                messages.error(request, f"{employee.personnel_number} — {prefix}{problem}")
    else:
        messages.success(
            request,
            _("%(name)s signs in as %(username)s with the password you set; ask them to change it.")
            % {"name": employee.full_name, "username": user.get_username()},
        )
    return redirect("portal:people")


def _day(value: str):
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return "bad"


@require_POST
@role_required(access.HR)
def person_terminate(request, pk: int):
    """The employee's last working day (empty: the termination is taken back)."""
    employee = get_object_or_404(Employee, pk=pk, company=_company(request))
    day = _day(request.POST.get("termination_date", "").strip())
    if day == "bad":
        messages.error(request, f"{employee.personnel_number} — " + _("write the date as YYYY-MM-DD"))
        return redirect("portal:people")
    try:
        employee_terminate(employee=employee, day=day)
    except ValidationError as error:
        for problems in error.message_dict.values():
            for problem in problems:
                messages.error(request, f"{employee.personnel_number} — {problem}")
    except PeriodClosedError as error:
        messages.error(request, f"{employee.personnel_number} — {error.message}")
    else:
        if day is None:
            messages.success(request, _("%(name)s is employed again, with no last day.") % {"name": employee.full_name})
        else:
            messages.success(
                request, _("%(name)s's last working day is %(day)s.") % {"name": employee.full_name, "day": day.isoformat()}
            )
    return redirect("portal:people")
