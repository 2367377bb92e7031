"""Reads for the portal's pages. The numbers come from the services (projection, what-if,
preview) and the payroll's selectors; this module only arranges them for the pages, per KPI
and per factor. Values stay `Decimal`; templates format them for the language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from compensation.models import BandPoint
from engine import Period
from kpis.models import Kpi, Measure
from kpis.selectors import catalogue_and_own
from organizations.models import Employee
from payroll.models import LIVE, RELEASED, Payout, PayrollRun, RunStatus
from payroll.outlook import PayoutOutlook, what_if_measures_validate
from payroll.selectors import payouts_visible_to
from payroll.statements import printed
from portal.charts import Month, pay_history_chart
from portal.labels import catalogue_name, run_status, warning_text

HUNDRED = Decimal(100)
BAR_SCALE_PCT = Decimal(150)
# The what-if's refusals come from the domain (payroll.outlook.WHAT_IF_MESSAGES), translated
# by this app's catalogue: marked here so `makemessages`, run in portal/, keeps them.
WHAT_IF_MESSAGES = [
    gettext_noop("Not a measure of your KPIs."),
    gettext_noop("A count cannot be negative."),
    gettext_noop("Not a number."),
    gettext_noop("%(value)s is not a number"),
    gettext_noop("%(value)s is too large: at most %(digits)s digits before the decimal point"),
    gettext_noop("%(value)s has too many decimal places: at most %(places)s"),
]


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(value)


# ---------------------------------------------------------------------------------------
# The marketer's dashboard


def _band_bounds(*, employee: Employee, table_names: set[str]) -> dict[str, list[Decimal]]:
    bounds: dict[str, list[Decimal]] = {name: [] for name in table_names}
    rows = BandPoint.objects.filter(table__company=employee.company, table__name__in=table_names).order_by(
        "table__name", "lower_bound_pct"
    )
    for name, lower in rows.values_list("table__name", "lower_bound_pct"):
        bounds[name].append(lower)
    return bounds


def _bar(percentage: Decimal, marks: list[Decimal]) -> dict:
    """Width and tick marks of a fulfillment bar, in percent of the bar's length."""
    scale = max([BAR_SCALE_PCT, *[mark * Decimal("1.25") for mark in marks]])
    scale = (scale / 10).to_integral_value() * 10
    shown = min(max(percentage, Decimal(0)), scale)
    return {
        "width": f"{(shown * HUNDRED / scale).quantize(Decimal('0.1')):f}",
        "over": percentage > scale,
        "ticks": [
            {"left": f"{(mark * HUNDRED / scale).quantize(Decimal('0.1')):f}", "pct": mark}
            for mark in sorted(set(marks))
            if 0 < mark <= scale
        ],
    }


def _guidance(item: dict | None) -> dict | None:
    """The next band of a factor (from `next_bands`), as numbers."""
    if not item or not item.get("next_band"):
        return None
    upcoming = item["next_band"]
    return {
        "from_pct": Decimal(upcoming["from_pct"]),
        "coefficient": Decimal(upcoming["coefficient"]),
        "points_away": Decimal(upcoming["points_away"]),
        "target": _dec(upcoming.get("target")),
        "change_needed": _dec(upcoming.get("change_needed")),
        "lower_is_better": upcoming.get("direction") == "lower_is_better",
    }


