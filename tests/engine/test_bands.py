"""Band tables (spec §5): look-ups at and around every boundary, interpolation, validation."""

from decimal import Decimal

import pytest

from engine import LINEAR, STEP, BandPoint, BandTable, RuleViolation, band_points_problems

from .builders import STAGE_BANDS, bands, d

STAGE = bands(STAGE_BANDS, STEP, name="stage")
STAGE_LINEAR = bands(STAGE_BANDS, LINEAR, name="stage linear")


@pytest.mark.parametrize(
    ("percentage", "row", "coefficient"),
    [
        pytest.param("0.00", 1, "0", id="0.00"),
        pytest.param("69.99", 1, "0", id="69.99"),
        pytest.param("70.00", 2, "0.5", id="70.00"),
        pytest.param("70.01", 2, "0.5", id="70.01"),
        pytest.param("89.99", 2, "0.5", id="89.99"),
        pytest.param("90.00", 3, "0.8", id="90.00"),
        pytest.param("90.01", 3, "0.8", id="90.01"),
        pytest.param("99.99", 3, "0.8", id="99.99"),
        pytest.param("100.00", 4, "1", id="100.00"),
        pytest.param("100.01", 4, "1", id="100.01"),
        pytest.param("119.99", 4, "1", id="119.99"),
        pytest.param("120.00", 5, "1.3", id="120.00"),
        pytest.param("120.01", 5, "1.3", id="120.01"),
        pytest.param("1000.00", 5, "1.3", id="1000.00-last-band"),
    ],
)
def test_step_look_up(percentage, row, coefficient):
    hit = STAGE.look_up(Decimal(percentage))
    assert (hit.row, hit.coefficient) == (row, Decimal(coefficient))


@pytest.mark.parametrize(
    ("percentage", "row", "lower", "upper"),
    [
        pytest.param("79.99", 1, "0", "80", id="79.99"),
        pytest.param("80.00", 2, "80", "100", id="80.00"),
        pytest.param("80.01", 2, "80", "100", id="80.01"),
        pytest.param("99.99", 2, "80", "100", id="99.99"),
        pytest.param("100.00", 3, "100", None, id="100.00"),
        pytest.param("100.01", 3, "100", None, id="100.01"),
    ],
)
def test_the_hit_names_the_band_range(percentage, row, lower, upper):
    hit = bands().look_up(Decimal(percentage))
    assert (hit.row, hit.lower_bound_pct, hit.upper_bound_pct) == (
        row,
        Decimal(lower),
        None if upper is None else Decimal(upper),
    )


@pytest.mark.parametrize(
    ("percentage", "row", "coefficient"),
    [
        pytest.param("0", 1, "0.0000", id="first-point"),
        pytest.param("35", 1, "0.2500", id="halfway-first-band"),
        pytest.param("80", 2, "0.6500", id="inside-second-band"),
        pytest.param("90.00", 3, "0.8000", id="exactly-a-point"),
        pytest.param("95", 3, "0.9000", id="halfway"),
        pytest.param("101.00", 4, "1.0150", id="example-b"),
        pytest.param("100.01", 4, "1.0002", id="rounded-half-up-down"),  # 1.00015 -> 1.0002
        pytest.param("100.03", 4, "1.0005", id="rounded-half-up"),  # 1.00045 -> 1.0005
        pytest.param("100.02", 4, "1.0003", id="rounded-up"),  # 1.0003 exactly
        pytest.param("119.99", 4, "1.2999", id="just-below-last-point"),  # 1.29985 -> 1.2999
        pytest.param("120", 5, "1.3", id="last-point"),
        pytest.param("500", 5, "1.3", id="above-last-point"),
    ],
)
def test_linear_interpolation_rounds_half_up_to_4_places(percentage, row, coefficient):
    hit = STAGE_LINEAR.look_up(Decimal(percentage))
    assert hit.row == row
    assert str(hit.coefficient) == coefficient


def test_linear_interpolation_can_fall():
    table = bands(((0, 2), (100, 1)), LINEAR)
    assert table.look_up(d(25)).coefficient == Decimal("1.7500")


def test_a_one_row_table_holds_everything():
    table = bands(((0, "0.7"),))
    assert table.look_up(d(0)) == table.look_up(d(1000))
    assert table.look_up(d(500)).coefficient == Decimal("0.7")


def test_build_keeps_name_mode_and_points():
    assert STAGE_LINEAR.name == "stage linear"
    assert STAGE_LINEAR.mode == LINEAR
    assert STAGE_LINEAR.points[1] == BandPoint(d(70), d("0.5"))
    assert bands().mode == STEP


@pytest.mark.parametrize(
    ("percentage", "expected"),
    [
        pytest.param("0", "70", id="from-0"),
        pytest.param("89.99", "90", id="below-a-bound"),
        pytest.param("90", "100", id="at-a-bound"),
        pytest.param("120", None, id="top-band"),
    ],
)
def test_next_band_above(percentage, expected):
    found = STAGE.next_band_above(Decimal(percentage))
    assert (found and found.lower_bound_pct) == (expected and Decimal(expected))


