"""Exact arithmetic (spec §2 "Arithmetic is exact").

The engine computes in `Decimal` under `EXACT_CONTEXT`, which *traps* `Inexact`: an operation
whose true result does not fit the context's 28 digits raises instead of rounding. That
signal is the proof that a value is not exact; where it is raised the value is recomputed
with `fractions.Fraction` (exact rationals) and rounded half-up from the exact rational. So
there is no margin to guess: a value either came out of Decimal exactly or it is a Fraction.

A number in the engine is therefore a `Decimal` (exact) or a `Fraction` (exact). Rounded
results (fulfillment, score, coefficient, bonus, fixed pay) are always `Decimal`.

Traces show numbers with `number_text`: a Decimal as it is, a Fraction whose decimal
expansion terminates exactly (e.g. 807.63), and a non-terminating Fraction (10000/7) rounded
half-even to 28 significant digits — for display only; the calculation used the exact value.
"""

from __future__ import annotations

from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, ROUND_HALF_UP, Context, Decimal, DecimalException, Inexact
from fractions import Fraction
from math import gcd

#: Every calculation of a payout runs in this context: 28 digits, and an inexact result
#: raises `Inexact` (as do the default traps: invalid operation, division by zero, overflow).
EXACT_CONTEXT = Context(prec=28)
EXACT_CONTEXT.traps[Inexact] = True

#: For rounding at a named step and for display: signals flagged, never raised.
ROUNDING_CONTEXT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[])
DISPLAY_CONTEXT = Context(prec=28, traps=[])

Number = Decimal | Fraction

#: An exact rational as integers `(numerator, denominator)`, the denominator > 0 and the pair
#: not necessarily reduced: the exact path's working form (int arithmetic in C, no
#: `Fraction` constructor or gcd per operation).
Ratio = tuple[int, int]

#: What the Decimal path may raise that sends a value to the exact path.
NOT_EXACT = (DecimalException, TypeError)

_QUANTA = {0: Decimal(1), 2: Decimal("0.01"), 4: Decimal("0.0001")}
_SCALES = {0: 1, 2: 100, 4: 10_000}


class ExactCounter:
    """How many values were computed, and how many of them needed the exact path, i.e. were
    not an exact 28-digit Decimal (for `bench/engine.py`). Fulfillments are not counted: they
    are always computed in integers. Counting is two integer additions; it is always on."""

    __slots__ = ("exact", "values")

    def __init__(self) -> None:
        self.values = 0
        self.exact = 0

    def reset(self) -> None:
        self.values = 0
        self.exact = 0


COUNTER = ExactCounter()


def to_fraction(value: Number) -> Fraction:
    return value if type(value) is Fraction else Fraction(value)


def round_fraction(value: Fraction, places: int) -> Decimal:
    """`value` rounded half-up (ties away from zero, as `ROUND_HALF_UP`) to `places`
    decimal places, computed from the exact rational with integers only."""
    return round_ratio(value.numerator, value.denominator, places)


def to_ratio(value: Number) -> Ratio:
    """`value` as an exact `(numerator, denominator)`."""
    if isinstance(value, Fraction):
        return value.numerator, value.denominator
    return value.as_integer_ratio()


def ratio_to_fraction(value: Ratio) -> Fraction:
    return Fraction(*value)


def round_ratio(numerator: int, denominator: int, places: int) -> Decimal:
    """`numerator / denominator` (denominator > 0) rounded half-up (ties away from zero) to
    `places` decimal places, with integers only."""
    scale = _SCALES[places] if places in _SCALES else 10**places
    negative = numerator < 0
    quotient, remainder = divmod(abs(numerator) * scale, denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return Decimal(f"{'-' if negative else ''}{quotient}E-{places}")


def ratio_display(value: Ratio) -> Decimal:
    """`display_decimal` of an exact ratio, without building a Fraction."""
    numerator, denominator = value
    # n/d terminates iff d divides n·10ᵏ for some k, and k = d.bit_length() is enough (it
    # exceeds every exponent of 2 and of 5 in d): one modular power instead of a gcd and loops.
    if not numerator * pow(10, denominator.bit_length(), denominator) % denominator:
        divisor = gcd(numerator, denominator)
        converted = _terminating(numerator // divisor, denominator // divisor)
        if converted is not None:  # always, by the test above
            return converted
    return DISPLAY_CONTEXT.divide(Decimal(numerator), Decimal(denominator))


def ratio_text(value: Ratio) -> str:
    """`number_text` of an exact ratio, without building a Fraction."""
    return str(ratio_display(value))


def round_number(value: Number, places: int) -> Decimal:
    """Half-up to `places` decimal places, exactly, whether `value` is a Decimal or a Fraction."""
    if isinstance(value, Fraction):
        return round_fraction(value, places)
    return value.quantize(_QUANTA[places], ROUND_HALF_UP, ROUNDING_CONTEXT)


def fraction_to_decimal(value: Fraction) -> Decimal | None:
    """The exact Decimal of `value` if its decimal expansion terminates, else None."""
    return _terminating(value.numerator, value.denominator)


def _terminating(numerator: int, denominator: int) -> Decimal | None:
    """The exact Decimal of the reduced `numerator / denominator` if it terminates, else None."""
    whole = denominator
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator != 1:
        return None
    places = max(twos, fives)
    digits = numerator * 10**places // whole
    return Decimal(f"{digits}E-{places}") if places else Decimal(digits)


def exact_decimal(value: Number) -> Number:
    """A Fraction that terminates as the Decimal it equals; anything else unchanged."""
    if type(value) is Fraction:
        converted = fraction_to_decimal(value)
        return value if converted is None else converted
    return value


def number_text(value: Number) -> str:
    """A number for a trace (see the module docstring)."""
    if type(value) is Fraction:
        converted = fraction_to_decimal(value)
        if converted is not None:
            return str(converted)
        return str(DISPLAY_CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator)))
    return str(value)


def display_decimal(value: Number) -> Decimal:
    """A Decimal for display: exact if it terminates, else 28 significant digits."""
    if isinstance(value, Fraction):
        converted = fraction_to_decimal(value)
        if converted is not None:
            return converted
        return DISPLAY_CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))
    return value
