"""Corrections of closed periods (issue 13, item 4): HR records corrected inputs of a
period whose run is approved or paid, the engine recomputes the affected employees with
them, and approval (four-eyes, like a run) posts each employee's delta as an adjustment in
the next open period. The approved rows and payouts are never written.

The numbers, per affected employee:

- `approved_total`: the period's corrected figure so far, the approved payout's total plus
  the deltas of the period's corrections approved earlier;
- `baseline_total`: the period recomputed from its inputs with the earlier approved
  corrections' changes laid over (with no configuration changed since, it equals
  `approved_total`);
- `total`: the same with this correction's changes laid over too;
- `delta = total − baseline_total`: what this correction changes. Measured against the
  baseline rather than the approved figure, so a configuration row edited since the
  approval (schemes and band tables stay editable; their change applies from the next open
  period) never leaks into a correction. A period's corrected figure is therefore always
  the approved payout + the approved corrections' deltas.

The calculation takes the run's path: split into chunks, compute each chunk (with
`payroll_inputs` → `engine.calculate_payout`), finalize; `payroll.tasks` drives it when
`correction_calculation_requested` is sent."""

from __future__ import annotations

import calendar
import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Sum
from django.dispatch import Signal
from django.utils import timezone

import engine
from compensation.models import BonusScheme
from compensation.selectors import company_configuration
from engine import Period, calculate_payout
from kpis.models import Kpi, Measure
from organizations.models import Company, Employee
from payroll.models import (
    CORRECTION_EDITABLE,
    FROZEN,
    Adjustment,
    Correction,
    CorrectionChange,
    CorrectionResult,
    CorrectionStatus,
    Payout,
    PayrollRun,
)
from payroll.selectors import payroll_inputs
from payroll.services.lifecycle import adjustment_period_ensure_open, four_eyes_blocks
from payroll.services.runs import Chunk, RunStateError, lock_employees, lock_shared_state
from payroll.services.signals import send_on_commit

# Error codes (the API answers 409 with them).
CORRECTION_PERIOD_OPEN = "correction_period_open"
CORRECTION_NOT_EDITABLE = "correction_not_editable"
CORRECTION_NOT_CALCULATED = "correction_not_calculated"
CORRECTION_ENDED = "correction_ended"
CORRECTION_NO_CHANGES = "correction_no_changes"
CORRECTION_STALE = "correction_stale"
CORRECTION_FOUR_EYES = "four_eyes"
CORRECTION_NO_OPEN_PERIOD = "correction_no_open_period"
CORRECTION_POSTED = "correction_posted"

#: A correction's calculation was asked for (arguments: correction_id, calculation).
correction_calculation_requested = Signal()

#: How far ahead the next open period is looked for (a company that approved ten years ahead has other problems).
OPEN_PERIOD_HORIZON = 120


class CorrectionError(RunStateError):
    """The correction's state (or its period's) does not allow this; `code` says why. A
    `RunStateError` (so a `DomainError`): the callers that catch a run's refusals (the
    admin's bulk delete of adjustments) catch a correction's too."""


@dataclass(frozen=True)
class ChangeSpec:
    """One corrected input as a caller gives it (the API, the portal, a test)."""

    employee: Employee
    kind: str
    value: Decimal | None = None
    measure: Measure | None = None
    kpi: Kpi | None = None
    scheme: BonusScheme | None = None
    effective_from: date | None = None
    note: str = ""


# --- the period ----------------------------------------------------------------------------


def closed_run(*, company: Company | int, period: str) -> PayrollRun | None:
    """The approved or paid run of the company-period, or None while it is open."""
    company_id = company if isinstance(company, int) else company.pk
    return PayrollRun.objects.filter(company_id=company_id, period=str(period), status__in=FROZEN).first()


def next_open_period(*, company: Company | int, after: Period) -> Period:
    """The first period after `after` whose company-period has no approved or paid run."""
    company_id = company if isinstance(company, int) else company.pk
    frozen = set(
        PayrollRun.objects.filter(company_id=company_id, period__gt=str(after), status__in=FROZEN).values_list(
            "period", flat=True
        )
    )
    candidate = after.next
    for _ in range(OPEN_PERIOD_HORIZON):
        if str(candidate) not in frozen:
            return candidate
        candidate = candidate.next
    raise CorrectionError(CORRECTION_NO_OPEN_PERIOD, f"no open period after {after} to post the correction to")


