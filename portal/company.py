"""HR's company pages (issue 14, item 2: what HR did in the admin's company form): the
company's own settings with their history, and its working calendar — holidays and
transferred working days by month, each month's working days as the run counts them. Thin
over `organizations.services` (the rules: who may change what, closed months)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from compensation.selectors import work_calendar
from core.periods import PeriodClosedError
from engine import Period
from organizations import access
from organizations.models import CalendarDay, Company
from organizations.selectors import calendar_days, company_history
from organizations.services import COMPANY_SETTINGS, calendar_day_add, calendar_day_remove, company_settings_save
from portal.errors import bad_request
from portal.views import _company, role_required

#: Each setting in words (the history names them so too).
SETTING_LABELS = {
    "name": gettext_lazy("Company name"),
    "currency": gettext_lazy("Currency"),
    "language": gettext_lazy("Language of payslips and sheets"),
    "four_eyes_approval": gettext_lazy("Four-eyes approval"),
    "automatic_runs": gettext_lazy("Automatic runs"),
}
#: Why HR sees a setting it cannot change.
ADMIN_ONLY_WHY = {
    "four_eyes_approval": gettext_lazy(
        "A payroll run must be approved by someone other than who started it. Only an administrator switches it: "
        "the rule checks HR itself."
    ),
    "automatic_runs": gettext_lazy(
        "Last month's payroll is calculated on the 1st by itself. Only an administrator switches it: it decides when "
        "the payroll runs for everyone."
    ),
}
EDITABLE = [name for name in COMPANY_SETTINGS if name not in access.SUPERUSER_ONLY_FIELDS[Company._meta.label_lower]]
KINDS: dict[str, Any] = {CalendarDay.Kind.HOLIDAY: gettext_lazy("Holiday"), CalendarDay.Kind.WORKING_DAY: gettext_lazy("Transferred working day")}
YEARS = range(2000, 2101)


def _value_text(name: str, value) -> str:
    if isinstance(value, bool):
        return str(_("on") if value else _("off"))
    if name == "language":
        return dict(Company.Language.choices).get(value, value)
    return "" if value is None else str(value)


def _history(company: Company) -> list[dict]:
    return [
        {
            "at": version.at,
            "user": version.user,
            "created": version.created,
            "changes": [
                {
                    "label": SETTING_LABELS[change.field],
                    "old": _value_text(change.field, change.old),
                    "new": _value_text(change.field, change.new),
                }
                for change in version.changes
            ],
        }
        for version in company_history(company=company, fields=COMPANY_SETTINGS)
    ]


def _settings_context(company: Company, typed: dict, errors: dict[str, list[str]]) -> dict:
    return {
        "company": company,
        "typed": typed,
        "errors": errors,
        "general_errors": errors.get("__all__", []),
        "languages": Company.Language.choices,
        "admin_only": [
            {"name": name, "label": SETTING_LABELS[name], "value": getattr(company, name), "why": ADMIN_ONLY_WHY[name]}
            for name in access.SUPERUSER_ONLY_FIELDS[Company._meta.label_lower]
        ],
        "history": _history(company),
    }


@require_http_methods(["GET", "POST"])
@role_required(access.HR)
def company_settings(request):
    """The HR user's company: name, currency and language changed here; four-eyes approval
    and automatic runs shown with why only an administrator switches them; who changed what."""
    company = _company(request)
    if request.method == "GET":
        typed = {name: getattr(company, name) for name in EDITABLE}
        return render(request, "portal/hr/company.html", _settings_context(company, typed, {}))
    typed = {name: request.POST.get(name, "") for name in EDITABLE}
    changes = {name: value for name, value in typed.items() if name in request.POST}
    # A forged field for a setting HR cannot change is refused by the service, not dropped.
    changes.update({name: request.POST[name] == "on" for name in ADMIN_ONLY_WHY if name in request.POST})
    try:
        before = {name: getattr(company, name) for name in COMPANY_SETTINGS}
        company_settings_save(company=company, changes=changes, user=request.user)
    except ValidationError as error:
        errors = error.message_dict
    except PermissionDenied as refused:
        errors = {"__all__": [str(refused)]}
    else:
        changed = [str(SETTING_LABELS[name]) for name in COMPANY_SETTINGS if getattr(company, name) != before[name]]
        if changed:
            messages.success(
                request,
                _("Saved: %(settings)s. The currency is %(currency)s, payslips are in %(language)s.")
                % {"settings": ", ".join(changed), "currency": company.currency, "language": company.get_language_display()},
            )
        else:
            messages.info(request, _("Nothing changed."))
        return redirect("portal:company")
    company.refresh_from_db()
    return render(request, "portal/hr/company.html", _settings_context(company, typed, errors), status=400)


# --- the working calendar ------------------------------------------------------------------


def _year(request) -> int:
    text = request.GET.get("year") or request.POST.get("year") or ""
    if not text:
        return timezone.localdate().year
    year = int(text)  # ValueError: the caller says how to write it
    if year not in YEARS:
        raise ValueError(text)
    return year


def _calendar_context(company: Company, year: int, typed: dict, errors: dict[str, list[str]]) -> dict:
    entries = calendar_days(company=company, year=year)
    months = []
    for number in range(1, 13):
        period = Period(year, number)
        months.append(
            {
                "period": period,
                "name": MONTHS[number].capitalize(),
                "working_days": work_calendar(company=company, period=period).count,  # as the run counts them
                "days": [
                    {"entry": entry, "kind": KINDS.get(entry.kind, entry.kind), "weekend": entry.date.weekday() >= 5}
                    for entry in entries
                    if entry.date.month == number
                ],
            }
        )
    return {
        "company": company,
        "year": year,
        "previous_year": year - 1,
        "next_year": year + 1,
        "months": months,
        "kinds": list(KINDS.items()),
        "typed": typed,
        "errors": errors,
        "general_errors": errors.get("__all__", []),
    }


@require_http_methods(["GET"])
@role_required(access.HR)
def calendar(request):
    """The company's holidays and transferred working days of a year, by month."""
    try:
        year = _year(request)
    except ValueError:
        return bad_request(request, _("Write the year as four digits, for example 2027."))
    typed = {"date": "", "kind": CalendarDay.Kind.HOLIDAY, "name": ""}
    return render(request, "portal/hr/calendar.html", _calendar_context(_company(request), year, typed, {}))


