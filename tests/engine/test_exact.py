"""Spec §2 "Arithmetic is exact": the engine against an independent Fraction oracle, on
inputs built to land exactly on a rounding tie through a non-terminating intermediate."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, localcontext
from fractions import Fraction as Q

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from engine import (
    BASE_FIXED,
    LINEAR,
    BandTable,
    Factor,
    Period,
    SalaryAgreement,
    Scheme,
    WorkCalendar,
    calculate_payout,
    fulfillment,
    parse_formula,
    project_payout,
)
from engine.calendar import prorate
from engine.exact import EXACT_CONTEXT, NOT_EXACT, display_decimal, number_text, ratio_display
from engine.formula import Undefined

from . import oracle
from .builders import NOVEMBER, bands, d, factor_entry, kpi_entry, kpis, payout_input, seed_scheme

SAMPLES = settings(max_examples=150, deadline=None)
PRIMES = st.sampled_from([3, 7, 11, 13, 17])
POW_2_5 = st.sampled_from([1, 2, 4, 5, 8, 10, 20, 25])


def _dec(value: Q) -> Decimal:
    """A terminating rational as its exact Decimal (test helper)."""
    for places in range(60):
        scaled = value * 10**places
        if scaled.denominator == 1:
            return Decimal(f"{scaled.numerator}E-{places}")
    raise AssertionError(f"{value} does not terminate")


# --- the issue's concrete cases -------------------------------------------------------------


def test_example_e():
    data = payout_input(
        scheme=seed_scheme(),
        kpis=kpis("leads", "cpl"),
        plans={"leads": d(7), "cpl": d("1428.50")},
        measures={"leads": d(7), "marketing_spend": d("10000.00")},
    )
    result = calculate_payout(data)
    assert kpi_entry(result, "cpl")["fulfillment_pct"] == "100.00"
    assert result.coefficients == (Decimal(1), Decimal(1))
    assert (result.bonus, result.total) == (Decimal("30000.00"), Decimal("60000.00"))
    # 10,000.00 / 7 does not terminate: the trace shows it to 28 significant digits
    assert kpi_entry(result, "cpl")["actual"] == "1428.571428571428571428571429"


def test_cpl_tie_issue_case():
    data = payout_input(
        scheme=seed_scheme(), kpis=kpis("leads", "cpl"), plans={"leads": d(1), "cpl": d("997.4070")},
        measures={"leads": d(3691), "marketing_spend": d(443292)},
    )
    assert kpi_entry(calculate_payout(data), "cpl")["fulfillment_pct"] == "830.48"


def _calendar_with(working_days: int) -> WorkCalendar:
    """December 2026 (23 weekdays) with holidays removed from its end down to `working_days`."""
    period = Period(2026, 12)
    full = WorkCalendar.build(period).working_days
    return WorkCalendar.build(period, holidays=full[working_days:])


def _fixed(salaries: list[Decimal], days: list[int], working_days: int) -> Decimal:
    calendar = _calendar_with(working_days)
    work = calendar.working_days
    starts, first = [], 0
    for count in days:
        starts.append(work[first])
        first += count
    agreements = [SalaryAgreement(start, salary) for start, salary in zip(starts, salaries, strict=True)]
    termination = work[first - 1] if first < len(work) else None
    amount, total_days, _ = prorate(calendar, agreements, work[0], termination)
    assert total_days == working_days
    return amount


def test_three_segment_fixed_pay_issue_case():
    salaries = [d("12221.76"), d("75849.74"), d("183221.25")]
    assert _fixed(salaries, [8, 7, 7], 22) == Decimal("86875.96")


def _projected_leads_fulfillment(recorded: int, plan: int, day: int) -> str:
    data = payout_input(scheme=seed_scheme(), kpis=kpis("leads", "cpl"), plans={"leads": d(plan), "cpl": d(500)},
                        measures={"leads": d(recorded), "marketing_spend": d(1000)})
    result, _ = project_payout(data, {"leads": "sum", "marketing_spend": "sum"}, date(2026, 11, day))
    return kpi_entry(result, "leads")["fulfillment_pct"]


def test_projection_issue_cases():
    assert _projected_leads_fulfillment(290_396, 480_000, 19) == "95.53"
    assert _projected_leads_fulfillment(1_797, 8_000, 9) == "74.88"


def test_cancellation_is_exact():
    formula = parse_formula("(revenue / orders - marketing_spend / orders) * 100")
    assert formula.evaluate({"revenue": d(7), "marketing_spend": d(1), "orders": d(3)}) == 200


def test_a_tiny_but_nonzero_divisor_is_not_zero():
    tiny = "0." + "0" * 29 + "1"
    formula = parse_formula(f"leads / ((visits + {tiny}) - visits)")
    value = formula.evaluate({"leads": d(5), "visits": d(1000)})
    assert value == 5 * 10**30
    assert fulfillment("higher_is_better", d(100), value) == Decimal("1000.00")


def test_exact_values_show_as_they_are_in_the_trace():
    data = payout_input(scheme=seed_scheme(), kpis=kpis("leads", "cpl"), plans={"leads": d(3), "cpl": d(100)},
                        measures={"leads": d(3), "marketing_spend": d("2422.89")})
    assert kpi_entry(calculate_payout(data), "cpl")["actual"] == "807.63"


@settings(max_examples=300, deadline=None)
@given(
    spend=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
    leads=st.integers(1, 10**5),
    revenue=st.integers(0, 10**7), orders=st.integers(1, 10**4),
    previous_revenue=st.integers(1, 10**7), previous_orders=st.integers(1, 10**4),
)
def test_trace_actuals_are_the_exact_values(spend, leads, revenue, orders, previous_revenue, previous_orders):
    """Every KPI's `actual` in the trace is the exact value: as it is when it terminates, else
    rounded to 28 significant digits (the oracle: a Fraction and `display_decimal`)."""
    scheme = Scheme("s", (Factor("k1", bands(), kpi_code="cpl"), Factor("k2", bands(), kpi_code="avg_check_growth")))
    data = payout_input(
        scheme=scheme, kpis=kpis("leads", "cpl", "avg_check_growth"),
        plans={"leads": d(100), "cpl": d(500), "avg_check_growth": d(100)},
        measures={"leads": d(leads), "marketing_spend": spend, "revenue": d(revenue), "orders": d(orders)},
        previous_measures={"revenue": d(previous_revenue), "orders": d(previous_orders)},
    )
    result = calculate_payout(data)
    cpl = Q(spend) / leads
    growth = Q(revenue, orders) / Q(previous_revenue, previous_orders) * 100
    for code, exact in (("cpl", cpl), ("avg_check_growth", growth)):
        entry = kpi_entry(result, code)
        assert Q(entry["actual"]) == Q(display_decimal(exact))
        if exact.denominator != 1 and (10**60) % exact.denominator:  # does not terminate
            assert entry["actual"] == str(display_decimal(exact))


# --- properties: constructed ties -----------------------------------------------------------


@SAMPLES
@given(p=PRIMES, s=POW_2_5, v=st.integers(0, 2000), spend=st.integers(1, 10**7), scale=st.integers(1, 30))
def test_lower_is_better_tie(p, s, v, spend, scale):
    """CPL = spend / leads with leads = p·s (non-terminating), plan solved so F = T/1000 exactly."""
    leads = p * s * scale
    assume(spend % p and (scale % p))
    tie = p * (10 * v + 5)  # ≡ 5 (mod 10): F = tie / 1000 ends in 5 at the third place
    assume(tie < 10**6)
    plan = Q(tie * spend, 100_000 * leads)
    assume(_terminates(plan))
    plan_d = _dec(plan)
    data = payout_input(scheme=seed_scheme(), kpis=kpis("leads", "cpl"), plans={"leads": d(1), "cpl": plan_d},
                        measures={"leads": d(leads), "marketing_spend": d(spend)})
    expected = oracle.fulfillment(True, plan, Q(spend, leads))
    assert Q(plan) / Q(spend, leads) * 100 == Q(tie, 1000)
    assert kpi_entry(calculate_payout(data), "cpl")["fulfillment_pct"] == str(expected)


@SAMPLES
@given(p=PRIMES, s1=POW_2_5, s2=POW_2_5, prev_revenue=st.integers(1, 10**6), v=st.integers(0, 3000),
       m=st.integers(1, 50), x=st.integers(1, 40), y=st.integers(1, 40))
def test_higher_is_better_tie_through_prev(p, s1, s2, prev_revenue, v, m, x, y):
    """avg_check_growth = (R/o)/(R'/o')·100 with o, o' multiples of p: F = T/1000 exactly."""
    tie = 10 * v + 5
    assume(tie % p and prev_revenue % p and m % p and x % p and y % p)
    orders, prev_orders = p * s1 * x, p * s2 * y
    revenue = prev_revenue * tie * m
    actual = Q(revenue, orders) / Q(prev_revenue, prev_orders) * 100
    plan = actual * 100_000 / tie
    assume(all(n % p for n in (plan.denominator,)) and _terminates(plan))
    data = payout_input(
        scheme=Scheme("g", (Factor("k", bands(), kpi_code="avg_check_growth"),)), kpis=kpis("avg_check_growth"),
        plans={"avg_check_growth": _dec(plan)},
        measures={"revenue": d(revenue), "orders": d(orders)},
        previous_measures={"revenue": d(prev_revenue), "orders": d(prev_orders)},
    )
    assert actual / plan * 100 == Q(tie, 1000)
    expected = oracle.fulfillment(False, plan, actual)
    assert kpi_entry(calculate_payout(data), "avg_check_growth")["fulfillment_pct"] == str(expected)


