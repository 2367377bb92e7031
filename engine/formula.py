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
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, DivisionByZero, InvalidOperation

Measures = Mapping[str, Decimal]
Evaluator = Callable[[Measures, Measures], Decimal]

_TOKEN = re.compile(
    r"(?P<number>\d+(?:\.\d+)?|\.\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>[-+*/(),])"
)
FUNCTIONS = {"prev": 1, "min": 2, "max": 2}


class FormulaError(ValueError):
    """A formula that cannot be accepted; `position` is the 0-based offset of the fault."""

    def __init__(self, message: str, position: int, text: str):
        self.message = message
        self.position = position
        self.text = text
        super().__init__(f"{message} at position {position + 1}")


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
            raise FormulaError(f"unexpected character {text[position]!r}", position, text)
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
    # The codes in a stable (sorted) order, for traces: worked out once, not per payout.
    measure_order: tuple[str, ...] = field(init=False, repr=False, compare=False)
    previous_measure_order: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "measure_order", tuple(sorted(self.measures)))
        object.__setattr__(self, "previous_measure_order", tuple(sorted(self.previous_measures)))

    def evaluate(self, current: Measures, previous: Measures | None = None) -> Decimal:
        """The formula's value; raises `Undefined` when a measure is missing or a divisor
        is zero."""
        return self._evaluate(current, previous or {})


class _Parser:
    def __init__(self, text: str, known_measures: Iterable[str] | None):
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0
        self.known = None if known_measures is None else frozenset(known_measures)
        self.measures: set[str] = set()
        self.previous: set[str] = set()

    # -- token helpers
    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def _fail(self, message: str, token: _Token | None = None) -> FormulaError:
        token = token or self.token
        return FormulaError(message, token.position, self.text)

    def _expect(self, op: str) -> None:
        if self.token.kind == "op" and self.token.text == op:
            self.index += 1
            return
        found = "the end of the formula" if self.token.kind == "end" else repr(self.token.text)
        raise self._fail(f"expected {op!r} but found {found}")

    # -- grammar
    def parse(self) -> Evaluator:
        if self.token.kind == "end":
            raise self._fail("the formula is empty")
        node = self._expr()
        if self.token.kind != "end":
            raise self._fail(f"unexpected {self.token.text!r}")
        return node

    def _expr(self) -> Evaluator:
        node = self._term()
        while self.token.kind == "op" and self.token.text in "+-":
            op = self.token.text
            self.index += 1
            node = _binary(op, node, self._term(), None)
        return node

    def _term(self) -> Evaluator:
        node = self._unary()
        while self.token.kind == "op" and self.token.text in "*/":
            op_token = self.token
            self.index += 1
            node = _binary(op_token.text, node, self._unary(), op_token.position)
        return node

    def _unary(self) -> Evaluator:
        if self.token.kind == "op" and self.token.text == "-":
            self.index += 1
            operand = self._unary()
            return lambda cur, prev: -operand(cur, prev)
        return self._primary()

    def _primary(self) -> Evaluator:
        token = self.token
        if token.kind == "number":
            self.index += 1
            value = Decimal(token.text)

            def constant(cur: Measures, prev: Measures) -> Decimal:
                return value

            constant.constant = value  # type: ignore[attr-defined]  # lets _binary bind it
            return constant
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
            raise self._fail("the formula ends too early")
        raise self._fail(f"unexpected {token.text!r}")

    def _measure(self, token: _Token, *, previous: bool) -> Evaluator:
        code = token.text
        if code in FUNCTIONS:
            raise self._fail(f"{code}() is a function and needs parentheses", token)
        if self.known is not None and code not in self.known:
            raise self._fail(f"unknown measure {code!r}", token)
        (self.previous if previous else self.measures).add(code)
        if previous:
            missing = f"prev({code}) was not recorded"

            def read_previous(cur: Measures, prev: Measures) -> Decimal:
                value = prev.get(code)
                if value is None:
                    raise Undefined(missing)
                return value

            return read_previous
        missing = f"measure {code!r} was not recorded"

        def read(cur: Measures, prev: Measures) -> Decimal:
            value = cur.get(code)
            if value is None:
                raise Undefined(missing)
            return value

        read.measure = (code, missing)  # type: ignore[attr-defined]  # lets _binary read it inline
        return read

    def _call(self, name: _Token) -> Evaluator:
        if name.text not in FUNCTIONS:
            raise self._fail(f"unknown function {name.text!r}", name)
        self._expect("(")
        if name.text == "prev":
            argument = self.token
            if argument.kind != "name" or argument.text in FUNCTIONS:
                raise self._fail("prev() takes one measure code", argument)
            self.index += 1
            node = self._measure(argument, previous=True)
            self._expect(")")
            return node
        first = self._expr()
        self._expect(",")
        second = self._expr()
        self._expect(")")
        if name.text == "min":
            return lambda cur, prev: min(first(cur, prev), second(cur, prev))
        return lambda cur, prev: max(first(cur, prev), second(cur, prev))


def _binary(op: str, left: Evaluator, right: Evaluator, position: int | None) -> Evaluator:
    """One operation. A constant right operand is bound in, and a ratio of two measures reads
    both itself: fewer calls for the shapes KPI formulas mostly have (`a / b`, `… * 100`)."""
    constant: Decimal | None = getattr(right, "constant", None)
    if op == "+":
        return lambda cur, prev: left(cur, prev) + right(cur, prev)
    if op == "-":
        return lambda cur, prev: left(cur, prev) - right(cur, prev)
    if op == "*":
        if constant is not None:
            return lambda cur, prev: left(cur, prev) * constant
        return lambda cur, prev: left(cur, prev) * right(cur, prev)
    reason = f"division by zero (the divisor at position {position + 1 if position is not None else '?'} is 0)"
    if constant:  # a non-zero constant divisor
        return lambda cur, prev: left(cur, prev) / constant
    dividend_measure = getattr(left, "measure", None)
    divisor_measure = getattr(right, "measure", None)
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
            try:
                return dividend / divisor
            except (DivisionByZero, InvalidOperation) as error:  # pragma: no cover - guarded above
                raise Undefined(reason) from error

        return divide_measures

    def divide(cur: Measures, prev: Measures) -> Decimal:
        divisor = right(cur, prev)
        if not divisor:
            raise Undefined(reason)
        try:
            return left(cur, prev) / divisor
        except (DivisionByZero, InvalidOperation) as error:  # pragma: no cover - guarded above
            raise Undefined(reason) from error

    return divide


def parse_formula(text: str, known_measures: Iterable[str] | None = None) -> Formula:
    """Parse and compile `text`. With `known_measures`, an unknown code is an error."""
    parser = _Parser(text, known_measures)
    evaluator = parser.parse()
    return Formula(text, frozenset(parser.measures), frozenset(parser.previous), evaluator)