def _factors(trace: dict, guidance: list[dict], kpi_names: dict[str, str]) -> list[dict]:
    by_name = {item["factor"]: item for item in guidance}
    factors = []
    for entry in (trace.get("bonus") or {}).get("factors", []):
        source = entry.get("input") or {}
        band = entry.get("band") or {}
        factor = {
            "name": entry["name"],
            "percentage": Decimal(entry["percentage"]),
            "coefficient": Decimal(entry["coefficient"]),
            "band_from": _dec(band.get("from_pct")),
            "band_to": _dec(band.get("to_pct")),
            "band_table": entry.get("band_table", ""),
            "kpi": source.get("kpi"),
            "kpi_set": source.get("kpi_set"),
            "input_name": kpi_names.get(source["kpi"], source["kpi"]) if source.get("kpi") else source.get("kpi_set", ""),
            "items": [
                {
                    "kpi": item["kpi"],
                    "weight": Decimal(item["weight"]),
                    "fulfillment": Decimal(item["fulfillment_pct"]),
                    "capped": Decimal(item["capped_pct"]),
                    "weighted": Decimal(item["weighted"]),
                }
                for item in source.get("items", [])
            ],
            "cap_pct": _dec(source.get("cap_pct")),
            "next": _guidance(by_name.get(entry["name"])),
        }
        factors.append(factor)
    return factors


def _definitions(model, employee: Employee, codes: list[str], *, company=None) -> dict:
    """KPIs or measures by code; the company's own definition wins over the catalogue's."""
    rows = catalogue_and_own(model, company=company or employee.company).filter(code__in=codes)
    return {row.code: row for row in rows}


def _trace_measures(trace: dict) -> dict[str, str | None]:
    """The measures a payout's KPIs read, with their values, in the order the KPIs read them."""
    measures: dict[str, str | None] = {}
    for entry in trace.get("kpis", []):
        measures.update(entry.get("measures", {}))
    return measures


#: How the card names an event source.
SOURCE_NAMES = {
    "amocrm": "amoCRM", "bitrix24": "Bitrix24", "yandex-direct": "Yandex Direct", "google-ads": "Google Ads",
    "vk-ads": "VK Ads", "csv": "CSV", "api": "API",
}


def _provenance(trace: dict, entry: dict, employee: Employee, currency: str, *, company=None) -> list[dict]:
    """Where a KPI's event-fed measures came from, as the payout's trace records it (issue 15):
    per measure its value and, per source, the events received and those not counted."""
    fed = (trace.get("provenance") or {}).get("measures", {})
    codes = [code for code in entry.get("measures", {}) if code in fed]
    if not codes:
        return []
    measures = _definitions(Measure, employee, codes, company=company)
    return [
        {
            "code": code,
            "name": catalogue_name(measures[code].name) if code in measures else code,
            "total": Decimal(fed[code]["total"]),
            "format": f"{measures[code].unit if code in measures else 'count'} {currency}",
            "sources": [
                {"name": SOURCE_NAMES.get(s["source"], s["source"]), "received": s["received"], "not_counted": s["received"] - s["counted"]}
                for s in fed[code]["sources"]
            ],
        }
        for code in codes
    ]


