"""Filters of the plan builder's pages: numbers with as many places as they have."""

from decimal import Decimal

from django import template

from portal import formatting

register = template.Library()


def places(value) -> int:
    number = formatting.to_decimal(value)
    if number is None:
        return 0
    exponent = number.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


@register.filter
def plain_pct(value):
    """80 % · 79,5 % · 100 % (in the language's way)."""
    return formatting.format_percent(value, places(value))


@register.filter
def plain_num(value):
    """0,5 · 1 · 1,25 (no grouping)."""
    number = formatting.to_decimal(value)
    return "" if number is None else formatting.format_number(number, places(value), grouping=False)


@register.filter
def whole_money(value):
    """An amount rounded to whole units, for the cells of a chart."""
    number = formatting.to_decimal(value)
    return "—" if number is None else formatting.format_number(number.quantize(Decimal(1)), 0)
