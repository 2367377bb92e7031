"""Reads for reviewing a run before approval (issue 13, §5): every payout with its change
against the employee's last approved payout and its flags, paged and sorted in SQL; the
bonuses' distribution; the warnings grouped by kind and KPI; what changed since the previous
calculation. And the one write the review needs: keeping what a recalculation replaces.

Every list here costs a fixed number of queries whatever the run's size or the page: the
change against the last approved payout is a correlated subquery of the page's one query
(an index probe per row on PostgreSQL), never a query per row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Abs, Coalesce

from core.numbers import nice_ceiling
from engine.formula import FormulaError, parse_formula
from kpis.models import Kpi, Measure
from kpis.selectors import catalogue_and_own
from payroll.models import FROZEN, Payout, PayrollRun, PreviousPayout

ZERO = Decimal(0)
HUNDRED = Decimal(100)
#: A change against the last approved payout above this share (in %) is flagged.
DEFAULT_THRESHOLD_PCT = Decimal(20)
HISTOGRAM_BUCKETS = 10

#: Sort keys the review offers, and the column each sorts by.
SORTS = {
    "name": "employee__full_name",
    "number": "employee__personnel_number",
    "fixed": "fixed",
    "bonus": "bonus",
    "total": "total",
    "change": "change",
}
MONEY = DecimalField(max_digits=14, decimal_places=2)


@dataclass(frozen=True)
class ReviewQuery:
    """What the reviewer asked for: a search in names and personnel numbers, only payouts
    with warnings, one scheme (by name, as the trace keeps it), the sort and the threshold."""

    search: str = ""
    warnings_only: bool = False
    scheme: str = ""
    sort: str = "number"
    descending: bool = False
    threshold_pct: Decimal = DEFAULT_THRESHOLD_PCT


def _last_approved(run: PayrollRun, field: str, latest: int | None) -> Coalesce | Subquery:
    """`field` of the employee's payout in the latest approved or paid run of an earlier
    period. Most employees have one in the company's latest such run (`latest`): one probe
    of the (run, employee) unique index finds it; only those without one there (new or back
    from leave) go on to the general search, which COALESCE evaluates only for them."""
    anywhere = Subquery(
        Payout.objects.filter(
            employee_id=OuterRef("employee_id"), run__status__in=FROZEN, run__period__lt=run.period,
            run__company_id=run.company_id,
        ).order_by("-run__period", "-run_id").values(field)[:1]
    )  # fmt: skip
    if latest is None:
        return anywhere
    if field == "total":  # a LEFT JOIN of the latest run's payouts (`ReviewRows._with_change`), hashed
        return Coalesce(F("latest_payout__total"), anywhere)
    there = Subquery(
        Payout.objects.filter(run_id=latest, employee_id=OuterRef("employee_id")).order_by().values(field)[:1]
    )
    return Coalesce(there, anywhere)


def latest_approved_run(run: PayrollRun) -> int | None:
    """The id of the company's latest approved or paid run of a period before the run's."""
    return (
        PayrollRun.objects.filter(company_id=run.company_id, status__in=FROZEN, period__lt=run.period)
        .order_by("-period", "-pk").values_list("pk", flat=True).first()
    )  # fmt: skip


def review_payouts(run: PayrollRun, query: ReviewQuery) -> ReviewRows:
    """The run's payouts for the review table, filtered and sorted as asked (`ReviewRows`:
    count it, slice it for a page of dicts); each row with the total of the employee's last
    approved payout (`previous_total`, None when there is none), its period, the change
    (`change`), whether the scheme's cap cut the bonus (`capped`), the scheme's name and the
    warnings."""
    return ReviewRows(run, query, latest_approved_run(run))


class ReviewRows:
    """The review's rows, paged in two steps inside one query: the page's ids are chosen by
    sorting only what the sort needs (no trace, no earlier payout unless sorting by the
    change), then only those rows get their annotations. An offset deep into 10,000 payouts
    then costs a sort, not 5,000 subqueries and traces."""

    def __init__(self, run: PayrollRun, query: ReviewQuery, latest: int | None):
        self.run, self.query, self.latest = run, query, latest
        payouts = Payout.objects.filter(run_id=run.pk)
        if query.search.strip():
            text = query.search.strip()
            payouts = payouts.filter(
                Q(employee__full_name__icontains=text) | Q(employee__personnel_number__icontains=text)
            )
        if query.warnings_only:
            payouts = payouts.exclude(warnings=[])
        if query.scheme:
            payouts = payouts.annotate(scheme_name=KT("trace__bonus__scheme")).filter(scheme_name=query.scheme)
        self.filtered = payouts

    def _ordered(self, payouts: QuerySet) -> QuerySet:
        column = SORTS.get(self.query.sort, SORTS["number"])
        order = F(column).desc(nulls_last=True) if self.query.descending else F(column).asc(nulls_last=True)
        return payouts.order_by(order, "employee__personnel_number", "pk")

    def _with_change(self, payouts: QuerySet) -> QuerySet:
        if self.latest is not None:
            payouts = payouts.annotate(
                latest_payout=FilteredRelation("employee__payouts", condition=Q(employee__payouts__run_id=self.latest))
            )
        return payouts.annotate(
            previous_total=_last_approved(self.run, "total", self.latest),
            change=ExpressionWrapper(F("total") - F("previous_total"), output_field=MONEY),
        )

    def count(self) -> int:
        return self.filtered.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[dict]:
        if not isinstance(window, slice):
            raise TypeError("ReviewRows is sliced for a page")
        chosen = self.filtered.order_by()
        if self.query.sort == "change":
            chosen = self._with_change(chosen)
        page_ids = self._ordered(chosen).values("pk")[window]
        rows = self._with_change(Payout.objects.filter(pk__in=Subquery(page_ids))).annotate(
            previous_period=_last_approved(self.run, "run__period", self.latest),
            scheme_name=KT("trace__bonus__scheme"),
            capped=KT("trace__bonus__capped"),
        )
        rows = self._ordered(rows).values(
            "pk", "employee_id", "employee__full_name", "employee__personnel_number", "fixed", "bonus",
            "adjustments", "total", "warnings", "previous_total", "previous_period", "change", "scheme_name", "capped",
        )  # fmt: skip
        with _without_jit():
            return list(rows)


@contextmanager
def _without_jit():
    """On PostgreSQL, the page's query without JIT compilation: its estimated cost (a subplan
    per payout of the run when sorting by the change) passes `jit_above_cost`, and compiling
    it took ~90 ms of a query that runs in ~45 ms (bench/run_page.py, docs/benchmarks.md).
    `SET LOCAL` ends with the transaction this opens."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        yield