def _terminates(value: Q) -> bool:
    den = value.denominator
    for f in (2, 5):
        while den % f == 0:
            den //= f
    return den == 1


@SAMPLES
@given(p=PRIMES, s=POW_2_5, v=st.integers(0, 2000), spend=st.integers(1, 10**6), w=st.integers(1, 9999),
       leads_f=st.integers(0, 100_000))
def test_set_score_from_tie_fulfillments(p, s, v, spend, w, leads_f):
    """A two-KPI set whose cpl fulfillment was a constructed tie; score == oracle."""
    leads = p * s
    assume(spend % p)
    tie = p * (10 * v + 5)
    assume(tie < 10**6)
    plan = Q(tie * spend, 100_000 * leads)
    assume(_terminates(plan))
    weight = Q(w, 10_000)
    from engine import KpiSet
    kpi_set = KpiSet.build("s", [("cpl", _dec(weight)), ("leads", _dec(1 - weight))], cap_pct=d(150))
    leads_plan = Q(leads * 100_000, leads_f) if leads_f else Q(1)
    assume(_terminates(leads_plan))
    data = payout_input(scheme=Scheme("s", (Factor("k", bands(), kpi_set=kpi_set),)), kpis=kpis("leads", "cpl"),
                        plans={"leads": _dec(leads_plan), "cpl": _dec(plan)},
                        measures={"leads": d(leads), "marketing_spend": d(spend)})
    f_cpl = Q(oracle.fulfillment(True, plan, Q(spend, leads)))
    f_leads = Q(oracle.fulfillment(False, leads_plan, Q(leads)))
    expected = oracle.score([(weight, f_cpl), (1 - weight, f_leads)], Q(150))
    assert calculate_payout(data).score == expected