def _calendar_url(year: int) -> str:
    return f"{reverse('portal:calendar')}?year={year}"


@require_POST
@role_required(access.HR)
def calendar_add(request):
    """A holiday or transferred working day; a bad date, an unknown kind, a day already in
    the calendar or a closed month re-render the form with what was typed and why."""
    company = _company(request)
    typed = {name: request.POST.get(name, "").strip() for name in ("date", "kind", "name")}
    errors: dict[str, list[str]] = {}
    day: date | None = None
    if not typed["date"]:
        errors["date"] = [_("the date is missing")]
    else:
        try:
            day = date.fromisoformat(typed["date"])
        except ValueError:
            errors["date"] = [_("write the date as YYYY-MM-DD")]
    try:
        year = _year(request) if day is None else day.year
    except ValueError:
        year = timezone.localdate().year
    if not errors:
        try:
            entry = calendar_day_add(company=company, day=day, kind=typed["kind"], name=typed["name"])
        except ValidationError as error:
            errors = error.message_dict
        except PeriodClosedError as closed:
            errors = {"date": [closed.message]}
        else:
            count = work_calendar(company=company, period=Period.of(entry.date)).count
            messages.success(
                request,
                _("%(day)s (%(kind)s) is in the calendar; %(month)s has %(count)s working days.")
                % {
                    "day": entry.date.strftime("%d.%m.%Y"),
                    "kind": KINDS[entry.kind],
                    "month": f"{MONTHS[entry.date.month].capitalize()} {entry.date.year}",
                    "count": count,
                },
            )
            return redirect(_calendar_url(entry.date.year))
    return render(request, "portal/hr/calendar.html", _calendar_context(company, year, typed, errors), status=400)


@require_POST
@role_required(access.HR)
def calendar_remove(request, pk: int):
    """The day follows Monday to Friday again (a day of another company is not there)."""
    company = _company(request)
    entry = get_object_or_404(CalendarDay, pk=pk, company=company)
    try:
        calendar_day_remove(entry=entry)
    except PeriodClosedError as closed:
        messages.error(request, f"{entry.date.strftime('%d.%m.%Y')} — {closed.message}")
    else:
        count = work_calendar(company=company, period=Period.of(entry.date)).count
        messages.success(
            request,
            _("%(day)s is removed from the calendar; %(month)s has %(count)s working days.")
            % {
                "day": entry.date.strftime("%d.%m.%Y"),
                "month": f"{MONTHS[entry.date.month].capitalize()} {entry.date.year}",
                "count": count,
            },
        )
    return redirect(_calendar_url(entry.date.year))