def change_pct(change: Decimal | None, previous: Decimal | None) -> Decimal | None:
    """The change in % of the previous total, exact (None without a previous total or when it is 0)."""
    if change is None or not previous:
        return None
    return change * HUNDRED / previous


def review_row(row: dict, threshold_pct: Decimal) -> dict:
    """A row of `review_payouts` with the change in % (to 0.1, half up) and its flags: the
    bonus cut by the scheme's cap, a zero bonus, a change above the threshold (against a
    previous total of 0, any change is above it)."""
    previous, change = row["previous_total"], row["change"]
    exact = change_pct(change, previous)
    above = previous is not None and change != 0 and (exact is None or abs(exact) > threshold_pct)
    return {
        **row,
        "change_pct": None if exact is None else exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
        "at_cap": row["capped"] in ("true", "1", True, 1),
        "zero_bonus": row["bonus"] == 0,
        "big_change": above,
        "warnings_count": len(row["warnings"] or []),
    }


def run_schemes(run: PayrollRun) -> list[str]:
    """The names of the company's bonus schemes, for the scheme filter."""
    from compensation.models import BonusScheme

    return list(BonusScheme.objects.filter(company_id=run.company_id).order_by("name").values_list("name", flat=True))


# ---------------------------------------------------------------------------------------
# The bonuses' distribution