@SAMPLES
@given(p=PRIMES, lower=st.integers(0, 200), dx_half=st.integers(0, 40), z_half=st.integers(0, 40),
       c0=st.integers(0, 20_000))
def test_linear_interpolation_tie(p, lower, dx_half, z_half, c0):
    """(x − l)/(u − l) with u − l = 2p (non-terminating), slope chosen so the 4-place result is a tie."""
    dx, z = 2 * dx_half + 1, 2 * z_half + 1
    assume(dx < 2 * p and dx % p)
    low, high = Q(c0, 10_000), Q(c0 + p * z, 10_000)
    points = [(Q(0), Q(0)), (Q(lower + 1), low), (Q(lower + 1 + 2 * p), high)]
    table = BandTable.build("lin", [(_dec(a), _dec(b)) for a, b in points], LINEAR)
    x = Q(lower + 1 + dx)
    exact = low + (high - low) * dx / (2 * p)
    assert (exact * 20_000).denominator == 1 and (exact * 20_000).numerator % 2 == 1  # a tie
    assert table.locate(_dec(x))[1] == oracle.linear(points, x)


@SAMPLES
@given(whole=st.integers(10**20, 10**34), share=st.integers(1, 9999), k=st.integers(1, 9999), cap=st.booleans())
def test_bonus_with_more_than_28_digits(whole, share, k, cap):
    base = Q(2 * whole + 1, 200)  # cents ending in 5 tenths of a cent after ×k/10^4 often tie
    coefficient = Q(k, 10_000)
    table = BandTable.build("one", [(d(0), _dec(coefficient))])
    scheme = Scheme("b", (Factor("k", table, kpi_code="leads"),), base_kind=BASE_FIXED, base_amount=_dec(base),
                    cap=d("0.5") if cap else None)
    data = payout_input(scheme=scheme, kpis=kpis("leads"), plans={"leads": d(1)}, measures={"leads": d(1)})
    assert calculate_payout(data).bonus == oracle.bonus(base, [coefficient], Q(1, 2) if cap else None)


