"""Words the portal shows for codes that the engine and the payroll keep in English: run
statuses, warning codes, units, and the names of the shared catalogue's KPIs and measures
(a company's own KPIs keep the name it gave them)."""

from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from kpis.catalogue import KPIS, MEASURES

RUN_STATUS = {
    "queued": _("Queued"),
    "calculating": _("Calculating"),
    "calculated": _("Calculated"),
    "approved": _("Approved"),
    "paid": _("Paid"),
    "failed": _("Failed"),
    "cancelled": _("Cancelled"),
}

WARNING = {
    "no_salary": _("No salary agreement in force: fixed pay is 0"),
    "no_scheme": _("No bonus scheme in force: bonus is 0"),
    "no_plan": _("No plan for this KPI: its fulfillment counts as 0"),
    "kpi_undefined": _("The KPI cannot be computed (a measure is missing or a divisor is 0): its fulfillment counts as 0"),
    "kpi_unknown": _("The KPI is not defined"),
    "no_working_days": _("The month has no working days: fixed pay is 0"),
    "factor_unresolved": _("A bonus factor has no input: it counts as 0 %"),
    "band_table_invalid": _("A band table is unusable"),
}

# Notes the payroll services write on a run's transitions.
TRANSITION_NOTES = {
    "started": _("started"),
    "recalculation": _("recalculation"),
    "started as a provisional preview": _("started as a provisional preview"),
    "calculation started": _("calculation started"),
    "calculation finished": _("calculation finished"),
    "approved": _("approved"),
    "approved after confirming the summary": _("approved after confirming the summary"),
    "approved through the API": _("approved through the API"),
    "approved in the administration": _("approved in the administration"),
    "cancelled": _("cancelled"),
}

# What a correction changes (payroll's CorrectionChange.Kind and the portal's form), marked so
# makemessages collects them; templates translate them with `{% translate label %}`.
CORRECTION_KINDS = [
    gettext_noop("Measure value"),
    gettext_noop("Plan"),
    gettext_noop("Salary agreement"),
    gettext_noop("Scheme assignment"),
    gettext_noop("Adjustment of the period"),
    gettext_noop("Monthly salary from a date"),
    gettext_noop("Bonus scheme"),
]


# The catalogue's names (kpis/catalogue.py), marked so makemessages collects them.
CATALOGUE_NAMES = [
    gettext_noop("Leads"),
    gettext_noop("Marketing spend"),
    gettext_noop("Advertising spend"),
    gettext_noop("Orders"),
    gettext_noop("Paid orders"),
    gettext_noop("Carts created"),
    gettext_noop("Clicks"),
    gettext_noop("Impressions"),
    gettext_noop("Visits"),
    gettext_noop("Returning visits"),
    gettext_noop("Bounced visits"),
    gettext_noop("Revenue"),
    gettext_noop("Likes"),
    gettext_noop("Comments"),
    gettext_noop("Reposts"),
    gettext_noop("E-mail opens"),
    gettext_noop("E-mails delivered"),
    gettext_noop("Aware prospects"),
    gettext_noop("New clients"),
    gettext_noop("Total clients"),
    gettext_noop("Repeat requests"),
    gettext_noop("Purchases"),
    gettext_noop("Cost per lead"),
    gettext_noop("Cost per order"),
    gettext_noop("Cost per click"),
    gettext_noop("Click-through rate"),
    gettext_noop("Conversion rate"),
    gettext_noop("Average order value"),
    gettext_noop("Return on marketing investment"),
    gettext_noop("Average revenue per visit"),
    gettext_noop("Returning visitors rate"),
    gettext_noop("Bounce rate"),
    gettext_noop("Cart abandonment"),
    gettext_noop("Traffic"),
    gettext_noop("Engagement"),
    gettext_noop("Open rate"),
    gettext_noop("Click-to-open rate"),
    gettext_noop("Awareness (stage KPI 1)"),
    gettext_noop("Share of new clients (stage KPI 2)"),
    gettext_noop("Repeat requests (stage KPI 3)"),
    gettext_noop("Purchase frequency growth (stage KPI 4)"),
    gettext_noop("Average check growth (stage KPI 5)"),
]
_CATALOGUE = {name for name, *_ in MEASURES.values()} | {name for name, *_ in KPIS.values()}


def catalogue_name(name: str) -> str:
    """The name in the active language if it is one of the catalogue's, else as given."""
    return gettext(name) if name in _CATALOGUE else name


def run_status(status: str) -> str:
    return str(RUN_STATUS.get(status, status))


def transition_note(note: str) -> str:
    return str(TRANSITION_NOTES.get(note, note))


def warning_text(warning: dict) -> str:
    known = WARNING.get(warning.get("code", ""))
    return str(known) if known is not None else warning.get("message", "")