@dataclass(frozen=True)
class Bucket:
    """Bonuses above `low` up to `high` inclusive; the first bucket holds bonuses of 0 (or less)."""

    low: Decimal | None  # None: the zero bucket
    high: Decimal
    count: int


def bonus_histogram(run: PayrollRun, buckets: int = HISTOGRAM_BUCKETS) -> list[Bucket]:
    """The run's bonuses counted in a zero bucket and `buckets` equal ranges of a round width
    up to the highest bonus: two queries, whatever the run's size."""
    highest = run.payouts.aggregate(highest=Max("bonus"))["highest"]
    if highest is None:
        return []
    step = nice_ceiling(highest / buckets) if highest > 0 else Decimal(1)
    edges = [step * i for i in range(buckets + 1)]
    counts = run.payouts.aggregate(
        zero=Count("id", filter=Q(bonus__lte=0)),
        **{f"b{i}": Count("id", filter=Q(bonus__gt=edges[i - 1], bonus__lte=edges[i])) for i in range(1, buckets + 1)},
    )
    found = [Bucket(None, ZERO, counts["zero"])]
    found += [Bucket(edges[i - 1], edges[i], counts[f"b{i}"]) for i in range(1, buckets + 1)]
    while len(found) > 2 and found[-1].count == 0:  # a round width may leave empty ranges above the highest
        found.pop()
    return found


# ---------------------------------------------------------------------------------------
# Warnings by kind and KPI


def _definitions(model, run: PayrollRun, codes: Iterable[str]) -> dict:
    """KPIs or measures by code; the company's own definition wins over the catalogue's."""
    rows = catalogue_and_own(model, company=run.company).filter(code__in=set(codes))
    if model is Kpi:
        rows = rows.select_related("measure")
    found: dict = {}
    for row in sorted(rows, key=lambda r: r.company_id is not None):
        found[row.code] = row
    return found


def _measures_of(kpi: Kpi) -> list[str]:
    try:
        return sorted(parse_formula(kpi.expression).measures)
    except FormulaError:
        return []


def warning_groups(run: PayrollRun, employees_shown: int = 50) -> list[dict]:
    """The run's warnings grouped by kind (code) and what they concern (a KPI or a factor):
    per group the KPI (its definition, for its name), the measures its formula reads, the
    number of employees and the first `employees_shown` of them. Most employees first."""
    groups: dict[tuple[str, str, str], dict] = {}
    rows = (
        run.payouts.exclude(warnings=[])
        .order_by("employee__personnel_number")
        .values_list("employee_id", "employee__personnel_number", "employee__full_name", "warnings")
    )
    for employee_id, number, name, warnings in rows:
        for warning in warnings:
            key = (warning.get("code", ""), warning.get("kpi") or "", warning.get("factor") or "")
            group = groups.get(key)
            if group is None:
                group = groups[key] = {
                    "code": key[0], "kpi_code": key[1], "factor": key[2], "message": warning.get("message", ""),
                    "employee_ids": set(), "employees": [],
                }  # fmt: skip
            if employee_id not in group["employee_ids"]:
                group["employee_ids"].add(employee_id)
                if len(group["employees"]) < employees_shown:
                    group["employees"].append({"id": employee_id, "personnel_number": number, "name": name})
    kpis = _definitions(Kpi, run, {key[1] for key in groups if key[1]})
    measure_codes = {code: _measures_of(kpi) for code, kpi in kpis.items()}
    measures = _definitions(Measure, run, {m for codes in measure_codes.values() for m in codes})
    found = []
    for group in groups.values():
        kpi = kpis.get(group["kpi_code"])
        group["kpi"] = kpi
        group["measures"] = [measures[m] for m in measure_codes.get(group["kpi_code"], []) if m in measures]
        group["employee_count"] = len(group.pop("employee_ids"))
        found.append(group)
    found.sort(key=lambda g: (-g["employee_count"], g["code"], g["kpi_code"], g["factor"]))
    return found


