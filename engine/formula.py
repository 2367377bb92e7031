"""The KPI formula language of spec §2: a tokenizer, a recursive-descent parser and an
evaluator over `Decimal`. No `eval` anywhere.

Grammar::

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/") unary)*
    unary   := "-" unary | primary
    primary := NUMBER | NAME | NAME "(" args ")" | "(" expr ")"

Functions: `prev(code)` (a measure's value in the previous period), `min(a, b)`, `max(a, b)`.
A parsed formula is compiled into nested closures once, so evaluating it for thousands of
employees costs only the arithmetic.

Exactness (spec §2): the formula is compiled twice, into `Decimal` closures (fast) and into
exact closures over integer ratios `(numerator, denominator)`. `Formula.evaluate` runs the
Decimal ones under `EXACT_CONTEXT`, which raises `Inexact` when an operation would round;
then, and only then, the ratio ones give the exact value. A measure may itself be a
`Fraction` (a projected measure, spec §9): the Decimal closures cannot mix it in
(`TypeError`) and the exact ones take over too. The value returned is exact: a `Decimal`, or
a `Fraction` when it does not terminate (or does not fit 28 digits).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from weakref import WeakKeyDictionary

from .exact import COUNTER, EXACT_CONTEXT, NOT_EXACT, Number, Ratio, exact_decimal, ratio_to_fraction, to_ratio
from .problems import Phrase, gettext_noop

Measures = Mapping[str, Number]
#: A Decimal closure: the value if every operation is exact in 28 digits; raises `Inexact`
#: otherwise, and `TypeError` for a measure that is not a Decimal (a projected Fraction).
Evaluator = Callable[[Measures, Measures], Decimal]
ExactEvaluator = Callable[[Measures, Measures], Ratio]

_TOKEN = re.compile(
    r"(?P<number>\d+(?:\.\d+)?|\.\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>[-+*/(),])"
)
FUNCTIONS = {"prev": 1, "min": 2, "max": 2}

#: What the compiler knows of a closure it made, for `_binary` to specialise on: a
#: constant's value, and a measure read's (code, message when missing). Weak keys: an entry
#: goes with its formula.
_CONSTANTS: WeakKeyDictionary[Callable[..., object], Decimal | Ratio] = WeakKeyDictionary()
_MEASURE_READS: WeakKeyDictionary[Callable[..., object], tuple[str, str]] = WeakKeyDictionary()


def _phrase(text: str, **params: object) -> Phrase:
    return Phrase(text, tuple(params.items()))


class FormulaError(ValueError):
    """A formula that cannot be accepted; `position` is the 0-based offset of the fault."""

    def __init__(self, message: str | Phrase, position: int, text: str):
        self.phrase = message if isinstance(message, Phrase) else Phrase(message)  # for a face to translate
        self.message = str(self.phrase)
        self.position = position
        self.text = text
        super().__init__(f"{self.message} at position {position + 1}")


class Undefined(Exception):
    """The formula has no value for this employee and period; `reason` says why."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "number", "name", "op" or "end"
    text: str
    position: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position, length = 0, len(text)
    while True:
        while position < length and text[position].isspace():
            position += 1
        if position == length:
            break
        match = _TOKEN.match(text, position)
        if match is None:
            raise FormulaError(_phrase(gettext_noop("unexpected character {found}"), found=repr(text[position])), position, text)
        kind = match.lastgroup or "op"
        tokens.append(_Token(kind, match.group(), position))
        position = match.end()
    tokens.append(_Token("end", "", length))
    return tokens


