"""The one place that knows rounding (spec §3, §5, §6, §7): always half-up."""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from .exact import EXACT_CONTEXT, ROUNDING_CONTEXT, Number, round_fraction

#: The context every calculation runs in: 28 significant digits with `Inexact` trapped, so
#: a result that would be rounded raises and is recomputed exactly (see `engine.exact`).
CALCULATION_CONTEXT = EXACT_CONTEXT

_QUANTA = {0: Decimal(1), 2: Decimal("0.01"), 4: Decimal("0.0001")}

ZERO = Decimal(0)
MONEY_ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


_CENT = _QUANTA[2]


# `rounding` is passed by position: Decimal.quantize parses keywords at a cost that shows
# when every payout rounds a dozen times.
# The rounding runs in its own context (never the trapping one): rounding the exact value is
# the point. A Fraction is rounded from its exact numerator and denominator.
def round_half_up(value: Number, places: int) -> Decimal:
    """Round the exact `value` half-up to `places` decimal places (0, 2 or 4)."""
    if isinstance(value, Fraction):
        return round_fraction(value, places)
    return value.quantize(_QUANTA[places], ROUND_HALF_UP, ROUNDING_CONTEXT)


def quantize_money(value: Number) -> Decimal:
    """Money is rounded half-up to 0.01 of the company's currency (and so is a
    fulfillment percentage or a score, spec §3, §4)."""
    if isinstance(value, Fraction):
        return round_fraction(value, 2)
    return value.quantize(_CENT, ROUND_HALF_UP, ROUNDING_CONTEXT)


def decimal_places(value: Decimal) -> int:
    """How many decimal places a finite decimal is written with (`1.50` has 2)."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0
