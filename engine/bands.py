"""Band tables (spec §5): thresholds of a percentage that give a coefficient."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from fractions import Fraction

from .exact import COUNTER, EXACT_CONTEXT, NOT_EXACT, round_fraction, round_ratio
from .problems import Problem, RuleViolation, gettext_noop, problem
from .rounding import ZERO, decimal_places

STEP = "step"
LINEAR = "linear"
MODES = (STEP, LINEAR)
COEFFICIENT_PLACES = 4
BOUND_PLACES = 2  # fulfillment is rounded to two places (§3), so a finer bound means nothing


@dataclass(frozen=True, slots=True)
class BandPoint:
    lower_bound_pct: Decimal
    coefficient: Decimal


@dataclass(frozen=True, slots=True)
class BandHit:
    """The result of a look-up: the 1-based row that applied and the coefficient."""

    row: int
    lower_bound_pct: Decimal
    upper_bound_pct: Decimal | None
    coefficient: Decimal


def band_points_problems(
    points: Sequence[tuple[Decimal | None, Decimal | None]],
    *,
    bound_limit: Decimal | None = None,
    coefficient_limit: Decimal | None = None,
) -> list[Problem]:
    """Every rule of §5 a list of `(lower_bound_pct, coefficient)` rows breaks, by row: bounds
    start at 0 and increase, with at most two decimal places (fulfillment's, §3); coefficients
    are 0 or more with at most four. A caller that stores the rows gives the largest values
    its columns hold (`bound_limit`, `coefficient_limit`)."""
    problems: list[Problem] = []
    if not points:
        return [problem("band_table_empty", gettext_noop("a band table needs at least one row"), "points")]
    previous: Decimal | None = None
    for row, (lower, coefficient) in enumerate(points, start=1):
        bound_problem = _number_problem("band_bound", BOUND_TEXTS, lower, BOUND_PLACES, bound_limit, "lower_bound_pct", row)
        if bound_problem is not None:
            problems.append(bound_problem)
        elif lower is not None and row == 1 and lower != ZERO:
            problems.append(
                problem("band_first_not_zero", gettext_noop("the first lower bound is {lower}, it must be 0"), "lower_bound_pct", row, lower=lower)
            )
        elif lower is not None and previous is not None and lower <= previous:
            problems.append(
                problem(
                    "band_not_increasing",
                    gettext_noop("the lower bound {lower} must be greater than the row above ({previous})"),
                    "lower_bound_pct",
                    row,
                    lower=lower,
                    previous=previous,
                )
            )
        if lower is not None and lower.is_finite():
            previous = lower if previous is None else max(previous, lower)
        coefficient_problem = _number_problem(
            "band_coefficient", COEFFICIENT_TEXTS, coefficient, COEFFICIENT_PLACES, coefficient_limit, "coefficient", row
        )
        if coefficient_problem is not None:
            problems.append(coefficient_problem)
        elif coefficient is not None and coefficient < ZERO:
            problems.append(
                problem(
                    "band_coefficient_negative", gettext_noop("the coefficient is {coefficient}, it must be 0 or more"), "coefficient", row,
                    coefficient=coefficient,
                )
            )
    return problems


def band_points_warnings(points: Sequence[tuple[Decimal, Decimal]]) -> list[Problem]:
    """What looks wrong in a valid table without breaking a rule (it is saved; the people who
    configure it are told): a coefficient that falls as fulfillment rises, and a band that
    pays more than the top one — typically a typo (`5` for `0.5`). Fulfillment is always
    "higher is better" (§3 turns lower-is-better KPIs round), so a falling coefficient pays
    less for better work."""
    warnings: list[Problem] = []
    for row in range(2, len(points) + 1):
        (_, before), (lower, coefficient) = points[row - 2], points[row - 1]
        if coefficient < before:
            warnings.append(
                problem(
                    "band_coefficient_falls",
                    gettext_noop("the coefficient falls from {before} to {coefficient} at {lower} %: a higher fulfillment pays less"),
                    "coefficient",
                    row,
                    before=before,
                    coefficient=coefficient,
                    lower=lower,
                )
            )
    if len(points) > 1:
        top = points[-1][1]
        for row, (lower, coefficient) in enumerate(points[:-1], start=1):
            if coefficient > top:
                warnings.append(
                    problem(
                        "band_pays_more_than_top",
                        gettext_noop("the band from {lower} % pays {coefficient}, more than the top band ({top})"),
                        "coefficient",
                        row,
                        lower=lower,
                        coefficient=coefficient,
                        top=top,
                    )
                )
    return warnings


BOUND_TEXTS = {
    "missing": gettext_noop("the lower bound is missing"),
    "not_a_number": gettext_noop("the lower bound {value} is not a number"),
    "places": gettext_noop("the lower bound {value} has more than {places} decimal places"),
    "too_large": gettext_noop("the lower bound {value} is too large: at most {limit}"),
}
COEFFICIENT_TEXTS = {
    "missing": gettext_noop("the coefficient is missing"),
    "not_a_number": gettext_noop("the coefficient {value} is not a number"),
    "places": gettext_noop("the coefficient {value} has more than {places} decimal places"),
    "too_large": gettext_noop("the coefficient {value} is too large: at most {limit}"),
}


def _number_problem(
    code: str, texts: dict[str, str], value: Decimal | None, places: int, limit: Decimal | None, field: str, row: int
) -> Problem | None:
    """The problem of a bound or coefficient that is missing, not a number, has more decimal
    places than `places` (trailing zeros count, as written) or is beyond ±`limit`."""
    if value is None:
        return problem(f"{code}_missing", texts["missing"], field, row)
    if not value.is_finite():
        return problem(f"{code}_not_a_number", texts["not_a_number"], field, row, value=value)
    if decimal_places(value) > places:
        return problem(f"{code}_places", texts["places"], field, row, value=value, places=places)
    if limit is not None and abs(value) > limit:
        return problem(f"{code}_too_large", texts["too_large"], field, row, value=value, limit=limit)
    return None


@dataclass(frozen=True)
class BandTable:
    """A validated band table; build it with `BandTable.build`."""

    name: str
    mode: str
    points: tuple[BandPoint, ...]
    _bounds: tuple[Decimal, ...] = field(repr=False, compare=False, default=())
    # Worked out once from `points` (a table serves thousands of payouts): the coefficients
    # and each row's bounds as trace text.
    _coefficients: tuple[Decimal, ...] = field(init=False, repr=False, compare=False)
    _from_texts: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _to_texts: tuple[str | None, ...] = field(init=False, repr=False, compare=False)
    _coefficient_texts: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        bounds = tuple(point.lower_bound_pct for point in self.points)
        object.__setattr__(self, "_bounds", bounds)
        object.__setattr__(self, "_coefficients", tuple(point.coefficient for point in self.points))
        object.__setattr__(self, "_from_texts", tuple(str(bound) for bound in bounds))
        object.__setattr__(self, "_to_texts", (*(str(bound) for bound in bounds[1:]), None))
        object.__setattr__(self, "_coefficient_texts", tuple(str(point.coefficient) for point in self.points))

    @classmethod
    def build(cls, name: str, points: Sequence[tuple[Decimal, Decimal]], mode: str = STEP) -> BandTable:
        problems = band_points_problems(points)
        if mode not in MODES:
            problems.insert(0, problem("band_mode", gettext_noop("mode {mode} is not one of {modes}"), "mode", mode=repr(mode), modes=", ".join(MODES)))
        if problems:
            raise RuleViolation(problems)
        return cls(name, mode, tuple(BandPoint(Decimal(lower), Decimal(coefficient)) for lower, coefficient in points))

    def locate(self, percentage: Decimal) -> tuple[int, Decimal]:
        """The 0-based index of the band holding `percentage` and its coefficient
        (interpolated in linear mode): `look_up` without building a `BandHit`."""
        bounds = self._bounds
        index = bisect_right(bounds, percentage) - 1
        if index < 0:
            index = 0
        coefficients = self._coefficients
        if self.mode == LINEAR and index + 1 < len(bounds):
            return index, self._interpolate(index, percentage)
        return index, coefficients[index]

    def _interpolate(self, index: int, percentage: Decimal) -> Decimal:
        """`cᵢ + (cᵢ₊₁ − cᵢ) · (x − lowerᵢ) / (lowerᵢ₊₁ − lowerᵢ)` rounded half-up to 4 places
        from the exact value: the numerator `cᵢ·width + (cᵢ₊₁ − cᵢ)·(x − lowerᵢ)` in Decimal
        with `Inexact` trapped (else in Fraction), the one division in integers."""
        bounds, coefficients = self._bounds, self._coefficients
        lower, upper = bounds[index], bounds[index + 1]
        low, high = coefficients[index], coefficients[index + 1]
        COUNTER.values += 1
        try:
            with localcontext(EXACT_CONTEXT):
                width = upper - lower
                numerator = low * width + (high - low) * (percentage - lower)
        except NOT_EXACT:
            COUNTER.exact += 1
            exact_low, exact_lower = Fraction(low), Fraction(lower)
            exact = exact_low + (Fraction(high) - exact_low) * (Fraction(percentage) - exact_lower) / (
                Fraction(upper) - exact_lower
            )
            return round_fraction(exact, COEFFICIENT_PLACES)
        top, top_denominator = numerator.as_integer_ratio()
        bottom, bottom_denominator = width.as_integer_ratio()  # width > 0: bounds increase
        return round_ratio(top * bottom_denominator, top_denominator * bottom, COEFFICIENT_PLACES)

    def _locate_with_text(self, percentage: Decimal) -> tuple[int, Decimal, str]:
        """`locate` and the coefficient as text, for traces."""
        index, coefficient = self.locate(percentage)
        if self.mode == STEP or index + 1 == len(self._bounds):
            return index, coefficient, self._coefficient_texts[index]
        return index, coefficient, str(coefficient)

    def look_up(self, percentage: Decimal) -> BandHit:
        """The band holding `percentage` and its coefficient (interpolated in linear mode)."""
        index, coefficient = self.locate(percentage)
        upper = self._bounds[index + 1] if index + 1 < len(self._bounds) else None
        return BandHit(index + 1, self._bounds[index], upper, coefficient)

    def next_band_above(self, percentage: Decimal) -> BandPoint | None:
        """The first band starting above `percentage` (what it takes to earn more), if any."""
        index = bisect_right(self._bounds, percentage)
        return self.points[index] if index < len(self.points) else None