def marketer_dashboard(*, outlook: PayoutOutlook, today: date) -> dict:
    """Everything the marketer's page shows for one period: per KPI the plan, the actual so
    far and at the run rate (spec §9), the band and the next one; the projected bonus with its
    coefficients; the measures the what-if starts from."""
    employee, period = outlook.employee, outlook.period
    projection = outlook.projection(today)
    payout = projection["payout"]
    trace = payout["trace"]
    so_far = outlook.recorded.as_json()
    so_far_kpis = {entry["code"]: entry for entry in so_far["trace"].get("kpis", [])}

    kpi_codes = [entry["code"] for entry in trace.get("kpis", [])]
    kpis = _definitions(Kpi, employee, kpi_codes)
    kpi_names = {code: catalogue_name(kpis[code].name) if code in kpis else code for code in kpi_codes}
    factors = _factors(trace, projection["next_bands"], kpi_names)
    bounds = _band_bounds(employee=employee, table_names={f["band_table"] for f in factors})

    cards = []
    for entry in trace.get("kpis", []):
        code = entry["code"]
        earlier = so_far_kpis.get(code, {})
        fulfillment = Decimal(entry["fulfillment_pct"])
        card = {
            "code": code,
            "name": kpi_names[code],
            "unit": kpis[code].unit if code in kpis else "",
            "format": f"{kpis[code].unit if code in kpis else 'ratio'} {employee.company.currency}",
            "lower_is_better": entry.get("direction") == "lower_is_better",
            "plan": _dec(entry.get("plan")),
            "actual_so_far": _dec(earlier.get("actual")),
            "fulfillment_so_far": _dec(earlier.get("fulfillment_pct")),
            "projected": _dec(entry.get("actual")),
            "fulfillment": fulfillment,
            "undefined": "undefined" in entry,
            "no_plan": entry.get("no_plan", False),
            "factor": None,
            "set_item": None,
            "provenance": _provenance(so_far["trace"], earlier, employee, employee.company.currency),
        }
        marks = [HUNDRED]
        for factor in factors:
            if factor["kpi"] == code:
                card["factor"] = factor
                marks = bounds.get(factor["band_table"], marks)
            for item in factor["items"]:
                if item["kpi"] == code:
                    card["set_item"] = {**item, "factor": factor["name"], "cap_pct": factor["cap_pct"]}
                    marks = [HUNDRED, *([factor["cap_pct"]] if factor["cap_pct"] else [])]
        card["bar"] = _bar(fulfillment, marks)
        cards.append(card)

    for factor in factors:
        factor["bar"] = _bar(factor["percentage"], bounds.get(factor["band_table"], [HUNDRED]))

    projected = _trace_measures(trace)
    measure_codes = list(projected)
    measures = _definitions(Measure, employee, measure_codes)
    recorded = _trace_measures(so_far["trace"])
    what_if_measures = [
        {
            "code": code,
            "name": catalogue_name(measures[code].name) if code in measures else code,
            "unit": measures[code].unit if code in measures else "",
            "format": f"{measures[code].unit if code in measures else 'ratio'} {employee.company.currency}",
            "scaled": code in measures and measures[code].aggregation == Measure.Aggregation.SUM,
            "recorded": _dec(recorded.get(code)),
            "projected": _dec(projected.get(code)),
        }
        for code in measure_codes
    ]

    bonus = trace.get("bonus") or {}
    base = bonus.get("base") or {}
    run_rate = Decimal(projection["run_rate"])
    return {
        "employee": employee,
        "currency": employee.company.currency,
        "period": period,
        "closed": False,
        "in_progress": run_rate != 1,
        "run_rate": run_rate,
        "days_elapsed": today.day if period.first_day <= today < period.last_day else None,
        "days": period.days,
        "cards": cards,
        "factors": factors,
        "fixed": Decimal(payout["fixed"]),
        "bonus": Decimal(payout["bonus"]),
        "adjustments": Decimal(payout["adjustments"]),
        "total": Decimal(payout["total"]),
        "bonus_so_far": Decimal(so_far["bonus"]),
        "scheme": bonus.get("scheme"),
        "base_amount": _dec(base.get("amount")),
        "base_share": _dec(base.get("share")),
        "product": _dec(bonus.get("product")),
        "cap_amount": _dec(bonus.get("cap_amount")),
        "capped": bonus.get("capped", False),
        "warnings": [warning_text(w) for w in payout["warnings"]],
        "measures": what_if_measures,
    }


def _trace_kpi_names(trace: dict) -> dict[str, str]:
    """KPI names as the trace stored them when the payout was calculated (in the active
    language for the catalogue's)."""
    return {entry["code"]: catalogue_name(entry.get("name") or entry["code"]) for entry in trace.get("kpis", [])}


