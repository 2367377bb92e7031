"""What a write of a company's stage, calendar day or employee reaches in the payroll's
months: the rules `core.periods` applies to refuse writes into a closed (approved) period.
Registered at start-up (`organizations.apps`)."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from core import periods
from core.periods import Reach, Span
from engine import Period
from organizations import access
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
    return Reach(company_id, tuple(spans), _("the company's stage"))


def calendar_day_reach(before: CalendarDay | None, after: CalendarDay | None) -> Reach:
    """A holiday or transferred working day changes its month's working days (and so every
    prorated salary of that month)."""
    spans = tuple(Span.month(Period.of(row.date)) for row in (before, after) if row is not None)
    return Reach((after or before).company_id, spans, _("the calendar day"))  # type: ignore[union-attr]


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
    return Reach(after.company_id, tuple(spans), _("the employment dates of %(number)s") % {"number": after.personnel_number})


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


# --- the company's settings ----------------------------------------------------------------

#: What HR changes of its company (the slug, which commands and the API name it by, is the
#: administrator's, as are `access.SUPERUSER_ONLY_FIELDS`, refused to anyone else below).
COMPANY_SETTINGS = ("name", "currency", "language", "four_eyes_approval", "automatic_runs")


def company_changes_ensure_allowed(*, company: Company, changes: dict, user) -> None:
    """Refuse a change of a superuser-only setting by anyone else (an unchanged value, as in
    a full update, is no change)."""
    if getattr(user, "is_superuser", False):
        return
    guarded = access.SUPERUSER_ONLY_FIELDS[Company._meta.label_lower]
    changed = [name for name in guarded if name in changes and changes[name] != getattr(company, name)]
    if changed:
        raise PermissionDenied(_("only an administrator may change %(fields)s") % {"fields": " and ".join(changed)})


@transaction.atomic
def company_settings_save(*, company: Company, changes: dict, user) -> Company:
    """Change the company's own settings (`COMPANY_SETTINGS`; a value equal to the stored one
    is no change): `PermissionDenied` for a superuser-only one changed by anyone else, a
    `ValidationError` keyed by field by the model's rules (the currency as three capitals;
    " uzs " is read as "UZS"). Nothing is saved when anything is refused. Each save is kept
    in the company's history under `user`."""
    unknown = sorted(set(changes) - set(COMPANY_SETTINGS))
    if unknown:
        raise ValidationError({"__all__": [_("%(fields)s cannot be changed here") % {"fields": ", ".join(unknown)}]})
    changes = dict(changes)
    for name in ("name", "currency"):
        if isinstance(changes.get(name), str):
            changes[name] = changes[name].strip()
    if isinstance(changes.get("currency"), str):
        changes["currency"] = changes["currency"].upper()
    company_changes_ensure_allowed(company=company, changes=changes, user=user)
    row = Company.objects.select_for_update().get(pk=company.pk)
    changed = [name for name, value in changes.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, changes[name])
    row.full_clean()
    if changed:
        row._history_user = user if getattr(user, "is_authenticated", False) else None  # type: ignore[attr-defined]
        row.save(update_fields=changed)
    for name in (*COMPANY_SETTINGS, "config_version"):
        setattr(company, name, getattr(row, name))
    return company


# --- the working calendar --------------------------------------------------------------------


def calendar_day_add(*, company: Company, day: date | None, kind: str, name: str = "") -> CalendarDay:
    """A holiday or a transferred working day of the company (one entry a day): by the
    model's rules (`ValidationError` keyed by field), then refused (`PeriodClosedError`) in a
    closed month, whose working days its approved payroll counted."""
    if day is None:
        raise ValidationError({"date": [_("the date is missing")]})
    if kind not in CalendarDay.Kind.values:
        raise ValidationError({"kind": [_("choose a holiday or a transferred working day")]})
    if CalendarDay.objects.filter(company=company, date=day).exists():
        raise ValidationError({"date": [_("%(day)s is already in the calendar") % {"day": day.isoformat()}]})
    entry = CalendarDay(company=company, date=day, kind=kind, name=(name or "").strip())
    entry.full_clean(validate_constraints=False)  # the one constraint, one entry a day, is checked above
    periods.ensure_write_open(entry)
    entry.save()
    return entry


def calendar_day_remove(*, entry: CalendarDay) -> None:
    """The day follows the Monday-to-Friday rule again; refused (`PeriodClosedError`) in a
    closed month."""
    periods.ensure_write_open(None, delete=entry)
    entry.delete()


# --- logins -------------------------------------------------------------------------------


def _login_errors(*, username: str, password: str | None, full_name: str) -> dict[str, list[str]]:
    """What is wrong with a new login's username (free whatever its case) and password (the
    site's validators; None: none is set, the person sets it from an invitation link)."""
    errors: dict[str, list[str]] = {}
    if not username:
        errors["username"] = [_("the username is missing")]
    else:
        try:
            User.username_validator(username)
        except ValidationError as error:
            errors["username"] = list(error.messages)
        else:
            if User.objects.filter(username__iexact=username).exists():
                errors["username"] = [_("the username %(username)s is taken") % {"username": username}]
    if password is not None:
        try:
            validate_password(password, user=User(username=username, first_name=full_name))
        except ValidationError as error:
            errors["password"] = list(error.messages)
    return errors


