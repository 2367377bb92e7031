"""Properties that hold for every input, checked with hypothesis (spec §3 – §6)."""

from datetime import date
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from engine import (
    HIGHER_IS_BETTER,
    LINEAR,
    LOWER_IS_BETTER,
    STEP,
    BandTable,
    Factor,
    KpiSet,
    RuleViolation,
    SalaryAgreement,
    Scheme,
    calculate_payout,
    fulfillment,
    kpi_set_problems,
    round_half_up,
)

from .builders import d, kpis, payout_input

bounded = settings(deadline=None)

percentages = st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False, allow_infinity=False)
coefficients = st.integers(min_value=0, max_value=30_000).map(lambda n: Decimal(n).scaleb(-4))
money_amounts = st.integers(min_value=0, max_value=50_000_000).map(lambda n: Decimal(n).scaleb(-2))


@st.composite
def band_tables(draw, mode=None, rising=False):
    """A valid band table: first bound 0, bounds strictly increasing (2 places), coefficients
    with at most 4 places; `rising` makes the coefficients non-decreasing."""
    inner = draw(st.lists(st.integers(min_value=1, max_value=150_000), max_size=6, unique=True))
    bounds = [Decimal(0)] + [Decimal(n).scaleb(-2) for n in sorted(inner)]
    values = draw(st.lists(coefficients, min_size=len(bounds), max_size=len(bounds)))
    if rising:
        values.sort()
    chosen = mode or draw(st.sampled_from([STEP, LINEAR]))
    return BandTable.build("random", list(zip(bounds, values, strict=True)), chosen)


def _one_kpi_payout(table, plan, leads, via_set):
    if via_set:
        factor = Factor("k", table, kpi_set=KpiSet.build("set", [("leads", d(1))], d(150)))
    else:
        factor = Factor("k", table, kpi_code="leads")
    return calculate_payout(
        payout_input(
            scheme=Scheme("s", (factor,)), kpis=kpis("leads"), plans={"leads": plan}, measures={"leads": leads}
        )
    )


@pytest.mark.parametrize("via_set", [pytest.param(False, id="kpi-factor"), pytest.param(True, id="kpi-set-factor")])
@pytest.mark.parametrize("mode", [STEP, LINEAR])
@bounded
@given(
    data=st.data(),
    plan=st.integers(min_value=1, max_value=5_000).map(Decimal),
    low=st.integers(min_value=0, max_value=20_000),
    more=st.integers(min_value=0, max_value=20_000),
)
def test_more_of_a_higher_is_better_measure_never_lowers_the_coefficient(via_set, mode, data, plan, low, more):
    table = data.draw(band_tables(mode, rising=True))
    before = _one_kpi_payout(table, plan, Decimal(low), via_set)
    after = _one_kpi_payout(table, plan, Decimal(low + more), via_set)
    assert after.coefficients[0] >= before.coefficients[0]
    assert after.bonus >= before.bonus


@bounded
@given(
    tables=st.lists(band_tables(), min_size=1, max_size=3),
    cap=st.one_of(st.none(), st.integers(min_value=0, max_value=300).map(lambda n: Decimal(n).scaleb(-2))),
    salary=money_amounts,
    share=st.integers(min_value=0, max_value=200).map(lambda n: Decimal(n).scaleb(-2)),
    leads=st.integers(min_value=0, max_value=1_000).map(Decimal),
)
def test_the_bonus_never_exceeds_cap_times_base(tables, cap, salary, share, leads):
    factors = tuple(Factor(f"k{n}", table, kpi_code="leads") for n, table in enumerate(tables))
    result = calculate_payout(
        payout_input(
            salary_agreements=(SalaryAgreement(date(2020, 1, 1), salary),),
            scheme=Scheme("s", factors, base_share=share, cap=cap),
            kpis=kpis("leads"),
            plans={"leads": d(100)},
            measures={"leads": leads},
        )
    )
    base = result.fixed * share
    assert result.bonus >= 0
    if cap is not None:
        assert result.bonus <= round_half_up(cap * base, 2)
        assert result.trace["bonus"]["capped"] == (base * _product(result.coefficients) > cap * base)
    assert result.bonus.as_tuple().exponent == -2