def marketer_statement(*, payout: Payout) -> dict:
    """The marketer's page for a closed month: the same blocks as `marketer_dashboard`, every
    figure read from the approved payout (its stored amounts and trace, spec §8), nothing
    recomputed and no advice for a month that is over. Units for the formatting come from
    the KPI definitions (how a number is written, not what it is)."""
    employee, run = payout.employee, payout.run
    trace = payout.trace or {}
    shown = printed(payout)
    currency = shown["company"]["currency"]
    kpi_names = _trace_kpi_names(trace)
    units = {code: kpi.unit for code, kpi in _definitions(Kpi, employee, list(kpi_names), company=run.company).items()}
    factors = _factors(trace, [], kpi_names)
    for factor in factors:
        marks = [mark for mark in (factor["band_from"], factor["band_to"]) if mark]
        factor["bar"] = _bar(factor["percentage"], marks or [HUNDRED])
    cards = []
    for entry in trace.get("kpis", []):
        code = entry["code"]
        unit = units.get(code, "ratio")
        fulfillment = Decimal(entry["fulfillment_pct"])
        card = {
            "code": code,
            "name": kpi_names[code],
            "unit": units.get(code, ""),
            "format": f"{unit} {currency}",
            "lower_is_better": entry.get("direction") == "lower_is_better",
            "plan": _dec(entry.get("plan")),
            "actual": _dec(entry.get("actual")),
            "fulfillment": fulfillment,
            "undefined": "undefined" in entry,
            "no_plan": entry.get("no_plan", False),
            "factor": None,
            "set_item": None,
            "provenance": _provenance(trace, entry, employee, currency, company=run.company),
        }
        marks = [HUNDRED]
        for factor in factors:
            if factor["kpi"] == code:
                card["factor"] = factor
                marks = [mark for mark in (factor["band_from"], factor["band_to"]) if mark] or marks
            for item in factor["items"]:
                if item["kpi"] == code:
                    card["set_item"] = {**item, "factor": factor["name"], "cap_pct": factor["cap_pct"]}
                    marks = [HUNDRED, *([factor["cap_pct"]] if factor["cap_pct"] else [])]
        card["bar"] = _bar(fulfillment, marks)
        cards.append(card)
    bonus = trace.get("bonus") or {}
    base = bonus.get("base") or {}
    return {
        "employee": employee,
        "printed": shown,
        "currency": currency,
        "period": Period.parse(run.period),
        "closed": True,
        "statement": payout,
        "run": run,
        "in_progress": False,
        "cards": cards,
        "factors": factors,
        "fixed": payout.fixed,
        "bonus": payout.bonus,
        "adjustments": payout.adjustments,
        "total": payout.total,
        "scheme": bonus.get("scheme"),
        "base_amount": _dec(base.get("amount")),
        "base_share": _dec(base.get("share")),
        "product": _dec(bonus.get("product")),
        "cap_amount": _dec(bonus.get("cap_amount")),
        "capped": bonus.get("capped", False),
        "warnings": [warning_text(w) for w in payout.warnings],
        "measures": [],
    }


def marketer_closed_without_payout(*, employee: Employee, run: PayrollRun) -> dict:
    """The marketer's page for a month whose run is approved with no payout of theirs (hired
    after it was calculated, or not employed then): the month is closed, and there is nothing
    to show or project; a late payout comes as a correction in an open month."""
    return {
        "employee": employee,
        "currency": employee.company.currency,
        "period": Period.parse(run.period),
        "closed": True,
        "statement": None,
        "run": run,
        "cards": [],
        "factors": [],
        "warnings": [],
        "measures": [],
    }


# ---------------------------------------------------------------------------------------
# The readable statement of one payout


def _day(text: str | None) -> date | None:
    return None if not text else date.fromisoformat(text)