@SAMPLES
@given(data=st.data(), working_days=st.integers(14, 23), segments=st.integers(1, 3))
def test_fixed_pay_segments(data, working_days, segments):
    """Σ salaryⱼ·wⱼ / W, ties constructed where W is even (cents can tie only then)."""
    days = []
    left = working_days
    for index in range(segments):
        count = data.draw(st.integers(1, max(1, left - (segments - index - 1))))
        days.append(count)
        left -= count
    assume(all(c > 0 for c in days) and sum(days) <= working_days)
    salaries = [Q(data.draw(st.integers(1_000_00, 500_000_00)), 100) for _ in days[:-1]]
    known = sum((s * w for s, w in zip(salaries, days, strict=False)), Q(0))
    last = days[-1]
    if working_days % 2 == 0:  # aim at a tie: C cents with C/(100W) ending in 5 at the third place
        m = data.draw(st.integers(10_000_00, 300_000_00))
        for step in range(2 * last + 2):
            target = Q((2 * (m + step) + 1) * working_days, 2 * 100)
            rest = target - known
            if rest > 0 and ((rest * 100) / last).denominator == 1:
                salaries.append(rest / last)
                break
        else:
            salaries.append(Q(data.draw(st.integers(1_000_00, 500_000_00)), 100))
    else:
        salaries.append(Q(data.draw(st.integers(1_000_00, 500_000_00)), 100))
    expected = oracle.fixed_pay(list(zip(salaries, days, strict=True)), working_days)
    assert _fixed([_dec(s) for s in salaries], days, working_days) == expected


@settings(max_examples=60, deadline=None)
@given(day=st.integers(1, 30), v=st.integers(0, 3000), m=st.integers(1, 40))
def test_projection_every_day_of_november(day, v, m):
    """recorded·30/day with the plan solved so the projected F is a tie."""
    tie = 10 * v + 5
    from math import gcd
    g = gcd(day, 30)
    recorded = (day // g) * tie * m
    projected = oracle.projected(Q(recorded), 30, day) if day < 30 else Q(recorded)
    plan = projected * 100_000 / tie
    assume(_terminates(plan))
    data = payout_input(scheme=seed_scheme(), kpis=kpis("leads", "cpl"), plans={"leads": _dec(plan), "cpl": d(500)},
                        measures={"leads": d(recorded), "marketing_spend": d(1000)})
    result, _ = project_payout(data, {"leads": "sum", "marketing_spend": "sum"}, date(2026, 11, day))
    assert kpi_entry(result, "leads")["fulfillment_pct"] == str(oracle.fulfillment(False, plan, projected))


@settings(max_examples=60, deadline=None)
@given(day=st.integers(1, 29), leads=st.integers(1, 10**6), plan=st.integers(1, 10**6), spend=st.integers(1, 10**7))
def test_projection_random_against_oracle(day, leads, plan, spend):
    data = payout_input(scheme=seed_scheme(), kpis=kpis("leads", "cpl"), plans={"leads": d(plan), "cpl": d(500)},
                        measures={"leads": d(leads), "marketing_spend": d(spend)})
    result, _ = project_payout(data, {"leads": "sum", "marketing_spend": "sum"}, date(2026, 11, day))
    projected = oracle.projected(Q(leads), 30, day)
    assert kpi_entry(result, "leads")["fulfillment_pct"] == str(oracle.fulfillment(False, Q(plan), projected))
    assert factor_entry(result, "k1")["percentage"] == str(oracle.fulfillment(False, Q(plan), projected))
    assert NOVEMBER == result.period


# Random formulas over every operator and function: the exact path (integer ratios) must
# equal plain Fraction arithmetic, whichever path a value takes.
_LEAVES = st.sampled_from(["a", "b", "c", "prev(a)", "3", "0.07", "1000000000000000000000000.5"])


def _formulas(depth: int = 3) -> st.SearchStrategy[str]:
    return st.recursive(
        _LEAVES,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from("+-*/"), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(st.sampled_from(["min", "max"]), inner, inner).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
            inner.map(lambda t: f"-{t}"),
        ),
        max_leaves=2**depth,
    )