def month_name(period: str) -> str:
    """`2026-11` → `November 2026`."""
    parsed = Period.parse(period)
    return f"{calendar.month_name[parsed.month]} {parsed.year}"


def signed_money(amount: Decimal) -> str:
    """`-1250` → `−1,250.00`, `1250` → `+1,250.00` (a delta always shows its sign)."""
    sign = "−" if amount < 0 else "+"
    return f"{sign}{abs(amount):,.2f}"


def posted_reason(correction: Correction, delta: Decimal) -> str:
    """The reason the posted adjustment carries (the payslip prints it):
    `correction for November 2026: −1,250.00 — 14 leads disqualified`."""
    text = f"correction for {month_name(correction.period)}: {signed_money(delta)} — {correction.reason}"
    return text[: Adjustment._meta.get_field("reason").max_length]


# --- recording a correction ----------------------------------------------------------------


def _ensure_closed(company: Company, period: str) -> PayrollRun:
    run = closed_run(company=company, period=period)
    if run is None:
        raise CorrectionError(
            CORRECTION_PERIOD_OPEN,
            f"{month_name(period)} is not closed (no approved run); change its inputs directly and recalculate the run",
        )
    return run


def _locked(correction_id: int) -> Correction:
    return Correction.objects.select_for_update().select_related("company").get(pk=correction_id)


def _ensure_editable(correction: Correction) -> None:
    if correction.status not in CORRECTION_EDITABLE:
        raise CorrectionError(
            CORRECTION_NOT_EDITABLE, f"the correction is {correction.status}; its changes can no longer be edited"
        )


def _current_value(change: CorrectionChange, period: Period) -> str:
    """What the change corrects, as the period's rows say now (for the page: "was")."""
    from compensation.models import SalaryAgreement, SchemeAssignment
    from kpis.models import MeasureValue, Plan

    found: Any = None
    if change.kind == CorrectionChange.Kind.MEASURE and change.measure_id is not None:
        found = MeasureValue.objects.filter(
            employee_id=change.employee_id, period=str(period), measure_id=change.measure_id
        ).values_list("value", flat=True).first()
    elif change.kind == CorrectionChange.Kind.PLAN and change.kpi_id is not None:
        found = Plan.objects.filter(
            employee_id=change.employee_id, period=str(period), kpi_id=change.kpi_id
        ).values_list("value", flat=True).first()
    elif change.kind == CorrectionChange.Kind.SALARY:
        found = SalaryAgreement.objects.filter(
            employee_id=change.employee_id, effective_from__lte=change.effective_from or period.last_day
        ).order_by("-effective_from").values_list("monthly_amount", flat=True).first()
    elif change.kind == CorrectionChange.Kind.SCHEME:
        found = SchemeAssignment.objects.filter(
            employee_id=change.employee_id, effective_from__lte=period.last_day
        ).order_by("-effective_from").values_list("scheme__name", flat=True).first()
    return "" if found is None else str(found)[:100]


