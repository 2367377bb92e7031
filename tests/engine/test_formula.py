"""The KPI formula language (spec §2): parsing, evaluation, faults with their position."""

from fractions import Fraction

import pytest

from engine import FormulaError, Undefined, parse_formula

from .builders import CATALOGUE, d

MEASURES = {"a": d(10), "b": d(4), "c": d(2), "z": d(0), "half": d("0.5")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("a", "10", id="measure"),
        pytest.param("a + b * c", "18", id="times-before-plus"),
        pytest.param("a - b - c", "4", id="minus-left-associative"),
        pytest.param("a / b / c", "1.25", id="divide-left-associative"),
        pytest.param("(a + b) * c", "28", id="parentheses"),
        pytest.param("((a))", "10", id="nested-parentheses"),
        pytest.param("-a + b", "-6", id="unary-minus"),
        pytest.param("--a", "10", id="double-unary-minus"),
        pytest.param("a * -b", "-40", id="unary-minus-after-operator"),
        pytest.param("-(a - b)", "-6", id="unary-minus-on-group"),
        pytest.param("2.5 * b", "10.0", id="decimal-literal"),
        pytest.param(".5 * a", "5.0", id="literal-without-leading-zero"),
        pytest.param("a * 0.1 + half", "1.5", id="decimal-arithmetic-is-exact"),
        pytest.param("min(a, b)", "4", id="min"),
        pytest.param("max(a, b * c)", "10", id="max-of-expression"),
        pytest.param("min(max(a, b), c) + 1", "3", id="nested-functions"),
        pytest.param("prev(a)", "100", id="prev"),
        pytest.param("a / prev(a) * 100", "10", id="prev-in-ratio"),
        pytest.param("  a\t+\nb  ", "14", id="whitespace"),
        pytest.param("1 / 3", "1/3", id="exact-not-28-digits"),  # spec §2: exact (was the 28-digit value)
        pytest.param("a / b", "2.5", id="ratio-of-measures"),
        pytest.param("a / b * 100", "250", id="ratio-times-constant"),
        pytest.param("a / 4 / 0.5", "5", id="constant-divisors"),
        pytest.param("2 / a", "0.2", id="constant-over-measure"),
        pytest.param("a / prev(a)", "0.1", id="measure-over-previous"),
        pytest.param("prev(a) / a", "10", id="previous-over-measure"),
        pytest.param("a * b * 2", "80", id="product-times-constant"),
    ],
)
def test_evaluation(text, expected):
    assert parse_formula(text).evaluate(MEASURES, {"a": d(100)}) == Fraction(expected)


def test_evaluation_returns_decimals_with_their_exponent():
    assert str(parse_formula("a * 1.50").evaluate(MEASURES)) == "15.00"


def test_measures_and_previous_measures_are_collected():
    formula = parse_formula("(revenue / orders) / (prev(revenue) / prev(orders)) * 100")
    assert formula.measures == frozenset({"revenue", "orders"})
    assert formula.previous_measures == frozenset({"revenue", "orders"})
    assert formula.text == "(revenue / orders) / (prev(revenue) / prev(orders)) * 100"


@pytest.mark.parametrize(("code", "text"), [pytest.param(code, text, id=code) for code, (text, _) in CATALOGUE.items()])
def test_every_catalogue_formula_parses(code, text):
    formula = parse_formula(text)
    assert formula.measures | formula.previous_measures