# ---------------------------------------------------------------------------------------
# What a recalculation changed


def trace_inputs(trace: dict) -> dict[str, str | None]:
    """The input values a payout's calculation used, from its trace, keyed
    `kind:subject` (`plan:leads`, `measure:leads`, `previous:visits`, `salary:2026-11-01`,
    `scheme`, `working_days`, `hire_date`, `termination_date`, `adjustment:1`)."""
    inputs: dict[str, str | None] = {}
    fixed = trace.get("fixed") or {}
    for key in ("working_days_in_period", "hire_date", "termination_date"):
        if key in fixed:
            inputs[key.removesuffix("_in_period")] = None if fixed[key] is None else str(fixed[key])
    for segment in fixed.get("segments", []):
        inputs[f"salary:{segment.get('from')}"] = segment.get("monthly_amount")
    bonus = trace.get("bonus") or {}
    inputs["scheme"] = bonus.get("scheme")
    for kpi in trace.get("kpis", []):
        inputs[f"plan:{kpi['code']}"] = kpi.get("plan")
        for code, value in (kpi.get("measures") or {}).items():
            inputs[f"measure:{code}"] = value
        for code, value in (kpi.get("previous_measures") or {}).items():
            inputs[f"previous:{code}"] = value
    for number, adjustment in enumerate(trace.get("adjustments", []), start=1):
        inputs[f"adjustment:{number}"] = f"{adjustment.get('amount')} {adjustment.get('reason', '')}".strip()
    return inputs


def inputs_differ(old: dict, new: dict) -> list[dict]:
    """The inputs whose value differs, in a stable order: `key`, `old`, `new` (None: absent)."""
    return [
        {"key": key, "old": old.get(key), "new": new.get(key)}
        for key in sorted(set(old) | set(new))
        if old.get(key) != new.get(key)
    ]


def trace_input_parts(trace: dict) -> dict:
    """The parts of a trace `trace_inputs` reads: what a `PreviousPayout` keeps of it."""
    return {
        "fixed": trace.get("fixed"),
        "kpis": trace.get("kpis", []),
        "bonus": {"scheme": (trace.get("bonus") or {}).get("scheme")},
        "adjustments": trace.get("adjustments", []),
    }


def previous_payouts_keep(run: PayrollRun) -> int:
    """Before a recalculation replaces the run's payouts: keep each employee's figures and
    the inputs part of the trace (`trace_input_parts`) as `PreviousPayout`s, replacing those
    of an earlier recalculation. Only a finished calculation is kept: the payouts of one
    interrupted by a recalculation are partial, and the figures of the last finished one
    stay. On PostgreSQL one `INSERT … SELECT` (0.1 s where reading the traces into Python
    took 2.5 s at 10,000, inside the split's transaction). Returns how many were kept."""
    calculated_at = run.calculated_at
    if calculated_at is None or (run.calculation_started_at and calculated_at < run.calculation_started_at):
        return 0
    PreviousPayout.objects.filter(run_id=run.pk).delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {PreviousPayout._meta.db_table}"
                " (run_id, calculated_at, employee_id, fixed, bonus, adjustments, total, inputs)"
                " SELECT run_id, %s, employee_id, fixed, bonus, adjustments, total, jsonb_build_object("
                " 'fixed', trace->'fixed', 'kpis', COALESCE(trace->'kpis', '[]'::jsonb),"
                " 'bonus', jsonb_build_object('scheme', trace->'bonus'->'scheme'),"
                " 'adjustments', COALESCE(trace->'adjustments', '[]'::jsonb))"
                f" FROM {Payout._meta.db_table} WHERE run_id = %s",
                [calculated_at, run.pk],
            )
            return cursor.rowcount
    kept, batch = 0, []
    rows = run.payouts.order_by().values_list("employee_id", "fixed", "bonus", "adjustments", "total", "trace")
    for employee_id, fixed, bonus, adjustments, total, trace in rows.iterator(chunk_size=2000):
        batch.append(
            PreviousPayout(
                run_id=run.pk, calculated_at=calculated_at, employee_id=employee_id, fixed=fixed, bonus=bonus,
                adjustments=adjustments, total=total, inputs=trace_input_parts(trace),
            )
        )  # fmt: skip
        if len(batch) >= 2000:
            PreviousPayout.objects.bulk_create(batch)
            kept, batch = kept + len(batch), []
    PreviousPayout.objects.bulk_create(batch)
    return kept + len(batch)