def _validated_change(correction: Correction, spec: ChangeSpec) -> CorrectionChange:
    """The change as a row, refused (ValidationError, field by field) unless it fits the
    correction's company and period."""
    period = Period.parse(correction.period)
    kind = CorrectionChange.Kind
    errors: dict[str, list[str]] = defaultdict(list)
    if spec.employee.company_id != correction.company_id:
        errors["employee"].append("not an employee of the correction's company")
    elif spec.employee.hire_date > period.last_day or (
        spec.employee.termination_date is not None and spec.employee.termination_date < period.first_day
    ):
        errors["employee"].append(f"not employed in {month_name(correction.period)}")
    if spec.kind not in kind.values:
        errors["kind"].append(f"one of {', '.join(kind.values)}")
    needs = {
        "measure": "measure", "plan": "kpi", "scheme": "scheme", "salary": "effective_from",
    }.get(str(spec.kind))  # fmt: skip
    if needs and getattr(spec, needs) is None:
        errors[needs].append("required for this kind of change")
    for name, obj in (("measure", spec.measure), ("kpi", spec.kpi)):
        if obj is not None and obj.company_id not in (None, correction.company_id):
            errors[name].append("not one of the company's")
    if spec.scheme is not None and spec.scheme.company_id != correction.company_id:
        errors["scheme"].append("not one of the company's")
    if spec.kind != kind.SCHEME:
        if spec.value is None:
            errors["value"].append("required")
        elif spec.kind in (kind.PLAN, kind.SALARY) and spec.value <= 0:
            errors["value"].append("must be greater than 0")
        elif spec.kind == kind.MEASURE and spec.value < 0:
            errors["value"].append("must not be negative")
        elif spec.kind == kind.ADJUSTMENT and spec.value == 0:
            errors["value"].append("must not be 0")
    if spec.kind == kind.SALARY and spec.effective_from is not None and spec.effective_from > period.last_day:
        errors["effective_from"].append(f"must be on or before {period.last_day} to count in {correction.period}")
    if spec.kind == kind.ADJUSTMENT and not spec.note.strip():
        errors["note"].append("say what the adjustment is for")
    if errors:
        raise ValidationError(dict(errors))
    change = CorrectionChange(
        correction=correction,
        employee=spec.employee,
        kind=spec.kind,
        value=None if spec.kind == kind.SCHEME else spec.value,
        measure=spec.measure if spec.kind == kind.MEASURE else None,
        kpi=spec.kpi if spec.kind == kind.PLAN else None,
        scheme=spec.scheme if spec.kind == kind.SCHEME else None,
        effective_from=spec.effective_from if spec.kind == kind.SALARY else None,
        note=spec.note.strip() if spec.kind == kind.ADJUSTMENT else "",
    )
    change.full_clean(exclude=["correction"])
    change.was = _current_value(change, period)
    return change


def correction_create(
    *, company: Company, period: str, reason: str, changes: Sequence[ChangeSpec] = (), created_by=None, chunk_size=None
) -> Correction:
    """Record a correction of a closed period with its changes (a draft: nothing is
    computed until `correction_calculate`)."""
    from django.conf import settings

    period = str(Period.parse(str(period)))
    correction = Correction(
        company=company,
        period=period,
        reason=reason.strip(),
        created_by=created_by,
        chunk_size=chunk_size or settings.PAYROLL_CHUNK_SIZE,
    )
    correction.full_clean(exclude=["created_by"])
    _ensure_closed(company, period)
    with transaction.atomic():
        correction.save()
        rows = [_validated_change(correction, spec) for spec in changes]
        CorrectionChange.objects.bulk_create(rows)
    return correction


def _back_to_draft(correction: Correction) -> None:
    """Its changes changed: the results are of other inputs."""
    correction.results.all().delete()
    correction.calculation += 1  # chunks still under way write nothing
    correction.status = CorrectionStatus.DRAFT
    correction.calculated_at = None
    correction.delta_total = Decimal("0.00")
    correction.changed_count = 0
    correction.save(update_fields=["status", "calculation", "calculated_at", "delta_total", "changed_count"])


def correction_change_add(*, correction: Correction, change: ChangeSpec) -> CorrectionChange:
    with transaction.atomic():
        correction = _locked(correction.pk)
        _ensure_editable(correction)
        row = _validated_change(correction, change)
        row.save()
        _back_to_draft(correction)
    return row


def correction_change_remove(*, change: CorrectionChange) -> None:
    with transaction.atomic():
        correction = _locked(change.correction_id)
        _ensure_editable(correction)
        change.delete()
        _back_to_draft(correction)


# --- the calculation -------------------------------------------------------------------------