def _fraction_value(text: str, values: dict[str, Q], previous_a: Q) -> Q | None:
    """The formula evaluated by Python on Fractions (an independent evaluator: `eval` on a
    formula we generated ourselves, with measures bound to Fractions)."""
    source = text.replace("prev(a)", "PREV_A")
    source = "".join(f"Q('{token}')" if token[0].isdigit() else token for token in _split(source))
    try:
        return eval(source, {"Q": Q, "min": min, "max": max, "PREV_A": previous_a, **values})
    except ZeroDivisionError:
        return None


def _split(source: str) -> list[str]:
    return re.findall(r"\d+(?:\.\d+)?|[A-Za-z_]+|\S", source)


_MEASURE = st.one_of(
    st.integers(-10**6, 10**6).map(Decimal),
    st.decimals(min_value=-10**9, max_value=10**9, places=4, allow_nan=False, allow_infinity=False),
    st.fractions(min_value=-1000, max_value=1000, max_denominator=97),  # projected measures
)


@settings(max_examples=400, deadline=None)
@given(_formulas(), _MEASURE, _MEASURE, _MEASURE, _MEASURE)
def test_random_formulas_are_exact(text, a, b, c, previous_a):
    formula = parse_formula(text)
    values = {"a": Q(a), "b": Q(b), "c": Q(c)}
    expected = _fraction_value(text, values, Q(previous_a))
    try:
        value = formula.evaluate({"a": a, "b": b, "c": c}, {"a": previous_a})
    except Undefined:
        assert expected is None
        return
    assert expected is not None
    assert Q(value) == expected
    # Where every Decimal operation is exact, the value is the Decimal closures' own, with
    # its exponent (`a / b` exact is shown as Decimal writes it), whichever path ran first.
    try:
        with localcontext(EXACT_CONTEXT):
            decimal_value = formula._evaluate({"a": a, "b": b, "c": c}, {"a": previous_a})
    except NOT_EXACT:
        decimal_value = None
    if type(decimal_value) is Decimal:  # (a formula that is one Fraction measure returns it)
        assert str(value) == str(decimal_value)
    # The trace shows a terminating value as it is, else 28 significant digits.
    if expected.denominator in (1, 2, 4, 5, 8, 10, 16, 20, 25, 40, 50, 100):
        assert Q(number_text(value)) == expected


@settings(max_examples=500, deadline=None)
@given(
    st.integers(-10**40, 10**40),
    st.integers(1, 10**6),
    st.integers(0, 60),
    st.integers(0, 60),
)
def test_an_exact_ratio_shows_as_its_fraction(numerator, odd, twos, fives):
    """The trace text of an unreduced ratio (the exact path's form) is the Fraction's:
    exact when it terminates (denominators 2ᵃ·5ᵇ, also after cancelling), else 28 digits."""
    for denominator in (odd * 2**twos * 5**fives, 2**twos * 5**fives, odd):
        expected = display_decimal(Q(numerator, denominator))
        shown = ratio_display((numerator, denominator))
        assert (str(shown), shown) == (str(expected), expected)