@dataclass(frozen=True)
class Formula:
    """A parsed, compiled formula. `measures` are the codes read in the current period,
    `previous_measures` those read through `prev()`."""

    text: str
    measures: frozenset[str]
    previous_measures: frozenset[str]
    _evaluate: Evaluator
    _evaluate_exact: ExactEvaluator
    #: The formula divides by something other than a constant, so its value usually does not
    #: terminate: `value_or_ratio` computes the exact ratio first (see there).
    ratio_first: bool = False
    # The codes in a stable (sorted) order, for traces: worked out once, not per payout.
    measure_order: tuple[str, ...] = field(init=False, repr=False, compare=False)
    previous_measure_order: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "measure_order", tuple(sorted(self.measures)))
        object.__setattr__(self, "previous_measure_order", tuple(sorted(self.previous_measures)))

    def evaluate(self, current: Measures, previous: Measures | None = None) -> Number:
        """The formula's exact value (a Decimal, or a Fraction when it has no exact Decimal);
        raises `Undefined` when a measure is missing or a divisor is exactly zero."""
        with localcontext(EXACT_CONTEXT):
            return exact_decimal(self.value(current, previous or {}))

    def value(self, current: Measures, previous: Measures) -> Number:
        """`evaluate` for a caller already in `EXACT_CONTEXT`: the Decimal closures, or the
        exact ones when an operation was inexact (the value is then a Fraction)."""
        value = self.value_or_ratio(current, previous)
        return ratio_to_fraction(value) if isinstance(value, tuple) else value

    def value_or_ratio(self, current: Measures, previous: Measures) -> Decimal | Ratio:
        """`value` as the engine uses it: a Decimal when every operation was exact, else the
        exact `(numerator, denominator)` from the integer closures."""
        COUNTER.values += 1
        if self.ratio_first:
            return self._ratio_first(current, previous)
        try:
            return self._evaluate(current, previous)
        except NOT_EXACT:
            COUNTER.exact += 1
            return self._evaluate_exact(current, previous)

    def _ratio_first(self, current: Measures, previous: Measures) -> Decimal | Ratio:
        """The exact ratio first; a value that does not terminate is that ratio (the Decimal
        closures would have signalled `Inexact`: an exact Decimal result terminates), one that
        terminates comes from the Decimal closures as ever (the same digits and exponent), or
        is the ratio if they signal `Inexact` on the way (`a / 3 * 3`)."""
        numerator, denominator = ratio = self._evaluate_exact(current, previous)
        if numerator * pow(10, denominator.bit_length(), denominator) % denominator:
            COUNTER.exact += 1
            return ratio
        try:
            return self._evaluate(current, previous)
        except NOT_EXACT:
            COUNTER.exact += 1
            return ratio