def test_limits_are_the_callers_columns():
    points = [(d("0"), d("0")), (d("100000"), d("1")), (d("100001"), d("1000000"))]
    assert band_points_problems(points) == []
    found = band_points_problems(points, bound_limit=d("99999.99"), coefficient_limit=d("999999.9999"))
    assert [(problem.code, problem.row) for problem in found] == [
        ("band_bound_too_large", 2), ("band_bound_too_large", 3), ("band_coefficient_too_large", 3)
    ]
    assert str(found[0]) == "row 2: the lower bound 100000 is too large: at most 99999.99"


@pytest.mark.parametrize(
    ("points", "problems"),
    [
        pytest.param([], [("band_table_empty", None)], id="empty"),
        pytest.param([("10", "0"), ("80", "1")], [("band_first_not_zero", 1)], id="first-bound-not-0"),
        pytest.param([("0", "0"), ("80", "1"), ("70", "2")], [("band_not_increasing", 3)], id="not-increasing"),
        pytest.param([("0", "0"), ("80", "1"), ("80", "2")], [("band_not_increasing", 3)], id="duplicate-bound"),
        pytest.param(
            [("0", "0"), ("100", "1"), ("80", "1"), ("90", "1")],
            [("band_not_increasing", 3), ("band_not_increasing", 4)],
            id="every-row-below-the-highest-so-far",
        ),
        pytest.param([("0", "0"), ("80", "-0.5")], [("band_coefficient_negative", 2)], id="negative-coefficient"),
        pytest.param([("0", "0"), ("80", "0.12345")], [("band_coefficient_places", 2)], id="five-places"),
        pytest.param([("0", "0"), ("80", "0.1234")], [], id="four-places-are-fine"),
        pytest.param([("0", "0"), ("80", "1.50000")], [("band_coefficient_places", 2)], id="trailing-zeros-count"),
        pytest.param([("0", "0"), (None, "1")], [("band_bound_missing", 2)], id="bound-missing"),
        pytest.param([("0", None)], [("band_coefficient_missing", 1)], id="coefficient-missing"),
        pytest.param([("0", "0"), ("50.004", "1")], [("band_bound_places", 2)], id="bound-three-places"),
        pytest.param([("0", "0"), ("50", "1"), ("50.001", "2")], [("band_bound_places", 3)], id="bound-finer-than-fulfillment"),
        pytest.param([("0", "0"), ("NaN", "1"), ("80", "Infinity")], [("band_bound_not_a_number", 2), ("band_coefficient_not_a_number", 3)], id="not-numbers"),
        pytest.param(
            [("5", "-1"), ("5", "1")],
            [("band_first_not_zero", 1), ("band_coefficient_negative", 1), ("band_not_increasing", 2)],
            id="every-problem-is-reported",
        ),
    ],
)
def test_validation_names_the_offending_row(points, problems):
    typed = [(None if lower is None else d(lower), None if c is None else d(c)) for lower, c in points]
    found = band_points_problems(typed)
    assert [(problem.code, problem.row) for problem in found] == problems
    if problems:
        with pytest.raises(RuleViolation) as caught:
            BandTable.build("bad", typed)
        assert caught.value.problems == found


@pytest.mark.parametrize(
    ("points", "message"),
    [
        pytest.param([("10", "0")], "row 1: the first lower bound is 10, it must be 0", id="first-not-zero"),
        pytest.param(
            [("0", "0"), ("80", "1"), ("80", "2")],
            "row 3: the lower bound 80 must be greater than the row above (80)",
            id="duplicate",
        ),
        pytest.param([("0", "-1")], "row 1: the coefficient is -1, it must be 0 or more", id="negative"),
        pytest.param(
            [("0", "0.00001")], "row 1: the coefficient 0.00001 has more than 4 decimal places", id="places"
        ),
        pytest.param([], "a band table needs at least one row", id="empty"),
    ],
)
def test_validation_messages(points, message):
    with pytest.raises(RuleViolation) as caught:
        BandTable.build("bad", [(d(lower), d(c)) for lower, c in points])
    assert str(caught.value) == message


def test_an_unknown_mode_is_refused():
    with pytest.raises(RuleViolation) as caught:
        BandTable.build("bad", [(d(0), d(1))], mode="smooth")
    assert [(p.code, p.field) for p in caught.value.problems] == [("band_mode", "mode")]


def test_a_table_made_without_build_looks_up_the_same():
    direct = BandTable("direct", LINEAR, STAGE_LINEAR.points)
    for percentage in ("0", "69.99", "70", "101.00", "120", "999"):
        assert direct.look_up(Decimal(percentage)) == STAGE_LINEAR.look_up(Decimal(percentage))
    assert direct == BandTable("direct", LINEAR, STAGE_LINEAR.points)
