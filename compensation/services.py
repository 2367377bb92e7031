"""Writes for salaries, band tables and bonus schemes (a company's own settings are
`organizations.services`'). (A payout outside a run — preview, projection, what-if — is
`payroll.outlook`: it needs the period's adjustments.)"""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext
from simple_history.utils import bulk_create_with_history

from compensation.models import BandPoint, BandTable, BonusScheme, SalaryAgreement, SchemeAssignment, SchemeFactor
from core import deletion, periods
from core.domain import largest_value, problem_text, raise_problems
from core.periods import Reach
from engine import Problem, band_points_problems, band_points_warnings
from engine.problems import gettext_noop
from organizations.models import Company, Employee
from organizations.services import employed_span, employee_create, marketer_login_create

# Spec §6: a scheme has one or more factors (the admin's factor formset checks the same rule).
SCHEME_NO_FACTORS = Problem("scheme_no_factors", gettext_noop("a bonus scheme needs at least one factor"), "factors")
FACTOR_POSITION_TAKEN = "factor_position_taken"


def scheme_factor_problems(positions: Sequence[int | None]) -> list[Problem]:
    """The rules of a scheme's factors as a set, by row (1-based, in the order given): at least
    one, and each at its own position (k1 and k2 both at position 1 leave their order to
    chance). The service, the admin's factor rows and the portal check this one list."""
    if not positions:
        return [SCHEME_NO_FACTORS]
    problems: list[Problem] = []
    first_row: dict[int, int] = {}
    for row, position in enumerate(positions, start=1):
        if position is None:
            continue
        if position in first_row:
            problems.append(
                Problem(
                    FACTOR_POSITION_TAKEN,
                    gettext_noop("the position {position} is already that of row {first}; give each factor its own"),
                    "position",
                    row,
                    (("position", position), ("first", first_row[position])),
                )
            )
        else:
            first_row[position] = row
    return problems


def band_table_problems(points: Sequence[tuple[Decimal | None, Decimal | None]]) -> list[Problem]:
    """Spec §5 for a whole table, with the largest values `BandPoint`'s columns hold (the
    service, the admin's rows and every other caller check this one list)."""
    return band_points_problems(
        points,
        bound_limit=largest_value(BandPoint._meta.get_field("lower_bound_pct")),
        coefficient_limit=largest_value(BandPoint._meta.get_field("coefficient")),
    )


def _plain(value: Decimal) -> Decimal:
    """The column's value as people write it: 5.0000 as 5, 100.00 as 100."""
    return Decimal(f"{value.normalize():f}")


def band_table_warnings(table: BandTable) -> list[str]:
    """What looks wrong in a saved table (it pays, but probably not as meant), one sentence
    a row: shown by the admin after a save and given by the API with the table."""
    return band_rows_warnings(points=[(point.lower_bound_pct, point.coefficient) for point in table.points.all()])


def band_rows_warnings(*, points: Sequence[tuple[Decimal, Decimal]]) -> list[str]:
    """`band_table_warnings` of rows not saved yet (valid ones: `band_table_validate` passed),
    for a preview before the save."""
    return [problem_text(problem) for problem in band_points_warnings([(_plain(lower), _plain(c)) for lower, c in points])]


def band_table_validate(*, points: Sequence[tuple[Decimal | None, Decimal | None]]) -> None:
    """Spec §5 for a whole table: raises a `ValidationError` naming every bad row."""
    raise_problems(band_table_problems(points), field_map={"points": "__all__"}, rows="points")


@transaction.atomic
def band_table_save(*, table: BandTable, points: Sequence[tuple[Decimal, Decimal]]) -> BandTable:
    """Save a band table with exactly these rows, or nothing at all."""
    band_table_validate(points=points)
    table.full_clean()
    table.save()
    existing = {point.lower_bound_pct: point for point in table.points.all()}
    wanted = dict(points)
    for lower, point in existing.items():
        if lower not in wanted:
            point.delete()
        elif point.coefficient != wanted[lower]:
            point.coefficient = wanted[lower]
            point.save(update_fields=["coefficient"])
    new_points = [
        BandPoint(table=table, lower_bound_pct=lower, coefficient=coefficient)
        for lower, coefficient in points
        if lower not in existing
    ]
    if new_points:
        bulk_create_with_history(new_points, BandPoint)
    return table


def bonus_scheme_validate(*, scheme: BonusScheme, factors: Sequence[SchemeFactor]) -> None:
    """Every rule a scheme with these factors breaks, as one `ValidationError`: the scheme's
    fields, at least one factor, each at its own position, and each factor's own rules, keyed
    `factors[i].field` (0-based). Nothing is saved (a preview calls it alone)."""
    errors: dict[str, list] = {}
    for problem in scheme_factor_problems([factor.position for factor in factors]):
        key = "__all__" if problem.row is None else f"factors[{problem.row - 1}].{problem.field}"
        errors.setdefault(key, []).append(ValidationError(problem_text(problem), code=problem.code))
    try:
        scheme.full_clean()
    except ValidationError as error:
        errors.update(error.error_dict)
    for index, factor in enumerate(factors):
        factor.scheme = scheme
        try:
            factor.full_clean(exclude=["scheme"])
        except ValidationError as error:
            for field, messages in error.error_dict.items():
                errors.setdefault(f"factors[{index}].{field}", []).extend(messages)
    if errors:
        raise ValidationError(errors)