class _Parser:
    def __init__(self, text: str, known_measures: Iterable[str] | None):
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0
        self.known = None if known_measures is None else frozenset(known_measures)
        self.measures: set[str] = set()
        self.previous: set[str] = set()
        self.ratio_first = False  # a division by a non-constant (see `Formula.ratio_first`)

    # -- token helpers
    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def _fail(self, message: str | Phrase, token: _Token | None = None) -> FormulaError:
        token = token or self.token
        return FormulaError(message, token.position, self.text)

    def _expect(self, op: str) -> None:
        if self.token.kind == "op" and self.token.text == op:
            self.index += 1
            return
        found = Phrase(gettext_noop("the end of the formula")) if self.token.kind == "end" else repr(self.token.text)
        raise self._fail(_phrase(gettext_noop("expected {op} but found {found}"), op=repr(op), found=found))

    # -- grammar: every node is a pair (Decimal closure, exact ratio closure)
    def parse(self) -> _Node:
        if self.token.kind == "end":
            raise self._fail(Phrase(gettext_noop("the formula is empty")))
        node = self._expr()
        if self.token.kind != "end":
            raise self._fail(_phrase(gettext_noop("unexpected {found}"), found=repr(self.token.text)))
        return node

    def _expr(self) -> _Node:
        node = self._term()
        while self.token.kind == "op" and self.token.text in "+-":
            op = self.token.text
            self.index += 1
            node = _binary(op, node, self._term(), None)
        return node

    def _term(self) -> _Node:
        node = self._unary()
        while self.token.kind == "op" and self.token.text in "*/":
            op_token = self.token
            self.index += 1
            right = self._unary()
            if op_token.text == "/" and right[0] not in _CONSTANTS:
                self.ratio_first = True
            node = _binary(op_token.text, node, right, op_token.position)
        return node

    def _unary(self) -> _Node:
        if self.token.kind == "op" and self.token.text == "-":
            self.index += 1
            operand, exact = self._unary()
            return (lambda cur, prev: -operand(cur, prev)), _negate(exact)
        return self._primary()

    def _primary(self) -> _Node:
        token = self.token
        if token.kind == "number":
            self.index += 1
            value = Decimal(token.text)
            exact_value = value.as_integer_ratio()

            def constant(cur: Measures, prev: Measures) -> Decimal:
                return value

            def exact_constant(cur: Measures, prev: Measures) -> Ratio:
                return exact_value

            _CONSTANTS[constant] = value  # lets _binary bind it
            _CONSTANTS[exact_constant] = exact_value
            return constant, exact_constant
        if token.kind == "name":
            self.index += 1
            if self.token.kind == "op" and self.token.text == "(":
                return self._call(token)
            return self._measure(token, previous=False)
        if token.kind == "op" and token.text == "(":
            self.index += 1
            node = self._expr()
            self._expect(")")
            return node
        if token.kind == "end":
            raise self._fail(Phrase(gettext_noop("the formula ends too early")))
        raise self._fail(_phrase(gettext_noop("unexpected {found}"), found=repr(token.text)))

    def _measure(self, token: _Token, *, previous: bool) -> _Node:
        code = token.text
        if code in FUNCTIONS:
            raise self._fail(_phrase(gettext_noop("{code}() is a function and needs parentheses"), code=code), token)
        if self.known is not None and code not in self.known:
            raise self._fail(_phrase(gettext_noop("unknown measure {code}"), code=repr(code)), token)
        (self.previous if previous else self.measures).add(code)
        if previous:
            missing = f"prev({code}) was not recorded"

            def read_previous(cur: Measures, prev: Measures) -> Decimal:
                value = prev.get(code)
                if value is None:
                    raise Undefined(missing)
                if type(value) is not Decimal:
                    raise TypeError("not a Decimal: the exact closures read it")
                return value

            def exact_previous(cur: Measures, prev: Measures) -> Ratio:
                value = prev.get(code)
                if value is None:
                    raise Undefined(missing)
                return value.as_integer_ratio() if type(value) is Decimal else to_ratio(value)

            return read_previous, exact_previous
        missing = f"measure {code!r} was not recorded"

        def read(cur: Measures, prev: Measures) -> Decimal:
            value = cur.get(code)
            if value is None:
                raise Undefined(missing)
            if type(value) is not Decimal:
                raise TypeError("not a Decimal: the exact closures read it")
            return value

        def exact_read(cur: Measures, prev: Measures) -> Ratio:
            value = cur.get(code)
            if value is None:
                raise Undefined(missing)
            return value.as_integer_ratio() if type(value) is Decimal else to_ratio(value)

        _MEASURE_READS[read] = _MEASURE_READS[exact_read] = (code, missing)  # lets _binary read it inline
        return read, exact_read

    def _call(self, name: _Token) -> _Node:
        if name.text not in FUNCTIONS:
            raise self._fail(_phrase(gettext_noop("unknown function {name}"), name=repr(name.text)), name)
        self._expect("(")
        if name.text == "prev":
            argument = self.token
            if argument.kind != "name" or argument.text in FUNCTIONS:
                raise self._fail(Phrase(gettext_noop("prev() takes one measure code")), argument)
            self.index += 1
            node = self._measure(argument, previous=True)
            self._expect(")")
            return node
        first, exact_first = self._expr()
        self._expect(",")
        second, exact_second = self._expr()
        self._expect(")")
        if name.text == "min":
            return (
                lambda cur, prev: min(first(cur, prev), second(cur, prev)),
                _compare(int.__le__, exact_first, exact_second),
            )
        return (
            lambda cur, prev: max(first(cur, prev), second(cur, prev)),
            _compare(int.__ge__, exact_first, exact_second),
        )


_Node = tuple[Evaluator, ExactEvaluator]


def _negate(operand: ExactEvaluator) -> ExactEvaluator:
    def negate(cur: Measures, prev: Measures) -> Ratio:
        numerator, denominator = operand(cur, prev)
        return -numerator, denominator

    return negate


def _compare(pick_first: Callable[[int, int], bool], first: ExactEvaluator, second: ExactEvaluator) -> ExactEvaluator:
    """`min` or `max` of two ratios: the first when `pick_first(a·d, c·b)` (ties: the first,
    as the builtins do)."""

    def choose(cur: Measures, prev: Measures) -> Ratio:
        left, right = first(cur, prev), second(cur, prev)
        return left if pick_first(left[0] * right[1], right[0] * left[1]) else right

    return choose


def _binary(op: str, left_node: _Node, right_node: _Node, position: int | None) -> _Node:
    """One operation, as a Decimal closure and its exact twin."""
    reason = f"division by zero (the divisor at position {position + 1 if position is not None else '?'} is 0)"
    return _decimal_binary(op, left_node[0], right_node[0], reason), _exact_binary(op, left_node[1], right_node[1], reason)


