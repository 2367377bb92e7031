"""Decimal numbers as people type them and files hold them (`parse_decimal`).

The size is checked before anything touches the value: first the text's length, then the
digits and the exponent as written, against the column the number is for (its
`max_digits` and `decimal_places`). `Decimal("1e999999999")` is cheap to make, but
formatting it writes a billion digits and quantizing it fails; a number the column cannot
hold is refused here, with a message that quotes at most a short prefix of what was sent.

Plain Python (no Django): the admin, the API, the portal and the imports all call it.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext

#: Longer text is no number any column holds (18 digits, a sign, a point and grouping
#: spaces make ~30 characters); it is refused before it is cleaned or parsed.
MAX_TEXT_CHARS = 100
#: Messages quote at most this many characters of the bad input.
QUOTE_CHARS = 40

NOT_A_NUMBER = "not_a_number"
TOO_LARGE = "number_too_large"
TOO_PRECISE = "number_too_precise"

# ASCII digits only: Decimal() also takes "٣", "1_000", "Infinity" and "NaN".
_NUMBER = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?", re.ASCII)
_GROUPING = str.maketrans({" ": None, "\u00a0": None, "\u202f": None, "\u2009": None, "\u2212": "-"})


class NumberError(ValueError):
    """The input is not a number the column can hold; `code` is one of NOT_A_NUMBER,
    TOO_LARGE, TOO_PRECISE."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def quote(value: Any, limit: int = QUOTE_CHARS) -> str:
    """`repr` of at most `limit` characters of `value` (and at most `limit` + 2 once
    escaped), with "…" where it was cut."""
    text = value if isinstance(value, str) else _text_of(value)
    shown = repr(text[:limit])
    if len(shown) > limit + 2:
        return f"{shown[: limit + 1]}…"
    return f"{shown}…" if len(text) > limit else shown


def _text_of(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 4 * MAX_TEXT_CHARS:
        return f"a number of about {int(value.bit_length() * 0.30103)} digits"  # str() would refuse it
    return str(value)


def parse_decimal(
    text: Any, *, max_digits: int, decimal_places: int, thousands_separators: bool = False
) -> Decimal:
    """`text` as a `Decimal` a `DecimalField(max_digits, decimal_places)` can hold, without
    trailing zeros (`12.5000` → 12.5, `1e3` → 1000); raises `NumberError` otherwise.

    Spaces group digits (`1 234,5`), `−` is a minus and a lone comma is the decimal point.
    A comma and a dot together are refused as ambiguous, unless `thousands_separators`:
    then the later one is the decimal point and the other groups thousands (`1,234.5`).
    """
    if isinstance(text, int) and not isinstance(text, bool):
        text = _text_of(text)
    if not isinstance(text, str):
        raise NumberError(NOT_A_NUMBER, gettext("%(value)s is not a number") % {"value": quote(text)})
    if len(text) > MAX_TEXT_CHARS:
        raise NumberError(
            NOT_A_NUMBER,
            gettext("%(value)s is not a number (longer than %(limit)s characters)") % {"value": quote(text), "limit": MAX_TEXT_CHARS},
        )
    text = text.strip()
    cleaned = text.translate(_GROUPING)
    if thousands_separators and "," in cleaned and "." in cleaned:
        grouping = "," if cleaned.rfind(".") > cleaned.rfind(",") else "."
        cleaned = cleaned.replace(grouping, "")
    if "," in cleaned:
        if "." in cleaned or cleaned.count(",") > 1:
            raise NumberError(
                NOT_A_NUMBER, gettext("%(value)s is not a number (use one decimal separator, e.g. 1234.5)") % {"value": quote(text)}
            )
        cleaned = cleaned.replace(",", ".")
    match = _NUMBER.fullmatch(cleaned)
    if match is None or not (match.group(2) or match.group(3)):
        raise NumberError(NOT_A_NUMBER, gettext("%(value)s is not a number") % {"value": quote(text)})
    sign, whole, fraction, exponent = match.group(1), match.group(2), match.group(3) or "", match.group(4)
    digits = (whole + fraction).lstrip("0")
    if not digits:
        return Decimal(0)
    significant = digits.rstrip("0")
    # value = significant × 10^scale; every term is bounded by the text's length
    scale = (int(exponent) if exponent else 0) - len(fraction) + (len(digits) - len(significant))
    before_point = len(significant) + scale
    if before_point > max_digits - decimal_places:
        raise NumberError(
            TOO_LARGE,
            gettext("%(value)s is too large: at most %(digits)s digits before the decimal point")
            % {"value": quote(text), "digits": max_digits - decimal_places},
        )
    if -scale > decimal_places:
        raise NumberError(
            TOO_PRECISE, gettext("%(value)s has too many decimal places: at most %(places)s") % {"value": quote(text), "places": decimal_places}
        )
    coefficient = tuple(int(digit) for digit in significant) + (0,) * max(scale, 0)
    return Decimal((1 if sign == "-" else 0, coefficient, min(scale, 0)))


def nice_ceiling(value: Decimal) -> Decimal:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above `value` (1 for nothing): a chart's step."""
    if value <= 0:
        return Decimal(1)
    exponent = value.adjusted()
    for step in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        candidate = step.scaleb(exponent)
        if candidate >= value:
            return candidate
    return Decimal(10).scaleb(exponent)  # pragma: no cover
