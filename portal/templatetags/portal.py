"""Filters that write numbers and money the active language's way (see portal.formatting)."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy

from portal import formatting, labels

register = template.Library()

#: HR's workspace in the order of the main navigation: (URL name, label, the other pages
#: that mark it current).
HR_PAGES = [
    ("hr_home", gettext_lazy("Workspace"), ()),
    ("runs", gettext_lazy("Payroll runs"), ()),
    ("people", gettext_lazy("People"), ()),
    ("team", gettext_lazy("Team"), ()),
    ("schemes", gettext_lazy("Schemes"), ("scheme", "scheme_create", "band_table", "band_table_create")),
    ("kpi_sets", gettext_lazy("KPI sets"), ("kpi_set", "kpi_set_create")),
    ("plans", gettext_lazy("Plans"), ("actuals",)),
    ("kpi_matrix", gettext_lazy("KPI matrix"), ()),
    ("test_scheme", gettext_lazy("Test a scheme"), ()),
    ("scenarios", gettext_lazy("Scenarios"), ()),
    ("company", gettext_lazy("Company"), ()),
    ("calendar", gettext_lazy("Work calendar"), ()),
    ("kpis", gettext_lazy("KPIs and measures"), ("kpi_create", "kpi_edit", "measure_create", "measure_edit")),
    ("adjustments", gettext_lazy("Adjustments"), ()),
]


@register.simple_tag(takes_context=True)
def hr_navigation(context) -> list[dict]:
    match = getattr(context.get("request"), "resolver_match", None)
    current = match.url_name if match else None
    return [
        {"url": reverse(f"portal:{name}"), "label": label, "current": current == name or current in also}
        for name, label, also in HR_PAGES
    ]


@register.filter
def money(value, currency="RUB"):
    return formatting.format_money(value, currency or "RUB")


@register.filter
def currency_symbol(code):
    return formatting.currency_symbol(code) or code


@register.filter
def num(value, places=2):
    return formatting.format_number(value, int(places))


@register.filter
def pct(value, places=2):
    return formatting.format_percent(value, int(places))


@register.filter
def coef(value):
    return formatting.format_coefficient(value)


@register.filter
def quantity(value, unit_and_currency="count"):
    """`{{ value|quantity:"money RUB" }}` — a KPI's or a measure's value in its unit."""
    unit, _, currency = str(unit_and_currency).partition(" ")
    return formatting.format_quantity(value, unit, currency or "RUB")


@register.filter
def input_number(value):
    return formatting.input_value(value)


@register.filter
def signed_money(value, currency="RUB"):
    text = formatting.format_money(value, currency or "RUB")
    number = formatting.to_decimal(value)
    return f"+{text}" if number is not None and number > 0 else text


@register.filter
def status_label(value):
    return labels.run_status(value)


@register.filter
def warning_label(code):
    """A warning code in words (the code itself if the portal has no words for it)."""
    return labels.warning_text({"code": code, "message": code})


@register.filter
def period_label(value):
    """`2026-11` → `November 2026` / `Ноябрь 2026`."""
    from datetime import date

    from django.utils.dates import MONTHS

    text = str(value)
    try:
        year, month = int(text[:4]), int(text[5:7])
        date(year, month, 1)
    except ValueError:
        return text
    return f"{MONTHS[month].capitalize()} {year}"


@register.filter
def period_short(value):
    """`2026-11` → `Nov` / `Ноя` (the chart's month labels)."""
    from django.utils.dates import MONTHS_3

    text = str(value)
    try:
        return str(MONTHS_3[int(text[5:7])]).capitalize()
    except (KeyError, ValueError):
        return text


@register.filter
def transition_note(note):
    return labels.transition_note(note)


@register.filter
def person(user, fallback="—"):
    """A user's full name, else the user name; `fallback` when there is no user."""
    if user is None:
        return fallback
    return user.get_full_name() or user.username


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.simple_tag(takes_context=True)
def portal_role(context):
    """The signed-in user's role: 'hr', 'finance', 'marketer', 'superuser' or None."""
    from organizations.access import user_role

    request = context.get("request")
    return user_role(request.user) if request is not None else None
