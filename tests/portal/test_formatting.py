"""Numbers and money for people (no database)."""

from decimal import Decimal

import pytest

from portal.charts import Month, pay_history_chart
from portal.formatting import (
    format_coefficient,
    format_money,
    format_number,
    format_percent,
    format_quantity,
    input_value,
    parse_number,
)

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        (Decimal("1234.56"), "ru", f"1{NBSP}234,56{NBSP}₽"),
        (Decimal("1234.56"), "en", "₽1,234.56"),
        (Decimal("1234567.005"), "ru", f"1{NBSP}234{NBSP}567,01{NBSP}₽"),  # half up
        (Decimal("-1234.56"), "en", "-₽1,234.56"),
        (Decimal("-0.5"), "ru", f"-0,50{NBSP}₽"),
        (Decimal("999.99"), "en", "₽999.99"),
        ("45000.00", "en", "₽45,000.00"),
        (None, "en", "—"),
    ],
    ids=["ru", "en", "ru-millions-half-up", "en-negative", "ru-negative-small", "en-no-grouping", "text", "none"],
)
def test_money(value, language, expected):
    assert format_money(value, "RUB", language) == expected


def test_money_in_a_currency_without_a_symbol():
    assert format_money(Decimal("1500"), "UZS", "en") == f"1,500.00{NBSP}UZS"


def test_floats_never_reach_the_formatting():
    with pytest.raises(TypeError):
        format_money(1.5, "RUB", "en")


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: format_percent(Decimal("130.434"), 2, "ru"), f"130,43{NBSP}%"),
        (lambda: format_percent(Decimal("80"), 0, "en"), "80%"),
        (lambda: format_coefficient(Decimal("1.0000"), "en"), "1.0"),
        (lambda: format_coefficient(Decimal("0.8125"), "ru"), "0,8125"),
        (lambda: format_number(Decimal("12345"), 0, "ru"), f"12{NBSP}345"),
        (lambda: format_quantity(Decimal("200.0000"), "count", "RUB", "en"), "200"),
        (lambda: format_quantity(Decimal("260.8695"), "count", "RUB", "en"), "260.87"),
        (lambda: format_quantity(Decimal("555.555"), "money", "RUB", "ru"), f"555,56{NBSP}₽"),
        (lambda: input_value(Decimal("144927.3913"), "ru"), "144927,39"),
        (lambda: input_value(Decimal("200.00"), "en"), "200"),
        (lambda: input_value(Decimal("12.50"), "en"), "12.5"),
    ],
    ids=["pct-ru", "pct-en", "k-one", "k-four-places", "ru-grouping", "count-whole", "count-fraction", "money-unit",
         "input-ru", "input-whole", "input-trailing-zero"],
)
def test_numbers(call, expected):
    assert call() == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 234,5", Decimal("1234.5")),
        (f"1{NBSP}234,5", Decimal("1234.5")),
        ("1,234.5", Decimal("1234.5")),
        ("1.234,5", Decimal("1234.5")),
        ("12,5", Decimal("12.5")),
        (" 100000 ", Decimal("100000")),
        ("−3", Decimal("-3")),
    ],
    ids=["ru-space", "ru-nbsp", "en", "de", "comma-decimal", "padded", "unicode-minus"],
)
def test_typed_numbers(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "1e5000x", "NaN", "Infinity", "1,2,3.4.5"])
def test_typed_numbers_that_are_not(text):
    with pytest.raises(ValueError):
        parse_number(text)


def test_the_chart_stacks_fixed_and_bonus_on_a_rounded_scale():
    chart = pay_history_chart(
        [Month("2026-10", Decimal("30000"), Decimal("7500"), Decimal("37500")), Month("2026-11", None, None, None)]
    )
    october, november = chart["bars"]
    assert [tick["value"] for tick in chart["ticks"]] == [0, 10000, 20000, 30000, 40000]
    assert november["empty"] and not october["empty"]
    # fixed fills 3/4 of the plot height, the bonus the next 3/16
    plot = Decimal(chart["baseline"] - 12)
    assert Decimal(october["fixed_height"]) == (plot * 3 / 4).quantize(Decimal("0.1"))
    assert Decimal(october["bonus_height"]) == (plot * 3 / 16).quantize(Decimal("0.1"))
    assert october["year"] == "2026" and november["year"] == ""