FACTOR_FIELDS = ("name", "input_kind", "kpi_id", "kpi_set_id", "band_table_id")


@transaction.atomic
def bonus_scheme_save(*, scheme: BonusScheme, factors: Sequence[SchemeFactor]) -> BonusScheme:
    """Save a scheme with exactly these factors (at least one, each at its own position: they
    are stored and applied in the order of their positions), or nothing at all. Errors of
    every factor are reported together (`bonus_scheme_validate`)."""
    bonus_scheme_validate(scheme=scheme, factors=factors)
    scheme.save()
    # A factor keeps its row (and history) at its position; only what changed is written.
    existing = {factor.position: factor for factor in scheme.factors.all()}
    wanted = {factor.position for factor in factors}
    for position, factor in existing.items():
        if position not in wanted:
            factor.delete()
    for factor in sorted(factors, key=lambda factor: factor.position):
        stored = existing.get(factor.position)
        if stored is None:
            factor.pk = None
            factor.scheme = scheme
            factor.save()
            continue
        fields = [name for name in FACTOR_FIELDS if getattr(stored, name) != getattr(factor, name)]
        if fields:
            for name in fields:
                setattr(stored, name, getattr(factor, name))
            stored.save(update_fields=fields)
    return scheme


# --- salaries and schemes from a date ---------------------------------------------------


@transaction.atomic
def salary_agreement_set(*, employee: Employee, effective_from: date, monthly_amount: Decimal) -> SalaryAgreement:
    """The monthly salary from this date on (the one of that date, if there is one, changes).
    Refused like every write of it: the model's rules, then a closed period it would reach."""
    key = {"employee": employee, "effective_from": effective_from}
    return periods.upsert(SalaryAgreement, key=key, values={"monthly_amount": monthly_amount})


@transaction.atomic
def scheme_assignment_set(*, employee: Employee, effective_from: date, scheme: BonusScheme) -> SchemeAssignment:
    """The bonus scheme from this date on (the assignment of that date, if any, changes)."""
    key = {"employee": employee, "effective_from": effective_from}
    return periods.upsert(SchemeAssignment, key=key, values={"scheme": scheme})


# --- what a write of a salary agreement or scheme assignment reaches (core.periods) -------


def in_force_reach(
    before: SalaryAgreement | SchemeAssignment | None, after: SalaryAgreement | SchemeAssignment | None
) -> Reach:
    """A salary agreement (or scheme assignment) governs the employee's days from its date
    until the next one's (the latest one started governs a day). Creating, changing or
    deleting one changes who earns what on the days it governed before the write and those
    it governs after — of those, the days the employee works (before them and after their
    termination it pays nothing). A write is refused when one of those days is in a closed
    period: a raise backdated into an approved month is a correction; one from the next open
    month on is simply entered."""
    spans = []
    for row in (before, after):
        if row is None:
            continue
        governed = periods.effective_span(type(row), row, owner="employee")
        if (worked := governed.within(employed_span(row.employee))) is not None:
            spans.append(worked)
    last = after or before
    what = (
        gettext("the salary agreement of %(number)s from %(day)s")
        if isinstance(last, SalaryAgreement)
        else gettext("the scheme assignment of %(number)s from %(day)s")
    )
    return Reach(
        last.employee.company_id,  # type: ignore[union-attr]
        tuple(spans),
        what % {"number": last.employee.personnel_number, "day": last.effective_from},  # type: ignore[union-attr]
    )


def register_reaches() -> None:
    periods.register_reach(SalaryAgreement, in_force_reach)
    periods.register_reach(SchemeAssignment, in_force_reach)


def kpi_guard(obj) -> list[deletion.Blocker]:
    """What `core.deletion` asks of a KPI: the scheme factors that read it."""
    from kpis.models import Kpi

    if not isinstance(obj, Kpi):
        return []
    factors = SchemeFactor.objects.filter(kpi=obj).select_related("scheme").order_by("scheme__name", "position")
    return [
        deletion.Blocker(
            gettext("the scheme “{scheme}” reads it (factor {factor})").format(scheme=factor.scheme.name, factor=factor.name),
            factor,
        )
        for factor in factors
    ]


# --- a new employee in one go (HR's people page) ---------------------------------------


def employee_hire(
    *,
    company: Company,
    personnel_number: str,
    full_name: str,
    position: str,
    hire_date: date | None,
    monthly_amount: Decimal | None = None,
    scheme: BonusScheme | None = None,
    username: str = "",
    password: str | None = None,
) -> Employee:
    """A new employee with, from the hire date, the salary and the bonus scheme given, and a
    marketer's login when a username is given (`password` None: a set-password link): all of
    it or nothing, each refusal keyed by its field."""
    if scheme is not None and scheme.company_id != company.pk:
        raise ValidationError({"scheme": [gettext("the scheme is not one of the company's")]})
    with transaction.atomic():
        employee = employee_create(
            company=company, personnel_number=personnel_number, full_name=full_name, position=position, hire_date=hire_date
        )
        assert employee.hire_date is not None
        if monthly_amount is not None:
            salary_agreement_set(employee=employee, effective_from=employee.hire_date, monthly_amount=monthly_amount)
        if scheme is not None:
            scheme_assignment_set(employee=employee, effective_from=employee.hire_date, scheme=scheme)
        if (username or "").strip():
            marketer_login_create(employee=employee, username=username, password=password)
    return employee