def _product(values):
    product = Decimal(1)
    for value in values:
        product *= value
    return product


@bounded
@given(table=band_tables())
def test_a_look_up_at_and_around_every_boundary_lands_in_the_band_that_holds_it(table):
    points = table.points
    step = Decimal("0.01")
    for point in points:
        for value in (point.lower_bound_pct - step, point.lower_bound_pct, point.lower_bound_pct + step):
            if value < 0:
                continue
            hit = table.look_up(value)
            index = hit.row - 1
            assert points[index].lower_bound_pct == hit.lower_bound_pct <= value
            upper = points[index + 1].lower_bound_pct if index + 1 < len(points) else None
            assert hit.upper_bound_pct == upper
            assert upper is None or value < upper
            if table.mode == STEP or upper is None or value == hit.lower_bound_pct:
                assert hit.coefficient == points[index].coefficient
            else:
                ends = (points[index].coefficient, points[index + 1].coefficient)
                assert min(ends) <= hit.coefficient <= max(ends)
                assert hit.coefficient.as_tuple().exponent == -4


@st.composite
def weights_summing_to_1(draw):
    """1 to 8 weights of at most 4 places that sum to exactly 1."""
    count = draw(st.integers(min_value=1, max_value=8))
    cuts = draw(st.lists(st.integers(min_value=1, max_value=9_999), min_size=count - 1, max_size=count - 1, unique=True))
    edges = [0, *sorted(cuts), 10_000]
    return [Decimal(b - a).scaleb(-4) for a, b in pairwise(edges)]


def _items(weights):
    return [(f"kpi{n}", weight) for n, weight in enumerate(weights)]


@bounded
@given(weights=weights_summing_to_1())
def test_weights_that_sum_to_1_are_accepted(weights):
    assert kpi_set_problems(_items(weights), d(150)) == []
    assert KpiSet.build("ok", _items(weights)).items[0].weight == weights[0]


@bounded
@given(
    weights=st.lists(
        st.integers(min_value=1, max_value=10_000).map(lambda n: Decimal(n).scaleb(-4)), min_size=1, max_size=8
    )
)
def test_weights_that_do_not_sum_to_1_are_always_refused(weights):
    total = sum(weights, Decimal(0))
    assume(total != 1)
    problems = kpi_set_problems(_items(weights), d(150))
    assert [p.code for p in problems] == ["kpi_set_weights_sum"]
    assert problems[0].message == f"weights sum to {format(total.normalize(), 'f')}, they must sum to 1"
    with pytest.raises(RuleViolation):
        KpiSet.build("bad", _items(weights))


@bounded
@given(weights=weights_summing_to_1(), data=st.data())
def test_a_sum_off_by_any_amount_is_refused(weights, data):
    index = data.draw(st.integers(min_value=0, max_value=len(weights) - 1))
    delta = data.draw(st.integers(min_value=-9_999, max_value=9_999).filter(bool).map(lambda n: Decimal(n).scaleb(-4)))
    changed = weights[index] + delta
    assume(0 < changed <= 1)
    weights[index] = changed
    assert [p.code for p in kpi_set_problems(_items(weights), d(150))] == ["kpi_set_weights_sum"]


actuals = st.one_of(
    st.none(),
    st.decimals(min_value=-10**9, max_value=10**9, allow_nan=False, allow_infinity=False),
    st.decimals(min_value=0, max_value=1, places=6),
)


@bounded
@given(
    direction=st.sampled_from([HIGHER_IS_BETTER, LOWER_IS_BETTER]),
    plan=st.one_of(st.none(), st.decimals(min_value="0.0001", max_value=10**9, allow_nan=False, allow_infinity=False)),
    actual=actuals,
)
def test_fulfillment_is_within_0_and_1000_with_2_places(direction, plan, actual):
    value = fulfillment(direction, plan, actual)
    assert Decimal(0) <= value <= Decimal(1000)
    assert value.as_tuple().exponent == -2


@bounded
@given(percentage=percentages, table=band_tables(STEP))
def test_a_step_coefficient_is_one_of_the_table(percentage, table):
    assert table.look_up(percentage).coefficient in {point.coefficient for point in table.points}
