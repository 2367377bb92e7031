"""The run page's review before approval (issue 13, §5), arranged for the templates: the
payouts table (paged, sorted, filtered, with changes and flags), the bonus histogram as
server-rendered SVG geometry (the portal's CSP allows no inline style or script), what
changed since the previous calculation, and the warnings grouped with a link to each fix.
The numbers come from `payroll.review`; this module reads the query and words the labels."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.numbers import nice_ceiling
from payroll import review
from payroll.models import PayrollRun
from portal.labels import catalogue_name, warning_text

PAGE_SIZE = 50
# The histogram's geometry, in SVG user units.
WIDTH, HEIGHT = 960, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 8, 12, 70


def review_query(params) -> review.ReviewQuery:
    """The review's filters and sort from the page's query string; what cannot be read is
    left at its default (a bookmark with a typo still opens the page)."""
    sort = params.get("sort", "number")
    descending = sort.startswith("-")
    sort = sort.removeprefix("-")
    try:
        threshold = Decimal(params.get("threshold", "") or review.DEFAULT_THRESHOLD_PCT)
        if not threshold.is_finite() or threshold < 0:
            raise InvalidOperation
    except InvalidOperation:
        threshold = review.DEFAULT_THRESHOLD_PCT
    return review.ReviewQuery(
        search=params.get("q", "")[:100],
        warnings_only=params.get("warnings") == "1",
        scheme=params.get("scheme", "")[:200],
        sort=sort if sort in review.SORTS else "number",
        descending=descending and sort in review.SORTS,
        threshold_pct=threshold,
    )


def _query_string(query: review.ReviewQuery, **changes) -> str:
    values = {
        "q": query.search,
        "warnings": "1" if query.warnings_only else "",
        "scheme": query.scheme,
        "sort": ("-" if query.descending else "") + query.sort,
        "threshold": "" if query.threshold_pct == review.DEFAULT_THRESHOLD_PCT else f"{query.threshold_pct:f}",
    }
    values.update(changes)
    return urlencode({key: value for key, value in values.items() if value not in ("", None, "number")})


def _columns(query: review.ReviewQuery) -> list[dict]:
    """The sortable columns: each links to its ascending sort, or descending when already ascending."""
    labels = {
        "name": _("Employee"), "number": _("Personnel no."), "fixed": _("Fixed pay"), "bonus": _("Bonus"),
        "total": _("Total"), "change": pgettext("difference from the previous month", "Change"),
    }  # fmt: skip
    columns = []
    for key, label in labels.items():
        current = query.sort == key
        next_sort = f"-{key}" if current and not query.descending else key
        columns.append(
            {
                "key": key,
                "label": label,
                "href": "?" + _query_string(query, sort=next_sort, page=""),
                "aria_sort": ("descending" if query.descending else "ascending") if current else "none",
            }
        )
    return columns


def payouts_table(run: PayrollRun, params) -> dict:
    """One page of the payouts with their changes and flags, and the links around it."""
    query = review_query(params)
    rows_of_run: Any = review.review_payouts(run, query)  # sliced for a page, as a queryset would be
    paginator: Paginator[dict] = Paginator(rows_of_run, PAGE_SIZE)
    page = paginator.get_page(params.get("page"))
    rows = [review.review_row(row, query.threshold_pct) for row in page.object_list]

    def page_link(number: int) -> str:
        return "?" + _query_string(query, page=str(number))

    return {
        "query": query,
        "rows": rows,
        "page": page,
        "count": paginator.count,
        "columns": _columns(query),
        "schemes": review.run_schemes(run),
        "previous_link": page_link(page.previous_page_number()) if page.has_previous() else "",
        "next_link": page_link(page.next_page_number()) if page.has_next() else "",
        "first_link": page_link(1),
        "last_link": page_link(paginator.num_pages),
    }


def _tick(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.1')):f}"


def histogram_chart(buckets: list[review.Bucket]) -> dict:
    """Bars of the bonus histogram in SVG user units, with the count axis (whole numbers)."""
    if not buckets:
        return {"has_data": False}
    highest = max(bucket.count for bucket in buckets)
    step = max(1, int(nice_ceiling(Decimal(highest) / 4))) if highest else 1
    top = step * 4
    plot = Decimal(HEIGHT - TOP - BOTTOM)
    slot = Decimal(WIDTH - LEFT - RIGHT) / len(buckets)
    bar = slot * Decimal("0.8")
    bars = []
    for index, bucket in enumerate(buckets):
        height = plot * bucket.count / top
        x = Decimal(LEFT) + slot * index + (slot - bar) / 2
        bars.append(
            {
                "low": bucket.low,
                "high": bucket.high,
                "count": bucket.count,
                "zero": bucket.low is None,
                "x": _tick(x),
                "y": _tick(Decimal(HEIGHT - BOTTOM) - height),
                "width": _tick(bar),
                "height": _tick(height),
                "label_x": _tick(x + bar / 2),
                "count_y": _tick(Decimal(HEIGHT - BOTTOM) - height - 4),
            }
        )
    return {
        "has_data": True,
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "baseline": HEIGHT - BOTTOM,
        "label_y": HEIGHT - BOTTOM + 20,
        "axis_y": HEIGHT - 12,
        "axis_x": (LEFT + WIDTH - RIGHT) // 2,
        "count_axis_x": 16,
        "count_axis_y": (TOP + HEIGHT - BOTTOM) // 2,
        "bars": bars,
        "ticks": [{"value": step * i, "y": _tick(Decimal(HEIGHT - BOTTOM) - plot * step * i / top)} for i in range(5)],
    }


def _page(name: str, *args, **query) -> str:
    url = reverse(f"portal:{name}", args=args)
    return f"{url}?{urlencode(query)}" if query else url


def _fix_links(run: PayrollRun, group: dict) -> list[dict]:
    """Where the data behind a warning group is fixed: HR's portal pages."""
    kpi, period = group["kpi"], run.period
    code = group["code"]
    if code == "no_plan" and kpi is not None:
        return [{"label": _("Plans for %(kpi)s, %(period)s") % {"kpi": group["kpi_name"], "period": period},
                 "href": _page("plans", period=period)}]  # fmt: skip
    if code == "kpi_undefined" and group["measures"]:
        return [
            {"label": _("Values of %(measure)s, %(period)s") % {"measure": catalogue_name(m.name), "period": period},
             "href": _page("actuals", period=period)}
            for m in group["measures"]
        ]  # fmt: skip
    if code in ("kpi_undefined", "kpi_unknown"):
        return [{"label": _("KPIs"), "href": _page("kpis")}]
    if code in ("factor_unresolved",):
        return [{"label": _("Bonus schemes"), "href": _page("schemes")}]
    if code == "band_table_invalid":
        return [{"label": _("Band tables"), "href": _page("schemes")}]
    if code == "no_working_days":
        return [{"label": _("The company's calendar"), "href": _page("calendar", year=period[:4])}]
    return []  # no salary, no scheme: each employee's page (listed with the group)