def payout_statement(payout: Payout) -> dict:
    """One payout in words, from its stored amounts and trace only (spec §8): the fixed pay
    with its salary segments, each KPI with its plan, actual and fulfillment, each factor with
    what it reads, its band and coefficient, the bonus formula, the adjustments with their
    reasons and the total. The marketer, and HR reviewing a run, read the same page."""
    run = payout.run
    trace = payout.trace or {}
    shown = printed(payout)
    currency = shown["company"]["currency"]
    kpi_names = _trace_kpi_names(trace)
    entries = trace.get("kpis", [])
    measure_codes = list(dict.fromkeys(code for entry in entries for code in entry.get("measures", {})))
    definitions = _definitions(Kpi, payout.employee, list(kpi_names), company=run.company)
    measure_definitions = _definitions(Measure, payout.employee, measure_codes, company=run.company)

    def measure_row(code: str, value) -> dict:
        definition = measure_definitions.get(code)
        return {
            "code": code,
            "name": catalogue_name(definition.name) if definition else code,
            "value": _dec(value),
            "format": f"{definition.unit if definition else 'ratio'} {currency}",
        }

    kpis = [
        {
            "code": entry["code"],
            "name": kpi_names[entry["code"]],
            "format": f"{definitions[entry['code']].unit if entry['code'] in definitions else 'ratio'} {currency}",
            "formula": entry.get("formula", ""),
            "lower_is_better": entry.get("direction") == "lower_is_better",
            "plan": _dec(entry.get("plan")),
            "actual": _dec(entry.get("actual")),
            "fulfillment": Decimal(entry["fulfillment_pct"]),
            "no_plan": entry.get("no_plan", False),
            "undefined": entry.get("undefined"),
            "measures": [measure_row(code, value) for code, value in entry.get("measures", {}).items()],
            "previous_measures": [measure_row(code, value) for code, value in (entry.get("previous_measures") or {}).items()],
        }
        for entry in entries
    ]
    factors = _factors(trace, [], kpi_names)
    for factor, entry in zip(factors, (trace.get("bonus") or {}).get("factors", []), strict=True):
        factor["unresolved"] = (entry.get("input") or {}).get("unresolved")
        factor["score"] = _dec((entry.get("input") or {}).get("score"))
        for item in factor["items"]:
            item["name"] = kpi_names.get(item["kpi"], item["kpi"])
    fixed = trace.get("fixed") or {}
    bonus = trace.get("bonus")
    base = (bonus or {}).get("base") or {}
    return {
        "payout": payout,
        "run": run,
        "approved": run.status in RELEASED,
        "printed": shown,
        "currency": currency,
        "period": Period.parse(run.period),
        "fixed": {
            "working_days": fixed.get("working_days_in_period"),
            "hire_date": _day(fixed.get("hire_date")),
            "termination_date": _day(fixed.get("termination_date")),
            "segments": [
                {
                    "from": _day(segment["from"]),
                    "to": _day(segment["to"]),
                    "monthly": _dec(segment["monthly_amount"]),
                    "working_days": segment["working_days"],
                    "amount": _dec(segment["amount"]),
                }
                for segment in fixed.get("segments") or []
            ],
            "amount": payout.fixed,
        },
        "kpis": kpis,
        "factors": factors,
        "has_scheme": bonus is not None,
        "scheme": (bonus or {}).get("scheme"),
        "base_kind": base.get("kind"),
        "base_amount": _dec(base.get("amount")),
        "base_share": _dec(base.get("share")),
        "product": _dec((bonus or {}).get("product")),
        "cap": _dec((bonus or {}).get("cap")),
        "cap_amount": _dec((bonus or {}).get("cap_amount")),
        "capped": (bonus or {}).get("capped", False),
        "bonus": payout.bonus,
        "adjustments": [
            {"amount": Decimal(item["amount"]), "reason": item.get("reason", "")} for item in trace.get("adjustments") or []
        ],
        "adjustments_total": payout.adjustments,
        "total": payout.total,
        "warnings": [warning_text(w) for w in payout.warnings],
    }


# ---------------------------------------------------------------------------------------
# What-if


@dataclass
class WhatIfRefused(Exception):
    """Some values cannot be used; `errors` maps measure codes to messages."""

    errors: dict[str, str]