def correction_calculate(*, correction: Correction, requested_by=None) -> Correction:
    """(Re)compute the correction; its results are replaced when the chunks write theirs."""
    with transaction.atomic():
        correction = _locked(correction.pk)
        if correction.status not in (*CORRECTION_EDITABLE, CorrectionStatus.CALCULATING):
            raise CorrectionError(CORRECTION_ENDED, f"the correction is {correction.status}")
        _ensure_closed(correction.company, correction.period)
        if not correction.changes.exists():
            raise CorrectionError(CORRECTION_NO_CHANGES, "the correction has no changes to compute")
        correction.calculation += 1
        correction.calculated_by = requested_by
        correction.status = CorrectionStatus.CALCULATING
        correction.error = ""
        correction.save(update_fields=["calculation", "calculated_by", "status", "error"])
        send_on_commit(correction_calculation_requested, correction_id=correction.pk, calculation=correction.calculation)
    correction.refresh_from_db()
    return correction


def _approved_ids(correction: Correction) -> list[int]:
    """The period's approved corrections other than this one, in the order they were approved."""
    return list(
        Correction.objects.filter(
            company_id=correction.company_id, period=correction.period, status=CorrectionStatus.APPROVED
        ).exclude(pk=correction.pk).order_by("approved_at", "pk").values_list("pk", flat=True)
    )  # fmt: skip


def correction_split(*, correction_id: int, calculation: int) -> list[Chunk]:
    """Begin a calculation: drop earlier results, note what it stacks on, cut the affected
    employees (those with a change) into chunks. No chunks when the calculation is stale."""
    with transaction.atomic():
        correction = _locked(correction_id)
        if correction.calculation != calculation or correction.status != CorrectionStatus.CALCULATING:
            return []
        correction.results.all().delete()
        ids = list(
            Employee.objects.filter(pk__in=correction.changes.values("employee_id"))
            .order_by("personnel_number").values_list("pk", flat=True)
        )  # fmt: skip
        size = max(correction.chunk_size, 1)
        chunks = [Chunk(n, ids[start : start + size]) for n, start in enumerate(range(0, len(ids), size))]
        correction.stacked_on = _approved_ids(correction)
        correction.employees_total = len(ids)
        correction.employees_done = 0
        correction.chunks_total = len(chunks)
        correction.calculation_started_at = timezone.now()
        correction.save(
            update_fields=["stacked_on", "employees_total", "employees_done", "chunks_total", "calculation_started_at"]
        )
    return chunks


def _overlay(
    data: engine.PayoutInput, changes: Iterable[CorrectionChange], schemes: dict[int, tuple[engine.Scheme, tuple]]
) -> engine.PayoutInput:
    """The engine's input with the changes laid over, in order (a later one wins)."""
    plans = dict(data.plans)
    measures = dict(data.measures)
    salaries = {agreement.effective_from: agreement for agreement in data.salary_agreements}
    adjustments = list(data.adjustments)
    scheme, warnings = data.scheme, data.warnings
    kind = CorrectionChange.Kind
    for change in changes:
        value, day = change.value, change.effective_from
        if change.kind == kind.SCHEME and change.scheme_id in schemes:
            scheme, warnings = schemes[change.scheme_id]
        elif value is None:  # refused when entered: only a scheme change has no value
            continue
        elif change.kind == kind.MEASURE and change.measure is not None:
            measures[change.measure.code] = value
        elif change.kind == kind.PLAN and change.kpi is not None:
            plans[change.kpi.code] = value
        elif change.kind == kind.SALARY and day is not None:
            salaries[day] = engine.SalaryAgreement(day, engine.quantize_money(value))
        elif change.kind == kind.ADJUSTMENT:
            adjustments.append(engine.Adjustment(engine.quantize_money(value), change.note))
    return dataclasses.replace(
        data,
        plans=plans,
        measures=measures,
        salary_agreements=tuple(salaries[day] for day in sorted(salaries)),
        adjustments=tuple(adjustments),
        scheme=scheme,
        warnings=warnings,
    )


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    """A trace as `path → leaf` (`bonus.factors[0].coefficient → "1.2"`)."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_flat(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list):
        out = {}
        for index, item in enumerate(value):
            out.update(_flat(item, f"{prefix}[{index}]"))
        return out
    return {prefix: value}


def changed_lines(before: dict, after: dict) -> list[dict[str, Any]]:
    """The trace lines (`bonus.factors[0].coefficient`) that differ, in the corrected
    trace's order; equal parts of the two traces are skipped whole, not flattened."""
    lines: list[dict[str, Any]] = []
    _diff(before, after, "", lines)
    return lines


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _diff(was: Any, now: Any, prefix: str, lines: list[dict[str, Any]]) -> None:
    if was == now:
        return
    if isinstance(was, dict) and isinstance(now, dict):
        for key, value in now.items():
            _diff(was.get(key), value, _join(prefix, str(key)), lines)
        for key, value in was.items():
            if key not in now:
                _diff(value, None, _join(prefix, str(key)), lines)
        return
    if isinstance(was, list) and isinstance(now, list):
        for index in range(max(len(was), len(now))):
            _diff(was[index] if index < len(was) else None, now[index] if index < len(now) else None, f"{prefix}[{index}]", lines)
        return
    if isinstance(now, (dict, list)) or isinstance(was, (dict, list)):  # a part appeared, went or changed shape
        old, new = _flat(was, prefix) if was is not None else {}, _flat(now, prefix) if now is not None else {}
        lines += [{"line": path, "was": old.get(path), "now": value} for path, value in new.items() if old.get(path) != value]
        lines += [{"line": path, "was": value, "now": None} for path, value in old.items() if path not in new]
        return
    lines.append({"line": prefix, "was": was, "now": now})