def _employee_link(run: PayrollRun, group: dict, employee: dict) -> str:
    """Where one employee's data behind the warning is fixed."""
    if group["code"] == "no_plan" and group["kpi"] is not None:
        return _page("plans", period=run.period)
    if group["code"] == "kpi_undefined":
        return _page("actuals", period=run.period)
    return _page("person", employee["id"])


def warning_groups(run: PayrollRun) -> list[dict]:
    """The run's warnings by kind and KPI, in words, with the employees and where to fix them."""
    groups = review.warning_groups(run)
    for group in groups:
        kpi = group["kpi"]
        group["kpi_name"] = catalogue_name(kpi.name) if kpi is not None else group["kpi_code"]
        group["text"] = warning_text({"code": group["code"], "message": group["message"]})
        group["fixes"] = _fix_links(run, group)
        for employee in group["employees"]:
            employee["href"] = _employee_link(run, group, employee)
    return groups


def _input_label(key: str, subjects: dict) -> str:
    kind, _sep, subject = key.partition(":")
    name = subjects.get(key) or subjects.get(f"measure:{subject}")
    shown = catalogue_name(name.name) if name is not None else subject
    return {
        "plan": _("Plan: %(name)s") % {"name": shown},
        "measure": _("Measure: %(name)s") % {"name": shown},
        "previous": _("Previous month's %(name)s") % {"name": shown},
        "salary": _("Monthly salary from %(date)s") % {"date": subject},
        "adjustment": _("Adjustment %(number)s") % {"number": subject},
        "scheme": _("Bonus scheme"),
        "working_days": _("Working days"),
        "hire_date": _("Hire date"),
        "termination_date": _("Termination date"),
    }.get(kind, key)


def recalculation_changes(run: PayrollRun) -> dict | None:
    """What changed since the previous calculation, with the inputs named in words."""
    changes = review.recalculation_changes(run)
    if changes is None:
        return None
    keys = {item["key"] for row in changes["rows"] for item in row["inputs"]}
    subjects = review.input_subjects(run, keys)
    for row in changes["rows"]:
        for item in row["inputs"]:
            item["label"] = _input_label(item["key"], subjects)
    return changes


def run_review(run: PayrollRun, params) -> dict:
    """Everything the review sections of the run page show."""
    return {
        "review": payouts_table(run, params),
        "histogram": histogram_chart(review.bonus_histogram(run)),
        "warning_groups": warning_groups(run),
        "changes": recalculation_changes(run),
    }
