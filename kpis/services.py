"""Writes for KPIs, KPI sets, plans and measure values. Each validates through the engine's
rules, so the admin, the API and imports refuse exactly the same things."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core import deletion, periods
from core.domain import field_decimal, problem_message, raise_problems
from core.numbers import NumberError
from core.periods import Reach, Span
from engine import Period, kpi_set_problems
from engine.formula import FormulaError, parse_formula
from kpis import imports
from kpis.models import Kpi, KpiSet, KpiSetItem, Measure, MeasureValue, Plan, fed_by_events_message
from kpis.selectors import catalogue_and_own
from organizations.models import Company, Employee
from organizations.selectors import employees_in_period


def kpi_set_validate(*, cap_pct: Decimal | None, items: Sequence[tuple[Kpi | None, Decimal | None]]) -> None:
    """Spec §4 for a whole set: raises a `ValidationError` naming every bad row."""
    raise_problems(
        kpi_set_problems([(kpi.code if kpi else None, weight) for kpi, weight in items], cap_pct),
        field_map={"weights": "__all__", "items": "__all__"},
        rows="items",
    )


def _deactivate_others(kpi_set: KpiSet) -> None:
    """One set is active per company and stage; saved one by one so history records it."""
    others = KpiSet.objects.select_for_update().filter(company=kpi_set.company, stage=kpi_set.stage, is_active=True)
    for other in others.exclude(pk=kpi_set.pk):
        other.is_active = False
        other.save(update_fields=["is_active"])


@transaction.atomic
def kpi_set_save(*, kpi_set: KpiSet, items: Sequence[tuple[Kpi, Decimal]]) -> KpiSet:
    """Save a KPI set with exactly these items, or nothing at all. Items keep their rows
    (and history) where the KPI stays; only what changed is written."""
    kpi_set_validate(cap_pct=kpi_set.cap_pct, items=items)
    if kpi_set.is_active:
        _deactivate_others(kpi_set)
    kpi_set.full_clean()
    for kpi, _ in items:
        if kpi.company_id not in (None, kpi_set.company_id):
            raise ValidationError({"items": f"KPI {kpi.code!r} belongs to another company"})
    kpi_set.save()
    existing = {item.kpi_id: item for item in kpi_set.items.all()} if kpi_set.pk else {}
    wanted = {kpi.pk: weight for kpi, weight in items}
    for kpi_id, item in existing.items():
        if kpi_id not in wanted:
            item.delete()
        elif item.weight != wanted[kpi_id]:
            item.weight = wanted[kpi_id]
            item.save(update_fields=["weight"])
    new_items = [KpiSetItem(kpi_set=kpi_set, kpi=kpi, weight=weight) for kpi, weight in items if kpi.pk not in existing]
    if new_items:
        bulk_create_with_history(new_items, KpiSetItem)
    return kpi_set


@transaction.atomic
def kpi_set_activate(*, kpi_set: KpiSet) -> KpiSet:
    """Make this the one active set for its company and stage."""
    _deactivate_others(kpi_set)
    kpi_set.is_active = True
    kpi_set.save(update_fields=["is_active"])
    return kpi_set


def kpi_set_copy_preset(*, preset: KpiSet, company: Company, activate: bool = False) -> KpiSet:
    """Copy a preset (a set with no company) into a company."""
    copy = KpiSet(company=company, stage=preset.stage, name=preset.name, cap_pct=preset.cap_pct, is_active=activate)
    return kpi_set_save(kpi_set=copy, items=[(item.kpi, item.weight) for item in preset.items.select_related("kpi")])


def plan_upsert(*, employee: Employee, period: str, kpi: Kpi, value: Decimal) -> Plan:
    return _value_upsert(Plan, value, employee=employee, period=period, kpi=kpi)


def measure_value_upsert(*, employee: Employee, period: str, measure: Measure, value: Decimal) -> MeasureValue:
    return _value_upsert(MeasureValue, value, employee=employee, period=period, measure=measure)


def _value_upsert(model, value: Decimal, **key):
    """Create or change the one row of `key`, validated by the model's rules."""
    return periods.upsert(model, key=key, values={"value": value})