def recalculation_changes(run: PayrollRun, limit: int = 100) -> dict | None:
    """What changed since the previous calculation (None when the run has had none):
    employees whose total changed or who left the run (largest change first), and those who
    joined it; for the first `limit` of each, old and new figures and the inputs that differ.
    A recalculation that moved no total lists nobody. A fixed number of queries."""
    previous = PreviousPayout.objects.filter(run_id=run.pk)
    calculated_at = previous.values_list("calculated_at", flat=True).first()
    if calculated_at is None:
        return None
    current = Payout.objects.filter(run_id=run.pk, employee_id=OuterRef("employee_id"))
    changed = (
        previous.annotate(new_total=Subquery(current.values("total")[:1]))
        .filter(Q(new_total__isnull=True) | ~Q(new_total=F("total")))
        .annotate(delta=ExpressionWrapper(F("new_total") - F("total"), output_field=MONEY))
    )
    joined = Payout.objects.filter(run_id=run.pk).filter(
        ~Exists(PreviousPayout.objects.filter(run_id=run.pk, employee_id=OuterRef("employee_id")))
    )
    changed_count, joined_count = changed.count(), joined.count()
    shown = list(
        changed.select_related("employee").order_by(Abs("delta").desc(nulls_last=True), "employee__personnel_number")[
            :limit
        ]
    )
    joined_shown = list(joined.select_related("employee").order_by("employee__personnel_number")[:limit])
    new_payouts = {
        p.employee_id: p
        for p in Payout.objects.filter(run_id=run.pk, employee_id__in=[row.employee_id for row in shown]).only(
            "employee_id", "fixed", "bonus", "adjustments", "total", "trace"
        )
    }
    rows = []
    for row in shown:
        new = new_payouts.get(row.employee_id)
        rows.append(
            {
                "employee": row.employee,
                "old_total": row.total,
                "new_total": None if new is None else new.total,
                "delta": row.delta,
                "old_bonus": row.bonus,
                "new_bonus": None if new is None else new.bonus,
                "inputs": [] if new is None else inputs_differ(trace_inputs(row.inputs), trace_inputs(new.trace)),
                "left": new is None,
            }
        )
    return {
        "calculated_at": calculated_at,
        "changed_count": changed_count,
        "rows": rows,
        "joined_count": joined_count,
        "joined": [{"employee": p.employee, "new_total": p.total, "payout_id": p.pk} for p in joined_shown],
    }


def input_subjects(run: PayrollRun, keys: Iterable[str]) -> dict[str, object]:
    """The KPIs and measures that input keys of `trace_inputs` name, by their code."""
    codes: dict[str, set[str]] = defaultdict(set)
    for key in keys:
        kind, _, subject = key.partition(":")
        if kind in ("plan", "measure", "previous"):
            codes["kpi" if kind == "plan" else "measure"].add(subject)
    return {
        **{f"plan:{code}": row for code, row in _definitions(Kpi, run, codes["kpi"]).items()},
        **{f"measure:{code}": row for code, row in _definitions(Measure, run, codes["measure"]).items()},
    }
