"""What a write of a company's stage, calendar day or employee reaches in the payroll's
months: the rules `core.periods` applies to refuse writes into a closed (approved) period.
Registered at start-up (`organizations.apps`)."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from core import periods
from core.periods import Reach, Span
from engine import Period
from organizations.models import CalendarDay, Company, CompanyMembership, CompanyStage, Employee


def stage_reach(before: CompanyStage | None, after: CompanyStage | None) -> Reach:
    """A run reads the stage in force on the period's last day (`payroll.selectors._stage_on`):
    a stage row from F until the next one's date N governs the months whose last day is in
    [F, N) — the months of F up to (not including) N's. Creating, changing or deleting one
    touches those months, before and after the change."""
    spans = []
    for row in (before, after):
        if row is not None:
            span = periods.effective_span(CompanyStage, row, owner="company")
            start = Period.of(span.start).first_day
            spans.append(Span(start, None if span.end is None else Period.of(span.end).first_day))
    company_id = (after or before).company_id  # type: ignore[union-attr]
    return Reach(company_id, tuple(spans), "the company's stage")


def calendar_day_reach(before: CalendarDay | None, after: CalendarDay | None) -> Reach:
    """A holiday or transferred working day changes its month's working days (and so every
    prorated salary of that month)."""
    spans = tuple(Span.month(Period.of(row.date)) for row in (before, after) if row is not None)
    return Reach((after or before).company_id, spans, "the calendar day")  # type: ignore[union-attr]


def _between(first: date | None, second: date | None, *, inclusive_end: bool) -> Span | None:
    """The days whose state changes when a boundary moves from `first` to `second` (None:
    no boundary, for ever): a hire date's [min, max), a termination date's (min, max]."""
    if first == second:
        return None
    known = [day for day in (first, second) if day is not None]
    low = min(known)
    high = None if None in (first, second) else max(known)
    if inclusive_end:
        return Span(low + timedelta(days=1), None if high is None else high + timedelta(days=1))
    return Span(low, high)


def employee_reach(before: Employee | None, after: Employee | None) -> Reach | None:
    """Moving a hire or termination date across a day of a closed month changes who was
    paid for it: refused. Creating an employee is not (the approved run had no payout for
    them; what a closed month owes them goes through a correction), nor is deleting one
    (their payouts protect them), nor a change of their name or position."""
    if before is None or after is None:
        return None
    spans = [
        span
        for span in (
            _between(before.hire_date, after.hire_date, inclusive_end=False),
            _between(before.termination_date, after.termination_date, inclusive_end=True),
        )
        if span is not None
    ]
    return Reach(after.company_id, tuple(spans), f"the employment dates of {after.personnel_number}")


def employed_span(employee: Employee) -> Span:
    """The days the employee works: hire date to termination date, both included."""
    end = employee.termination_date + timedelta(days=1) if employee.termination_date else None
    return Span(employee.hire_date, end)


def register_reaches() -> None:
    periods.register_reach(CompanyStage, stage_reach)
    periods.register_reach(CalendarDay, calendar_day_reach)
    periods.register_reach(Employee, employee_reach)


# --- the company's stage --------------------------------------------------------------


def company_stage_set(*, company: Company, stage: int, effective_from: date) -> CompanyStage:
    """The company's development stage from this date on (the row of that date, if there is
    one, changes). Refused by the model's rules, then (`PeriodClosedError`) when it would
    change the stage a closed month was paid at."""
    key = {"company": company, "effective_from": effective_from}
    return periods.upsert(CompanyStage, key=key, values={"stage": stage})


# --- logins -------------------------------------------------------------------------------


@transaction.atomic
def marketer_login_create(*, employee: Employee, username: str, password: str) -> User:
    """A login for the employee, as a marketer of the employee's company: the username free
    (whatever its case), the password through the site's validators. Raises a
    `ValidationError` keyed by field; creates nothing then."""
    username = (username or "").strip()
    errors: dict[str, list[str]] = {}
    if employee.user is not None:
        errors["__all__"] = [f"{employee.personnel_number} already signs in as {employee.user.get_username()}"]
    if not username:
        errors["username"] = ["the username is missing"]
    else:
        try:
            User.username_validator(username)
        except ValidationError as error:
            errors["username"] = list(error.messages)
        else:
            if User.objects.filter(username__iexact=username).exists():
                errors["username"] = [f"the username {username} is taken"]
    try:
        validate_password(password or "", user=User(username=username, first_name=employee.full_name))
    except ValidationError as error:
        errors["password"] = list(error.messages)
    if errors:
        raise ValidationError(errors)
    first, _, last = employee.full_name.partition(" ")
    user = User.objects.create_user(username=username, password=password, first_name=first[:150], last_name=last[:150])
    CompanyMembership.objects.create(user=user, company_id=employee.company_id, role=CompanyMembership.Role.MARKETER)
    employee.user = user
    employee.save(update_fields=["user"])
    return user


def employee_terminate(*, employee: Employee, day: date | None) -> Employee:
    """The employee's last working day (None: takes the termination back). Refused with a
    `ValidationError` before the hire date, and with `PeriodClosedError` when it moves across
    a day of a closed month (that month's pay counted the employee as they were)."""
    before = periods.stored(employee)
    employee.termination_date = day
    employee.full_clean()
    periods.ensure_write_open(employee, before=before)
    employee.save(update_fields=["termination_date"])
    return employee


def employee_create(*, company, personnel_number: str, full_name: str, position: str, hire_date: date | None) -> Employee:
    """A new employee of the company (the personnel number unique in it), by the model's rules."""
    if hire_date is None:
        raise ValidationError({"hire_date": ["the hire date is missing"]})
    employee = Employee(
        company=company,
        personnel_number=(personnel_number or "").strip(),
        full_name=(full_name or "").strip(),
        position=(position or "").strip(),
        hire_date=hire_date,
    )
    employee.full_clean()
    periods.ensure_write_open(employee)
    employee.save()
    return employee
