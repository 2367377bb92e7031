"""The bridge from the engine's rule checks to Django's errors.

The rules themselves live once, in `engine`; models, admin formsets, the API
and imports all call them and turn their `Problem`s into errors through these helpers.
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext

from core.numbers import parse_decimal
from engine import Period, Problem
from engine.problems import Phrase


def _translated(text: str, params: tuple[tuple[str, Any], ...]) -> str:
    sentence = gettext(text)
    if not params:
        return sentence
    return sentence.format(**{name: _translated(v.text, v.params) if isinstance(v, Phrase) else v for name, v in params})


def problem_message(problem: Problem) -> str:
    """The problem's sentence in the active language (the project's catalogue, `locale/`),
    a `Phrase` among its params translated too."""
    return _translated(problem.text, problem.params)


def problem_text(problem: Problem) -> str:
    """The sentence with the row it is about, in the active language."""
    message = problem_message(problem)
    if problem.row is None:
        return message
    return gettext("row {row}: {message}").format(row=problem.row, message=message)


def problems_to_error(
    problems: Iterable[Problem], *, field_map: dict[str, str] | None = None, rows: str | None = None
) -> ValidationError:
    """One `ValidationError` keyed by field; with `rows`, a row's problem is keyed
    `rows[i].field` (0-based, as in the request body), and its message names the row."""
    by_field: dict[str, list[ValidationError]] = {}
    for problem in problems:
        field = (field_map or {}).get(problem.field or "", problem.field) or "__all__"
        if rows and problem.row is not None:
            field = f"{rows}[{problem.row - 1}].{field}"
        by_field.setdefault(field, []).append(ValidationError(problem_text(problem), code=problem.code))
    return ValidationError(by_field)


def raise_problems(problems: list[Problem], *, field_map: dict[str, str] | None = None, rows: str | None = None) -> None:
    if problems:
        raise problems_to_error(problems, field_map=field_map, rows=rows)


def validate_period(value: str) -> None:
    try:
        Period.parse(value)
    except ValueError as error:
        raise ValidationError(str(error), code="bad_period") from error


class PeriodField(models.CharField):
    """A calendar month stored as `YYYY-MM` (sorts and filters as text)."""

    default_validators = [validate_period]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 7)
        kwargs.setdefault("help_text", "YYYY-MM")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("help_text", None) if kwargs.get("help_text") == "YYYY-MM" else None
        return name, path, args, kwargs


def field_decimal(field: models.DecimalField, text: Any, *, thousands_separators: bool = False) -> Decimal:
    """`text` as a number the model field can hold (`core.numbers.parse_decimal`
    with the field's digits); raises `NumberError` naming what is wrong."""
    return parse_decimal(
        text,
        max_digits=field.max_digits,
        decimal_places=field.decimal_places,
        thousands_separators=thousands_separators,
    )


def largest_value(field: models.DecimalField) -> Decimal:
    """The largest number the column holds (`DecimalField(7, 2)`: 99999.99)."""
    return Decimal((0, (9,) * field.max_digits, -field.decimal_places))


def money_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, **kwargs)


def ratio_field(**kwargs) -> models.DecimalField:
    """Weights, shares and coefficients: four decimal places."""
    return models.DecimalField(max_digits=10, decimal_places=4, **kwargs)


def percent_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=7, decimal_places=2, **kwargs)