def _changes_by_employee(correction_ids: Sequence[int], employee_ids: Sequence[int]) -> dict[int, list[CorrectionChange]]:
    """The changes of these corrections for these employees, correction by correction in
    the given order, each in the order entered."""
    order = {pk: n for n, pk in enumerate(correction_ids)}
    rows = sorted(
        CorrectionChange.objects.filter(correction_id__in=correction_ids, employee_id__in=employee_ids)
        .select_related("measure", "kpi"),
        key=lambda change: (order[change.correction_id], change.pk),
    )
    found: dict[int, list[CorrectionChange]] = defaultdict(list)
    for change in rows:
        found[change.employee_id].append(change)
    return found


_RESULT_COLUMNS = (
    "correction_id", "employee_id", "chunk", "approved_total", "baseline_total", "fixed", "bonus", "adjustments",
    "total", "delta", "warnings", "trace", "changed_lines",
)  # fmt: skip


def _write_results(results: list[CorrectionResult]) -> None:
    """Insert results: with COPY on PostgreSQL (their traces are most of what is written, as
    for the run's payouts: `calculation._write_payouts`), in bulk elsewhere."""
    if not results:
        return
    if connection.vendor != "postgresql":
        CorrectionResult.objects.bulk_create(results, batch_size=1000)
        return
    from psycopg.types.json import Jsonb

    statement = f"COPY {CorrectionResult._meta.db_table} ({', '.join(_RESULT_COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, connection.wrap_database_errors, cursor.cursor.copy(statement) as copy:
        for r in results:
            copy.write_row(
                (
                    r.correction_id, r.employee_id, r.chunk, r.approved_total, r.baseline_total, r.fixed, r.bonus,
                    r.adjustments, r.total, r.delta, Jsonb(r.warnings), Jsonb(r.trace), Jsonb(r.changed_lines),
                )
            )


