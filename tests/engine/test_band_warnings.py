"""Band tables that are valid but look wrong (issue 14: "warnings for suspicious tables"): a
coefficient that falls as fulfillment rises, a band that pays more than the top one."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from engine import band_points_problems, band_points_warnings

D = Decimal


def test_the_typo_five_for_a_half_is_pointed_out_twice():
    points = [(D(0), D(0)), (D(80), D(5)), (D(100), D(1))]  # "0,5" typed as 5
    warnings = band_points_warnings(points)
    assert [(w.code, w.row) for w in warnings] == [("band_coefficient_falls", 3), ("band_pays_more_than_top", 2)]
    assert str(warnings[0]) == "row 3: the coefficient falls from 5 to 1 at 100 %: a higher fulfillment pays less"
    assert str(warnings[1]) == "row 2: the band from 80 % pays 5, more than the top band (1)"


def test_the_seeds_tables_look_right():
    leads = [(D(0), D(0)), (D(80), D("0.5")), (D(100), D(1)), (D(120), D("1.2"))]
    cpl = [(D(0), D(0)), (D(80), D("0.5")), (D(100), D(1))]
    assert band_points_warnings(leads) == [] and band_points_warnings(cpl) == []
    assert band_points_warnings([(D(0), D(1))]) == []


coefficients = st.decimals(min_value=0, max_value=100, places=4, allow_nan=False, allow_infinity=False)


@st.composite
def tables(draw):
    count = draw(st.integers(min_value=1, max_value=8))
    bounds = sorted(draw(st.sets(st.integers(min_value=1, max_value=50_000), min_size=count - 1, max_size=count - 1)))
    points = [(D(0), draw(coefficients))] + [(D(b) / 100, draw(coefficients)) for b in bounds]
    assert band_points_problems(points) == []  # valid: the warnings are about valid tables only
    return points


@given(tables())
def test_a_table_is_warned_about_exactly_when_a_coefficient_falls(points):
    coefficient = [c for _, c in points]
    falls = {row for row in range(2, len(points) + 1) if coefficient[row - 1] < coefficient[row - 2]}
    above_top = {row for row in range(1, len(points)) if coefficient[row - 1] > coefficient[-1]}
    warnings = band_points_warnings(points)
    assert {w.row for w in warnings if w.code == "band_coefficient_falls"} == falls
    assert {w.row for w in warnings if w.code == "band_pays_more_than_top"} == above_top
    assert (warnings == []) == (coefficient == sorted(coefficient))
