"""What an approver confirms (issue 13, item 6): the run's people, totals and warnings, the
change against the previous month's approved run, and what would refuse the approval."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from compensation.models import SalaryAgreement, SchemeAssignment
from engine import Period
from kpis.models import MeasureValue, Plan
from payroll.books import run_books_problems
from payroll.models import FROZEN, Adjustment, PayrollRun
from payroll.services import approval_refusal


@dataclass(frozen=True)
class Change:
    label: str
    now: Decimal
    before: Decimal | None

    @property
    def delta(self) -> Decimal | None:
        return None if self.before is None else self.now - self.before

    @property
    def pct(self) -> Decimal | None:
        """The change in per cent of the previous figure (None without one, or from zero)."""
        if self.before is None or self.before == 0:
            return None
        return ((self.now - self.before) * 100 / self.before).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class ApprovalSummary:
    run: PayrollRun
    previous: PayrollRun | None
    people: Change
    figures: list[Change]
    warned_employees: int
    warning_kinds: list[tuple[str, int]] = field(default_factory=list)  # (code, warnings), most first
    refusal: str = ""  # why the month keeps the run from approval, if it does
    books_problems: list[str] = field(default_factory=list)
    # (kind, rows) of the period's inputs written since the calculation started: the run
    # does not show them; recalculate before approving.
    inputs_changed: list[tuple[str, int]] = field(default_factory=list)


def previous_approved_run(run: PayrollRun) -> PayrollRun | None:
    """The company's approved or paid run of the month before `run`'s."""
    previous = str(Period.parse(run.period).previous)
    return (
        PayrollRun.objects.filter(company_id=run.company_id, period=previous, status__in=FROZEN)
        .order_by("-approved_at")
        .first()
    )


def inputs_changed_since_calculation(run: PayrollRun) -> list[tuple[str, int]]:
    """The period's inputs created, changed or deleted after the run's calculation started
    (from their history): plans, measure values and adjustments of the period, salaries and
    scheme assignments dated up to its last day. (kind, rows), only kinds with a row."""
    if run.calculation_started_at is None:
        return []
    since = {"history_date__gt": run.calculation_started_at, "employee__company_id": run.company_id}
    last_day = Period.parse(run.period).last_day
    found = [
        ("plans", Plan.history.filter(period=run.period, **since)),
        ("measure values", MeasureValue.history.filter(period=run.period, **since)),
        ("adjustments", Adjustment.history.filter(period=run.period, **since)),
        ("salary agreements", SalaryAgreement.history.filter(effective_from__lte=last_day, **since)),
        ("scheme assignments", SchemeAssignment.history.filter(effective_from__lte=last_day, **since)),
    ]
    counted = [(kind, rows.values("id").distinct().count()) for kind, rows in found]
    return [(kind, count) for kind, count in counted if count]


def run_approval_summary(run: PayrollRun) -> ApprovalSummary:
    previous = previous_approved_run(run)
    kinds: Counter[str] = Counter()
    for warnings in run.payouts.exclude(warnings=[]).values_list("warnings", flat=True).iterator(chunk_size=2000):
        kinds.update(w.get("code", "") for w in warnings)

    def before(name: str):
        return getattr(previous, name) if previous is not None else None

    refusal = approval_refusal(run)
    return ApprovalSummary(
        run=run,
        previous=previous,
        people=Change(
            "people", Decimal(run.employees_total), None if previous is None else Decimal(previous.employees_total)
        ),
        figures=[
            Change("fixed", run.fixed_total, before("fixed_total")),
            Change("bonus", run.bonus_total, before("bonus_total")),
            Change("adjustments", run.adjustments_total, before("adjustments_total")),
            Change("total", run.total, before("total")),
        ],
        warned_employees=run.warnings_count,
        warning_kinds=kinds.most_common(),
        refusal=refusal.message if refusal is not None else "",
        books_problems=run_books_problems(run),
        inputs_changed=inputs_changed_since_calculation(run) if run.status not in FROZEN else [],
    )


def confirmed_calculation(value: str | None) -> int:
    """The calculation number a confirmation form posted back; one that is missing or not a
    number confirms nothing (-1 matches no calculation, so approval answers `run_changed`)."""
    try:
        return int(value) if value else -1
    except ValueError:
        return -1
