"""Numbers and money for people, in the active language, from `Decimal` (never float):
`1 234,56 ₽` in Russian, `₽1,234.56` in English, `1 234,56 soʻm` in Uzbek. Also the reverse
for typed numbers."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import get_language

from core.numbers import parse_decimal

NBSP = "\u00a0"
CURRENCY_SYMBOLS = {"RUB": "₽", "USD": "$", "EUR": "€", "UZS": "soʻm"}
# A symbol that is a word of one language: the others write the ISO code (`1,500.00 UZS`).
WORD_SYMBOL_LANGUAGES = {"UZS": frozenset({"uz"})}
# Languages that write `1 234,56` (NBSP grouping, a decimal comma) and the symbol after the amount.
SUFFIX_LANGUAGES = frozenset({"ru", "uz"})


def _language(language: str | None) -> str:
    return (language or get_language() or "en").split("-")[0]


def _separators(language: str) -> tuple[str, str]:
    """(grouping, decimal point)"""
    return (NBSP, ",") if language in SUFFIX_LANGUAGES else (",", ".")


def currency_symbol(currency: str, language: str | None = None) -> str | None:
    """The currency's symbol in the language, or None where the language writes the ISO code."""
    symbol = CURRENCY_SYMBOLS.get(currency)
    if currency in WORD_SYMBOL_LANGUAGES and _language(language) not in WORD_SYMBOL_LANGUAGES[currency]:
        return None
    return symbol


def to_decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        raise TypeError("floats never reach the formatting of amounts")
    return Decimal(str(value))


def format_number(value, places: int = 2, language: str | None = None, *, grouping: bool = True) -> str:
    """`value` rounded half-up to `places` and written the language's way."""
    number = to_decimal(value)
    if number is None:
        return "—"
    language = _language(language)
    group, point = _separators(language)
    quantum = Decimal(1).scaleb(-places)
    rounded = number.quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    digits = f"{abs(rounded):f}"
    whole, _, fraction = digits.partition(".")
    if grouping and len(whole) > 3:
        parts: list[str] = []
        while len(whole) > 3:
            parts.insert(0, whole[-3:])
            whole = whole[:-3]
        parts.insert(0, whole)
        whole = group.join(parts)
    return f"{sign}{whole}{point}{fraction}" if fraction else f"{sign}{whole}"


def format_money(value, currency: str = "RUB", language: str | None = None) -> str:
    number = to_decimal(value)
    if number is None:
        return "—"
    language = _language(language)
    text = format_number(number, 2, language)
    symbol = currency_symbol(currency, language)
    if language in SUFFIX_LANGUAGES or symbol is None:
        return f"{text}{NBSP}{symbol or currency}"
    if text.startswith("-"):
        return f"-{symbol}{text[1:]}"
    return f"{symbol}{text}"


def format_percent(value, places: int = 2, language: str | None = None) -> str:
    if to_decimal(value) is None:
        return "—"
    language = _language(language)
    text = format_number(value, places, language)
    return f"{text}{NBSP}%" if language == "ru" else f"{text}%"


def format_coefficient(value, language: str | None = None) -> str:
    """A coefficient with as many places as it needs (at most 4, at least 1): 0,5 · 1,3 · 0,8125."""
    number = to_decimal(value)
    if number is None:
        return "—"
    rounded = number.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP).normalize()
    exponent = rounded.as_tuple().exponent  # an int: the number is finite
    places = max(1, -exponent) if isinstance(exponent, int) else 1
    return format_number(rounded, places, language)


def format_quantity(value, unit: str, currency: str = "RUB", language: str | None = None) -> str:
    """A KPI's or a measure's value in its unit (count, money, percent, ratio)."""
    number = to_decimal(value)
    if number is None:
        return "—"
    if unit == "money":
        return format_money(number, currency, language)
    if unit == "percent":
        return format_percent(number, 2, language)
    if unit == "count" and number == number.to_integral_value():
        return format_number(number, 0, language)
    return format_number(number, 2, language)


def input_value(value, language: str | None = None) -> str:
    """A number to put in a form field: no grouping, the language's decimal point, at most 2
    places and no trailing zeros."""
    number = to_decimal(value)
    if number is None:
        return ""
    rounded = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if rounded == rounded.to_integral_value():
        return format_number(rounded, 0, language, grouping=False)
    text = format_number(rounded, 2, language, grouping=False)
    return text.rstrip("0")


def parse_number(text: str, *, max_digits: int = 18, decimal_places: int = 4) -> Decimal:
    """A number as people type it: `1 234,5`, `1,234.5`, `1234.5`, no larger or finer than
    the digits given (a measure value's by default). `core.numbers.parse_decimal`
    with thousands separators; raises its `NumberError`, a `ValueError`."""
    return parse_decimal(text, max_digits=max_digits, decimal_places=decimal_places, thousands_separators=True)