def _exact_binary(op: str, left: ExactEvaluator, right: ExactEvaluator, reason: str) -> ExactEvaluator:
    """One operation on exact ratios `(numerator, denominator)`, denominators > 0."""
    if op == "+":

        def add(cur: Measures, prev: Measures) -> Ratio:
            (a, b), (c, d) = left(cur, prev), right(cur, prev)
            return (a + c, b) if b == d else (a * d + c * b, b * d)

        return add
    if op == "-":

        def subtract(cur: Measures, prev: Measures) -> Ratio:
            (a, b), (c, d) = left(cur, prev), right(cur, prev)
            return (a - c, b) if b == d else (a * d - c * b, b * d)

        return subtract
    known = _CONSTANTS.get(right)
    constant = known if isinstance(known, tuple) else None
    if op == "*":
        if constant is not None:
            c, d = constant

            def multiply_constant(cur: Measures, prev: Measures) -> Ratio:
                a, b = left(cur, prev)
                return a * c, b * d

            return multiply_constant

        def multiply(cur: Measures, prev: Measures) -> Ratio:
            (a, b), (c, d) = left(cur, prev), right(cur, prev)
            return a * c, b * d

        return multiply
    dividend_measure = _MEASURE_READS.get(left)
    divisor_measure = _MEASURE_READS.get(right)
    if dividend_measure is not None and divisor_measure is not None:
        dividend_code, dividend_missing = dividend_measure
        divisor_code, divisor_missing = divisor_measure

        def divide_measures(cur: Measures, prev: Measures) -> Ratio:
            # the same order as `divide`: the divisor first, then the dividend
            divisor = cur.get(divisor_code)
            if divisor is None:
                raise Undefined(divisor_missing)
            if not divisor:
                raise Undefined(reason)
            dividend = cur.get(dividend_code)
            if dividend is None:
                raise Undefined(dividend_missing)
            a, b = dividend.as_integer_ratio() if type(dividend) is Decimal else to_ratio(dividend)
            c, d = divisor.as_integer_ratio() if type(divisor) is Decimal else to_ratio(divisor)
            return (a * d, b * c) if c > 0 else (-a * d, -b * c)

        return divide_measures

    def divide(cur: Measures, prev: Measures) -> Ratio:
        c, d = right(cur, prev)
        if not c:
            raise Undefined(reason)
        a, b = left(cur, prev)
        return (a * d, b * c) if c > 0 else (-a * d, -b * c)

    return divide


def _decimal_binary(op: str, left: Evaluator, right: Evaluator, reason: str) -> Evaluator:
    """A constant right operand is bound in, and a ratio of two measures reads both itself:
    fewer calls for the shapes KPI formulas mostly have (`a / b`, `… * 100`). Under
    `EXACT_CONTEXT` an inexact result raises `Inexact`; a divisor that is zero here is zero
    exactly (an inexact divisor would have raised before)."""
    known = _CONSTANTS.get(right)
    constant = known if isinstance(known, Decimal) else None
    if op == "+":
        return lambda cur, prev: left(cur, prev) + right(cur, prev)
    if op == "-":
        return lambda cur, prev: left(cur, prev) - right(cur, prev)
    if op == "*":
        if constant is not None:
            return lambda cur, prev: left(cur, prev) * constant
        return lambda cur, prev: left(cur, prev) * right(cur, prev)
    if constant:  # a non-zero constant divisor
        return lambda cur, prev: left(cur, prev) / constant
    dividend_measure = _MEASURE_READS.get(left)
    divisor_measure = _MEASURE_READS.get(right)
    if dividend_measure is not None and divisor_measure is not None:
        dividend_code, dividend_missing = dividend_measure
        divisor_code, divisor_missing = divisor_measure

        def divide_measures(cur: Measures, prev: Measures) -> Decimal:
            # the same order as `divide`: the divisor first, then the dividend
            divisor = cur.get(divisor_code)
            if divisor is None:
                raise Undefined(divisor_missing)
            if not divisor:
                raise Undefined(reason)
            dividend = cur.get(dividend_code)
            if dividend is None:
                raise Undefined(dividend_missing)
            if type(dividend) is not Decimal or type(divisor) is not Decimal:
                raise TypeError("not a Decimal: the exact closures read it")
            return dividend / divisor

        return divide_measures

    def divide(cur: Measures, prev: Measures) -> Decimal:
        divisor = right(cur, prev)
        if not divisor:
            raise Undefined(reason)
        return left(cur, prev) / divisor

    return divide


def parse_formula(text: str, known_measures: Iterable[str] | None = None) -> Formula:
    """Parse and compile `text`. With `known_measures`, an unknown code is an error."""
    parser = _Parser(text, known_measures)
    evaluator, exact = parser.parse()
    return Formula(text, frozenset(parser.measures), frozenset(parser.previous), evaluator, exact, parser.ratio_first)