# --- a month of plans or measure values at once (HR's grid in the portal) ----------------

UNKNOWN_CELL = "unknown_cell"
FED_BY_EVENTS = "fed_by_events"


@dataclass(frozen=True)
class CellProblem:
    """What is wrong with one cell: the employee's and the KPI's (or measure's) ids."""

    employee_id: int
    target_id: int
    code: str
    message: str


class ValuesRefused(Exception):
    """Nothing was written; `problems` names every bad cell."""

    def __init__(self, problems: Sequence[CellProblem]):
        self.problems = tuple(problems)
        super().__init__(f"{len(self.problems)} cell(s) refused")


@dataclass(frozen=True)
class ValueChange:
    employee_id: int
    target_id: int
    old: Decimal | None  # None: there was no row
    new: Decimal | None  # None: the row is removed


@dataclass(frozen=True)
class ValuesSaved:
    created: int
    updated: int
    deleted: int
    changes: tuple[ValueChange, ...] = ()

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted


def period_values_save(
    *, kind: str, company: Company, period: Period | str, cells: Mapping[tuple[int, int], str], changed_by=None
) -> ValuesSaved:
    """Set a month's plans (`kind` "plans": targets are KPIs) or measure values ("measures")
    from typed text, `(employee id, target id) → "1 500,5"`; an empty text removes the row.
    All or nothing: every cell is read (`core.numbers`) and checked by the same rules as an
    import, and one bad cell — or an employee or target not the company's — writes nothing
    (`ValuesRefused`); a closed month raises `PeriodClosedError`. Only what changed is written,
    with history."""
    spec = imports.KINDS[kind]
    month = str(period if isinstance(period, Period) else Period.parse(period))
    periods.ensure_period_open(company.pk, month)
    model: Any = spec.model
    target_field = f"{spec.target}_id"
    value_field: Any = model._meta.get_field("value")
    reason = f"{kind} of {month} in the portal"
    try:
        with transaction.atomic():
            # the people locked, as an import locks them: two saves for them run one after the other
            employees = set(
                Employee.objects.select_for_update()
                .filter(company=company, pk__in={employee_id for employee_id, _ in cells})
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            targets = {
                target.pk: target
                for target in catalogue_and_own(spec.target_model, company=company).filter(pk__in={t for _, t in cells})
            }
            existing = {
                (row.employee_id, getattr(row, target_field)): row
                for row in model.objects.filter(employee_id__in=employees, period=month, **{f"{target_field}__in": targets})
            }
            problems: list[CellProblem] = []
            changes: list[ValueChange] = []
            to_create, to_update, to_delete = [], [], []
            for (employee_id, target_id), text in cells.items():
                target = targets.get(target_id)
                if employee_id not in employees or target is None:
                    problems.append(CellProblem(employee_id, target_id, UNKNOWN_CELL, gettext("no such employee, KPI or measure in %(company)s") % {"company": company}))
                    continue
                current = existing.get((employee_id, target_id))
                text = (text or "").strip()
                if current is not None and getattr(current, "source", None) == MeasureValue.Source.EVENTS:
                    try:
                        same = bool(text) and field_decimal(value_field, text) == current.value
                    except NumberError:
                        same = False
                    if not same:  # the grid shows it; only a change of it is refused
                        problems.append(CellProblem(employee_id, target_id, FED_BY_EVENTS, fed_by_events_message(current.employee, target, month)))
                    continue
                if not text:
                    if current is not None:
                        to_delete.append(current)
                        changes.append(ValueChange(employee_id, target_id, current.value, None))
                    continue
                try:
                    value = field_decimal(value_field, text)
                except NumberError as error:
                    problems.append(CellProblem(employee_id, target_id, error.code, error.message))
                    continue
                found = [CellProblem(employee_id, target_id, p.code, problem_message(p)) for p in spec.value_problems(target, value)]
                try:
                    value_field.run_validators(value)
                except ValidationError as error:
                    found += [CellProblem(employee_id, target_id, imports.VALUE_OUT_OF_RANGE, m) for m in error.messages]
                if found:
                    problems.extend(found)
                elif current is None:
                    to_create.append(model(employee_id=employee_id, period=month, value=value, **{target_field: target_id}))
                    changes.append(ValueChange(employee_id, target_id, None, value))
                elif current.value != value:
                    changes.append(ValueChange(employee_id, target_id, current.value, value))
                    current.value = value
                    to_update.append(current)
            if problems:
                raise ValuesRefused(problems)
            user = changed_by if getattr(changed_by, "pk", None) else None
            if to_create:
                bulk_create_with_history(to_create, model, default_user=user, default_change_reason=reason)
            if to_update:
                bulk_update_with_history(to_update, model, ["value"], default_user=user, default_change_reason=reason)
            for row in to_delete:
                row._change_reason = reason
                if user is not None:
                    row._history_user = user
                row.delete()
    except IntegrityError:  # a row written meanwhile by a path that does not lock the people (the admin)
        raise ValuesRefused(
            [CellProblem(0, 0, imports.CONCURRENT_CHANGE, "the same values were changed by someone else meanwhile; nothing was saved, try again")]
        ) from None
    return ValuesSaved(len(to_create), len(to_update), len(to_delete), tuple(changes))


@dataclass(frozen=True)
class PlansCopied:
    copied: int  # plans created in the month
    kept: int  # the month already had a plan for that employee and KPI: left as it was


@transaction.atomic
def plans_copy_from_previous(*, company: Company, period: Period | str, copied_by=None) -> PlansCopied:
    """Copy the previous month's plans into `period` for the employees employed in it,
    never overwriting a plan the month already has. A closed month raises `PeriodClosedError`."""
    month = period if isinstance(period, Period) else Period.parse(period)
    periods.ensure_period_open(company.pk, month)
    employees = list(
        employees_in_period(company=company, period=month).select_for_update().order_by("pk").values_list("pk", flat=True)
    )
    existing = set(Plan.objects.filter(employee_id__in=employees, period=str(month)).values_list("employee_id", "kpi_id"))
    previous = list(Plan.objects.filter(employee_id__in=employees, period=str(month.previous)).order_by("employee_id", "kpi_id"))
    copies = [
        Plan(employee_id=plan.employee_id, period=str(month), kpi_id=plan.kpi_id, value=plan.value)
        for plan in previous
        if (plan.employee_id, plan.kpi_id) not in existing
    ]
    kept = len(previous) - len(copies)
    if copies:
        user = copied_by if getattr(copied_by, "pk", None) else None
        bulk_create_with_history(copies, Plan, default_user=user, default_change_reason=f"copied from {month.previous}")
    return PlansCopied(len(copies), kept)


# --- what a write of a plan or a measure value reaches (core.periods) ---------------------


def period_row_reach(before: Plan | MeasureValue | None, after: Plan | MeasureValue | None) -> Reach:
    """A plan or a measure value feeds its own period: a write of one (or a move to another
    period or employee) touches the periods before and after."""
    rows = [row for row in (before, after) if row is not None]
    spans = tuple(Span.month(row.period) for row in rows)
    last = rows[-1]
    what = (
        gettext("the plan of %(number)s for %(period)s")
        if isinstance(last, Plan)
        else gettext("the measure value of %(number)s for %(period)s")
    )
    return Reach(last.employee.company_id, spans, what % {"number": last.employee.personnel_number, "period": last.period})


def register_reaches() -> None:
    periods.register_reach(Plan, period_row_reach)
    periods.register_reach(MeasureValue, period_row_reach)


# --- the company's own measures and KPIs (HR's definitions page in the portal) -----------


def _formula_users(measure: Measure) -> list[Kpi]:
    """The KPIs whose formula reads `measure`'s code (those that see it: the catalogue's and,
    for a company's own measure, that company's; a catalogue measure, every company's)."""
    kpis = Kpi.objects.exclude(formula="")
    if measure.company_id is not None:
        kpis = kpis.filter(Q(company__isnull=True) | Q(company_id=measure.company_id))
    found = []
    for kpi in kpis.filter(formula__contains=measure.code):
        try:
            parsed = parse_formula(kpi.formula)
        except FormulaError:
            continue
        if measure.code in parsed.measures | parsed.previous_measures:
            found.append(kpi)
    return found


_FORMULA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # a measure code as engine.formula reads one


@transaction.atomic
def measure_save(*, measure: Measure) -> Measure:
    """Create or change a measure by the model's rules. A stored measure whose code a KPI's
    formula reads keeps its code (the formula would stop meaning anything)."""
    before = Measure.objects.select_for_update().filter(pk=measure.pk).first() if measure.pk else None
    if before is not None and before.code != measure.code:
        users = _formula_users(before)
        if users:
            names = ", ".join(f"“{kpi.name}”" for kpi in users)
            raise ValidationError(
                {"code": gettext("the formulas of %(kpis)s read the code %(code)s: change them first") % {"kpis": names, "code": before.code}}
            )
    if measure.code and not _FORMULA_NAME.fullmatch(measure.code):
        raise ValidationError({"code": gettext("formulas read this code: use Latin letters, digits and _, starting with a letter")})
    measure.full_clean()
    measure.save()
    return measure


@transaction.atomic
def kpi_save(*, kpi: Kpi) -> Kpi:
    """Create or change a KPI by the model's and the engine's rules (one measure or a formula
    over the measures the company sees, `engine.rules.kpi_definition_problems`); the
    definition of a KPI in use may change but never be left empty or unparsable."""
    kpi.formula = kpi.formula.strip()
    kpi.full_clean()
    kpi.save()
    return kpi


def kpi_delete(*, kpi: Kpi) -> None:
    """Delete a KPI nothing uses; else `ProtectedError` naming who uses it (`core.deletion`)."""
    deletion.delete_unless_in_use(kpi)


def measure_delete(*, measure: Measure) -> None:
    """Delete a measure nothing uses; else `ProtectedError` naming who uses it."""
    deletion.delete_unless_in_use(measure)


def definition_guard(obj) -> list[deletion.Blocker]:
    """What `core.deletion` asks of a KPI (the KPI sets holding it, its plans) and of a
    measure (the KPIs it defines or whose formula reads it, its recorded values)."""
    found: list[deletion.Blocker] = []
    if isinstance(obj, Kpi):
        for item in KpiSetItem.objects.filter(kpi=obj).select_related("kpi_set").order_by("kpi_set__name"):
            found.append(deletion.Blocker(gettext("the KPI set “%(name)s” (stage %(stage)s) holds it") % {
                "name": item.kpi_set.name, "stage": item.kpi_set.stage}, item.kpi_set))
        plans = Plan.objects.filter(kpi=obj)
        if (first := plans.first()) is not None:
            found.append(deletion.Blocker(gettext("%(count)s plan(s) are set for it") % {"count": plans.count()}, first))
    elif isinstance(obj, Measure):
        defined = list(Kpi.objects.filter(measure=obj)) + _formula_users(obj)
        for kpi in dict.fromkeys(defined):
            found.append(deletion.Blocker(gettext("the KPI “%(name)s” is defined by it") % {"name": kpi.name}, kpi))
        values = MeasureValue.objects.filter(measure=obj)
        if (value := values.first()) is not None:
            found.append(deletion.Blocker(gettext("%(count)s recorded value(s) are of it") % {"count": values.count()}, value))
    return found