def what_if(*, outlook: PayoutOutlook, today: date, typed: dict[str, str]) -> dict:
    """The bonus with these month-end measures (as the user typed them: `1 234,5` and
    `1,234.5` both read), next to the projection. Values the domain refuses
    (`what_if_measures_validate`) raise `WhatIfRefused` with a message per measure code."""
    try:
        measures = what_if_measures_validate(outlook=outlook, measures=typed)
    except ValidationError as error:
        raise WhatIfRefused({code: messages[0] for code, messages in error.message_dict.items()}) from error
    projected = outlook.projection(today)["payout"]
    # The form starts at the projection rounded to cents: a value left as it was means the
    # projection itself, not its rounding (else 260.87 leads would read 130.44 % for 130.43 %).
    exact = {code: Decimal(value) for code, value in _trace_measures(projected["trace"]).items() if value is not None}
    measures = {
        code: exact[code] if code in exact and value == _cents(exact[code]) else value for code, value in measures.items()
    }
    result = outlook.what_if(measures)
    payout = result["payout"]
    return {
        "fixed": Decimal(payout["fixed"]),
        "bonus": Decimal(payout["bonus"]),
        "total": Decimal(payout["total"]),
        "projected_bonus": Decimal(projected["bonus"]),
        "difference": Decimal(payout["bonus"]) - Decimal(projected["bonus"]),
        "factors": [
            {
                "name": entry["name"],
                "percentage": Decimal(entry["percentage"]),
                "coefficient": Decimal(entry["coefficient"]),
            }
            for entry in (payout["trace"].get("bonus") or {}).get("factors", [])
        ],
        "kpis": [
            {"code": entry["code"], "actual": _dec(entry.get("actual")), "fulfillment": Decimal(entry["fulfillment_pct"])}
            for entry in payout["trace"].get("kpis", [])
        ],
    }


# ---------------------------------------------------------------------------------------
# Pay history and payslips


def employee_final_payouts(*, user, employee: Employee) -> QuerySet[Payout]:
    """The employee's payouts of approved and paid runs (those whose payslips are released)
    that the user may read (`payouts_visible_to`), newest first."""
    return (
        payouts_visible_to(user)
        .filter(employee=employee, run__status__in=RELEASED)
        .select_related("run")
        .order_by("-run__period", "-pk")
    )


def pay_history(*, user, employee: Employee, until: Period, months: int = 12) -> dict:
    """The chart of fixed, bonus and total for the `months` months ending with `until`."""
    periods = [until]
    while len(periods) < months:
        periods.insert(0, periods[0].previous)
    rows = {
        payout.run.period: payout
        for payout in employee_final_payouts(user=user, employee=employee).filter(
            run__period__gte=str(periods[0]), run__period__lte=str(until)
        )
    }
    series = [
        Month(str(p), rows[str(p)].fixed, rows[str(p)].bonus, rows[str(p)].total)
        if str(p) in rows
        else Month(str(p), None, None, None)
        for p in periods
    ]
    return pay_history_chart(series)


# ---------------------------------------------------------------------------------------
# Payroll runs (HR, finance)


def company_runs(*, company) -> QuerySet[PayrollRun]:
    return (
        PayrollRun.objects.filter(company=company)
        .select_related("started_by", "calculated_by", "approved_by")
        .order_by("-period", "-created_at")
    )


def runs_ready_to_pay(*, company) -> QuerySet[PayrollRun]:
    return company_runs(company=company).filter(status=RunStatus.APPROVED)


def runs_paid(*, company, limit: int = 12) -> QuerySet[PayrollRun]:
    return company_runs(company=company).filter(status=RunStatus.PAID).order_by("-paid_at")[:limit]


def run_progress(run: PayrollRun) -> dict:
    """The run's status for the page that polls it."""
    return {
        "id": run.pk,
        "period": run.period,
        "status": run.status,
        "status_label": run_status(run.status),
        "employees": run.employees_total,
        "employees_done": run.employees_done,
        "progress_pct": run.progress_pct if run.status not in LIVE or run.employees_total else 0,
        "working": run.status in LIVE,
    }