def correction_chunk_compute(*, correction_id: int, calculation: int, chunk: Chunk) -> bool:
    """Compute one chunk's results and write those not written yet (a redelivered copy
    writes nothing twice). Returns whether the correction may be complete."""
    correction = Correction.objects.select_related("company").filter(pk=correction_id).first()
    if correction is None or correction.calculation != calculation or correction.status != CorrectionStatus.CALCULATING:
        return False
    company, period = correction.company, Period.parse(correction.period)
    done = set(
        CorrectionResult.objects.filter(correction_id=correction_id, employee_id__in=chunk.employee_ids).values_list(
            "employee_id", flat=True
        )
    )
    employees = list(Employee.objects.filter(company=company, pk__in=[i for i in chunk.employee_ids if i not in done]))
    ids = [employee.pk for employee in employees]
    configuration = company_configuration(company=company, period=period)
    earlier = _changes_by_employee(correction.stacked_on, ids)
    own = _changes_by_employee([correction.pk], ids)
    scheme_ids = {c.scheme_id for changes in (*earlier.values(), *own.values()) for c in changes if c.scheme_id}
    schemes = configuration.schemes(scheme_ids)
    run = closed_run(company=company, period=correction.period)
    approved = dict(
        Payout.objects.filter(run=run, employee_id__in=ids).values_list("employee_id", "total")
    ) if run else {}  # fmt: skip
    deltas = dict(
        CorrectionResult.objects.filter(correction_id__in=correction.stacked_on, employee_id__in=ids)
        .values("employee_id").annotate(sum=Sum("delta")).values_list("employee_id", "sum")
    )  # fmt: skip
    by_number = {employee.personnel_number: employee for employee in employees}
    zero = Decimal("0.00")
    results = []
    for data in payroll_inputs(company=company, period=period, employees=employees, configuration=configuration):
        employee = by_number[data.employee]
        baseline_input = _overlay(data, earlier.get(employee.pk, ()), schemes)
        baseline = calculate_payout(baseline_input)
        corrected = calculate_payout(_overlay(baseline_input, own.get(employee.pk, ()), schemes))
        approved_total = approved.get(employee.pk, zero) + (deltas.get(employee.pk) or zero)
        warnings = list(corrected.warnings)
        if baseline.total != approved_total:
            warnings.append(
                {
                    "code": "baseline_differs",
                    "message": f"recomputed without this correction the period gives {baseline.total}, not the "
                    f"approved {approved_total} (the configuration changed since); the delta counts only this correction",
                }
            )
        results.append(
            CorrectionResult(
                correction_id=correction_id,
                employee_id=employee.pk,
                chunk=chunk.index,
                approved_total=approved_total,
                baseline_total=baseline.total,
                fixed=corrected.fixed,
                bonus=corrected.bonus,
                adjustments=corrected.adjustments,
                total=corrected.total,
                delta=corrected.total - baseline.total,
                warnings=warnings,
                trace=corrected.trace,
                changed_lines=changed_lines(baseline.trace, corrected.trace),
            )
        )
    with transaction.atomic():
        # As a run's chunk: chunks write side by side under a key-share lock on the
        # correction (approval and cancellation lock it for update and wait), and a second
        # copy of this chunk waits on the employees' locks, then finds their results written.
        if lock_shared_state(Correction, correction_id) != (CorrectionStatus.CALCULATING, calculation):
            return False
        present = lock_employees(ids)
        written = set(
            CorrectionResult.objects.filter(correction_id=correction_id, employee_id__in=ids).values_list(
                "employee_id", flat=True
            )
        )
        results = [r for r in results if r.employee_id in present and r.employee_id not in written]
        _write_results(results)
        progress = Correction.objects.filter(pk=correction_id)
        progress.update(employees_done=F("employees_done") + len(results))
        done_count, total = progress.values_list("employees_done", "employees_total").get()
    return done_count >= total


def correction_finalize(*, correction_id: int, calculation: int) -> Correction | None:
    """Sum the deltas and mark the correction calculated (None when stale)."""
    with transaction.atomic():
        correction = _locked(correction_id)
        if correction.calculation != calculation or correction.status != CorrectionStatus.CALCULATING:
            return None
        results = correction.results.all()
        correction.delta_total = results.aggregate(s=Sum("delta"))["s"] or Decimal("0.00")
        correction.changed_count = results.exclude(delta=0).count()
        correction.employees_done = results.count()
        correction.status = CorrectionStatus.CALCULATED
        correction.calculated_at = timezone.now()
        correction.save()
    return correction


def correction_fail(*, correction_id: int, calculation: int, error: str) -> None:
    """The calculation failed for good: back to draft, with the error."""
    with transaction.atomic():
        correction = _locked(correction_id)
        if correction.calculation != calculation or correction.status != CorrectionStatus.CALCULATING:
            return
        correction.status = CorrectionStatus.DRAFT
        correction.error = error[:5000]
        correction.save(update_fields=["status", "error"])


# --- approval and cancellation -----------------------------------------------------------------