def test_the_catalogue_has_the_21_kpis_of_the_spec():
    assert len(CATALOGUE) == 21


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        pytest.param("", "the formula is empty", 0, id="empty"),
        pytest.param("   ", "the formula is empty", 3, id="blank"),
        pytest.param("a +", "the formula ends too early", 3, id="trailing-operator"),
        pytest.param("a * ", "the formula ends too early", 4, id="trailing-operator-and-space"),
        pytest.param("a $ b", "unexpected character '$'", 2, id="bad-character"),
        pytest.param("a ^ 2", "unexpected character '^'", 2, id="power-is-not-an-operator"),
        pytest.param("1.", "unexpected character '.'", 1, id="literal-without-decimals"),
        pytest.param("(a + b", "expected ')' but found the end of the formula", 6, id="unclosed-parenthesis"),
        pytest.param("a + b)", "unexpected ')'", 5, id="extra-closing-parenthesis"),
        pytest.param("()", "unexpected ')'", 1, id="empty-parentheses"),
        pytest.param("a b", "unexpected 'b'", 2, id="two-operands"),
        pytest.param("* a", "unexpected '*'", 0, id="leading-operator"),
        pytest.param("sqrt(a)", "unknown function 'sqrt'", 0, id="unknown-function"),
        pytest.param("a + Min(a, b)", "unknown function 'Min'", 4, id="function-names-are-case-sensitive"),
        pytest.param("min(a)", "expected ',' but found ')'", 5, id="min-with-one-argument"),
        pytest.param("max(a, b, c)", "expected ')' but found ','", 8, id="max-with-three-arguments"),
        pytest.param("min + 1", "min() is a function and needs parentheses", 0, id="function-without-parentheses"),
        pytest.param("prev(1)", "prev() takes one measure code", 5, id="prev-of-number"),
        pytest.param("prev(a + b)", "expected ')' but found '+'", 7, id="prev-of-expression"),
        pytest.param("prev()", "prev() takes one measure code", 5, id="prev-of-nothing"),
        pytest.param("prev(min)", "prev() takes one measure code", 5, id="prev-of-function-name"),
        pytest.param("prev(prev(a))", "prev() takes one measure code", 5, id="prev-of-prev"),
        pytest.param("prev a", "prev() is a function and needs parentheses", 0, id="prev-without-parentheses"),
    ],
)
def test_syntax_errors_name_the_fault_and_its_position(text, message, position):
    with pytest.raises(FormulaError) as caught:
        parse_formula(text)
    error = caught.value
    assert (error.message, error.position, error.text) == (message, position, text)
    assert str(error) == f"{message} at position {position + 1}"


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        pytest.param("leads / spend", "unknown measure 'spend'", 8, id="current-period"),
        pytest.param("leads / prev(spend)", "unknown measure 'spend'", 13, id="previous-period"),
        pytest.param("Leads", "unknown measure 'Leads'", 0, id="codes-are-case-sensitive"),
    ],
)
def test_unknown_measures_are_rejected_with_known_measures(text, message, position):
    with pytest.raises(FormulaError) as caught:
        parse_formula(text, known_measures=["leads", "marketing_spend"])
    assert (caught.value.message, caught.value.position) == (message, position)


def test_known_measures_accepts_known_codes_and_any_iterable():
    formula = parse_formula("marketing_spend / prev(leads)", known_measures=(code for code in ["leads", "marketing_spend"]))
    assert formula.evaluate({"marketing_spend": d(10)}, {"leads": d(5)}) == d(2)


def test_without_known_measures_any_code_is_accepted():
    assert parse_formula("anything_at_all").measures == frozenset({"anything_at_all"})


@pytest.mark.parametrize(
    ("text", "current", "previous", "reason"),
    [
        pytest.param("a / z", MEASURES, {}, "division by zero (the divisor at position 3 is 0)", id="divide-by-zero"),
        pytest.param(
            "a / (b - 4.00)", MEASURES, {}, "division by zero (the divisor at position 3 is 0)", id="divisor-is-0.00"
        ),
        pytest.param("b + a / (c - c)", MEASURES, {}, "division by zero (the divisor at position 7 is 0)", id="inner"),
        pytest.param("a + missing", MEASURES, {}, "measure 'missing' was not recorded", id="missing-measure"),
        pytest.param("a / prev(a)", MEASURES, {}, "prev(a) was not recorded", id="missing-previous"),
        pytest.param("a / prev(a)", MEASURES, {"a": d(0)}, "division by zero (the divisor at position 3 is 0)", id="prev-zero"),
        pytest.param("min(a, missing)", MEASURES, {}, "measure 'missing' was not recorded", id="missing-inside-min"),
        pytest.param("a / 0", MEASURES, {}, "division by zero (the divisor at position 3 is 0)", id="constant-0-divisor"),
        pytest.param("a / 0.00 * 2", MEASURES, {}, "division by zero (the divisor at position 3 is 0)", id="constant-0.00"),
        pytest.param("lost / z", MEASURES, {}, "division by zero (the divisor at position 6 is 0)", id="divisor-read-first"),
        pytest.param("lost / gone", MEASURES, {}, "measure 'gone' was not recorded", id="missing-divisor-first"),
        pytest.param("lost / b", MEASURES, {}, "measure 'lost' was not recorded", id="missing-dividend"),
        pytest.param("(lost + a) / gone", MEASURES, {}, "measure 'gone' was not recorded", id="expression-divisor-first"),
        pytest.param("lost * 100", MEASURES, {}, "measure 'lost' was not recorded", id="missing-times-constant"),
        pytest.param("lost / 4", MEASURES, {}, "measure 'lost' was not recorded", id="missing-over-constant"),
    ],
)
def test_undefined_values_say_why(text, current, previous, reason):
    with pytest.raises(Undefined) as caught:
        parse_formula(text).evaluate(current, previous)
    assert caught.value.reason == reason


def test_previous_measures_default_to_none_recorded():
    with pytest.raises(Undefined):
        parse_formula("prev(a)").evaluate(MEASURES)


def test_a_formula_is_reusable_across_employees():
    formula = parse_formula("marketing_spend / leads")
    assert formula.evaluate({"marketing_spend": d(1000), "leads": d(10)}) == d(100)
    assert formula.evaluate({"marketing_spend": d(900), "leads": d(3)}) == d(300)


def test_no_eval_is_used():
    with pytest.raises(FormulaError):
        parse_formula("__import__('os')")