def test_an_empty_history_has_no_data():
    chart = pay_history_chart([Month("2026-11", None, None, None)])
    assert chart["has_data"] is False


# --- Uzbek (Latin script) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        (Decimal("1234.56"), "UZS", f"1{NBSP}234,56{NBSP}soʻm"),
        (Decimal("12500000"), "UZS", f"12{NBSP}500{NBSP}000,00{NBSP}soʻm"),
        (Decimal("-1234.565"), "UZS", f"-1{NBSP}234,57{NBSP}soʻm"),  # half up
        (Decimal("1234.56"), "RUB", f"1{NBSP}234,56{NBSP}₽"),
        (Decimal("1234.56"), "USD", f"1{NBSP}234,56{NBSP}$"),
        (Decimal("1234.56"), "KZT", f"1{NBSP}234,56{NBSP}KZT"),
        (None, "UZS", "—"),
    ],
    ids=["uzs", "uzs-millions", "uzs-negative-half-up", "rub", "usd", "no-symbol", "none"],
)
def test_money_in_uzbek(value, currency, expected):
    assert format_money(value, currency, "uz") == expected


def test_som_is_uzbek_only_other_languages_write_the_code():
    assert format_money(Decimal("1500"), "UZS", "ru") == f"1{NBSP}500,00{NBSP}UZS"
    assert format_money(Decimal("1500"), "UZS", "en") == f"1,500.00{NBSP}UZS"
    assert format_money(Decimal("1500"), "UZS", "uz-latn") == f"1{NBSP}500,00{NBSP}soʻm"


def test_the_active_language_decides_when_none_is_given():
    from django.utils import translation

    with translation.override("uz"):
        assert format_money(Decimal("45000"), "UZS") == f"45{NBSP}000,00{NBSP}soʻm"
        assert format_number(Decimal("1234.5"), 1) == f"1{NBSP}234,5"


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: format_number(Decimal("12345.678"), 2, "uz"), f"12{NBSP}345,68"),
        (lambda: format_percent(Decimal("130.434"), 2, "uz"), "130,43%"),
        (lambda: format_coefficient(Decimal("0.8125"), "uz"), "0,8125"),
        (lambda: format_quantity(Decimal("555.555"), "money", "UZS", "uz"), f"555,56{NBSP}soʻm"),
        (lambda: format_quantity(Decimal("200.0000"), "count", "UZS", "uz"), "200"),
        (lambda: input_value(Decimal("144927.3913"), "uz"), "144927,39"),
    ],
    ids=["grouping", "percent", "coefficient", "money-unit", "count", "input"],
)
def test_numbers_in_uzbek(call, expected):
    assert call() == expected


def test_the_currency_symbol_filter_is_the_languages():
    from django.utils import translation

    from portal.templatetags.portal import currency_symbol

    with translation.override("uz"):
        assert currency_symbol("UZS") == "soʻm"
    with translation.override("en"):
        assert currency_symbol("UZS") == "UZS" and currency_symbol("RUB") == "₽"


def test_month_names_in_uzbek():
    """Django's Uzbek month names, the official Latin spelling (Sentabr, Oktabr, as in CLDR), the
    same the payslips print (payroll/excel/labels.py)."""
    from django.utils import translation

    from payroll.excel.labels import Labels
    from portal.templatetags.portal import period_label, period_short

    with translation.override("uz"):
        assert [period_label(f"2026-{month:02d}") for month in (1, 5, 9, 10, 11)] == [
            "Yanvar 2026",
            "May 2026",
            "Sentabr 2026",
            "Oktabr 2026",
            "Noyabr 2026",
        ]
        assert period_short("2026-11") == "Noy"
        assert [period_label(f"2026-{month:02d}") for month in range(1, 13)] == [
            Labels("uz").month(f"2026-{month:02d}") for month in range(1, 13)
        ]