def correction_approve(*, correction: Correction, approved_by) -> Correction:
    """Approve a calculated correction (four-eyes as for a run: not by who created it or
    asked for its latest calculation) and post each non-zero delta as an adjustment in the
    company's next open period, linked to the period and the correction."""
    with transaction.atomic():
        correction = _locked(correction.pk)
        if correction.status != CorrectionStatus.CALCULATED:
            code = CORRECTION_ENDED if correction.status in (CorrectionStatus.APPROVED, CorrectionStatus.CANCELLED) else (
                CORRECTION_NOT_CALCULATED
            )
            raise CorrectionError(code, f"only a calculated correction can be approved; this one is {correction.status}")
        if four_eyes_blocks(run=correction, user=approved_by):
            raise CorrectionError(
                CORRECTION_FOUR_EYES,
                "four-eyes rule: the correction must be approved by someone other than who created or calculated it",
            )
        _ensure_closed(correction.company, correction.period)
        if _approved_ids(correction) != list(correction.stacked_on):
            raise CorrectionError(
                CORRECTION_STALE,
                f"another correction of {month_name(correction.period)} was approved after this one was calculated; "
                "calculate it again",
            )
        target = next_open_period(company=correction.company, after=Period.parse(correction.period))
        posted = []
        for result in correction.results.exclude(delta=0).select_related("employee").order_by("employee__personnel_number"):
            adjustment = Adjustment(
                employee=result.employee,
                period=str(target),
                amount=result.delta,
                reason=posted_reason(correction, result.delta),
                created_by=approved_by,
                source_period=correction.period,
                correction=correction,
            )
            adjustment.full_clean(exclude=["created_by", "correction"])
            adjustment_period_ensure_open(result.employee, str(target))
            posted.append(adjustment)
        for adjustment in posted:  # one by one: each gets its history record
            adjustment.save()
        correction.status = CorrectionStatus.APPROVED
        correction.approved_by = approved_by
        correction.approved_at = timezone.now()
        correction.four_eyes_at_approval = correction.company.four_eyes_approval
        correction.posted_to = str(target)
        correction.save(update_fields=["status", "approved_by", "approved_at", "four_eyes_at_approval", "posted_to"])
    return correction


def correction_cancel(*, correction: Correction, by=None) -> Correction:
    """Drop a correction that is not approved: it posts nothing."""
    with transaction.atomic():
        correction = _locked(correction.pk)
        if correction.status in (CorrectionStatus.APPROVED, CorrectionStatus.CANCELLED):
            raise CorrectionError(CORRECTION_ENDED, f"the correction is already {correction.status}")
        correction.status = CorrectionStatus.CANCELLED
        correction.calculation += 1
        correction.cancelled_by = by
        correction.cancelled_at = timezone.now()
        correction.save(update_fields=["status", "calculation", "cancelled_by", "cancelled_at"])
    return correction


# --- reads -------------------------------------------------------------------------------------------


def corrected_figures(*, company: Company | int, period: str) -> dict[int, Decimal]:
    """Each employee's corrected figure of a closed period: the approved payout's total plus
    the deltas of the period's approved corrections."""
    run = closed_run(company=company, period=period)
    company_id = company if isinstance(company, int) else company.pk
    figures: dict[int, Decimal] = defaultdict(lambda: Decimal("0.00"))
    if run is not None:
        for employee_id, total in Payout.objects.filter(run=run).values_list("employee_id", "total"):
            figures[employee_id] += total
    for employee_id, delta in (
        CorrectionResult.objects.filter(
            correction__company_id=company_id, correction__period=str(period), correction__status=CorrectionStatus.APPROVED
        ).values("employee_id").annotate(s=Sum("delta")).values_list("employee_id", "s")
    ):  # fmt: skip
        figures[employee_id] += delta
    return dict(figures)


def ensure_not_posted_delta(adjustment: Adjustment) -> None:
    """An adjustment an approved correction posted is part of the books: it is not deleted by hand."""
    if adjustment.correction_id is not None:
        raise CorrectionError(
            CORRECTION_POSTED,
            f"this adjustment is correction #{adjustment.correction_id}'s delta for {adjustment.source_period}; "
            "record another correction instead",
        )