def _user_create(*, username: str, password: str | None, full_name: str, email: str) -> User:
    first, _space, last = full_name.partition(" ")
    user = User.objects.create_user(username=username, email=email, first_name=first[:150], last_name=last[:150])
    if password is None:
        user.set_unusable_password()  # set by the person from the invitation link
    else:
        user.set_password(password)
    user.save()
    return user


@transaction.atomic
def marketer_login_create(*, employee: Employee, username: str, password: str | None, email: str = "") -> User:
    """A login for the employee, as a marketer of the employee's company. `password` None:
    the login has no password until the marketer sets one from an invitation link
    (`invitation_token`). Raises a `ValidationError` keyed by field; creates nothing then."""
    username = (username or "").strip()
    errors = _login_errors(username=username, password=password, full_name=employee.full_name)
    if employee.user is not None:
        errors["__all__"] = [
            _("%(number)s already signs in as %(username)s")
            % {"number": employee.personnel_number, "username": employee.user.get_username()}
        ]
    if errors:
        raise ValidationError(errors)
    user = _user_create(username=username, password=password, full_name=employee.full_name, email=(email or "").strip())
    CompanyMembership.objects.create(user=user, company_id=employee.company_id, role=CompanyMembership.Role.MARKETER)
    employee.user = user
    employee.save(update_fields=["user"])
    return user


def may_manage_colleagues(user, company) -> bool:
    """A superuser, or an HR lead of `company`, adds and removes HR and finance colleagues."""
    if getattr(user, "is_superuser", False):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    membership = CompanyMembership.objects.filter(user_id=user.pk, company=company).first()
    return bool(membership and membership.role == CompanyMembership.Role.HR and membership.is_lead)


COLLEAGUE_ROLES = (CompanyMembership.Role.HR, CompanyMembership.Role.FINANCE)


@transaction.atomic
def colleague_login_create(
    *, by, company, role: str, username: str, full_name: str, email: str = "", password: str | None = None, lead: bool = False
) -> User:
    """An HR or finance login of `company`, made by a superuser or one of its HR leads
    (`PermissionDenied` otherwise). `password` None: set from an invitation link."""
    if not may_manage_colleagues(by, company):
        raise PermissionDenied(_("only an HR lead adds HR and finance colleagues"))
    username, full_name = (username or "").strip(), (full_name or "").strip()
    errors = _login_errors(username=username, password=password, full_name=full_name)
    if role not in COLLEAGUE_ROLES:
        errors["role"] = [_("choose HR or finance")]
    if not full_name:
        errors["full_name"] = [_("the name is missing")]
    if lead and role != CompanyMembership.Role.HR:
        errors["lead"] = [_("only an HR colleague can be an HR lead")]
    if errors:
        raise ValidationError(errors)
    user = _user_create(username=username, password=password, full_name=full_name, email=(email or "").strip())
    CompanyMembership.objects.create(user=user, company=company, role=role, is_lead=lead)
    return user


@transaction.atomic
def colleague_login_deactivate(*, by, user: User) -> User:
    """The colleague no longer signs in (the login and its history are kept). Nobody
    deactivates themselves, so a company keeps at least the lead who does it."""
    membership = CompanyMembership.objects.select_related("company").filter(user=user).first()
    if membership is None or membership.role not in COLLEAGUE_ROLES or not may_manage_colleagues(by, membership.company):
        raise PermissionDenied(_("only an HR lead removes HR and finance colleagues"))
    if user.pk == getattr(by, "pk", None):
        raise ValidationError({"__all__": [_("you cannot remove your own login")]})
    user.is_active = False
    user.save(update_fields=["is_active"])
    return user


def invitation_token(user: User) -> tuple[str, str]:
    """(uidb64, token) of the link by which `user` sets a password: Django's password-reset
    token, so it is single-use (it changes with the password) and expires after
    PASSWORD_RESET_TIMEOUT."""
    return urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)


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
        raise ValidationError({"hire_date": [_("the hire date is missing")]})
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


def employee_update(*, employee: Employee, personnel_number: str, full_name: str, position: str, hire_date: date | None) -> Employee:
    """The employee's personnel number (unique in the company), name, position and hire date,
    by the model's rules; a hire date moved across a day of a closed month is refused with
    `PeriodClosedError` (that month's pay counted the employee as they were)."""
    if hire_date is None:
        raise ValidationError({"hire_date": [_("the hire date is missing")]})
    before = periods.stored(employee)
    employee.personnel_number = (personnel_number or "").strip()
    employee.full_name = (full_name or "").strip()
    employee.position = (position or "").strip()
    employee.hire_date = hire_date
    employee.full_clean()
    periods.ensure_write_open(employee, before=before)
    employee.save(update_fields=["personnel_number", "full_name", "position", "hire_date"])
    return employee
