"""KPI sets (spec §4): weights, duplicates, cap."""

from decimal import Decimal

import pytest

from engine import Factor, KpiSet, KpiSetItem, RuleViolation, Scheme, calculate_payout, kpi_set_problems

from .builders import STAGE_KPIS, bands, d, kpis, payout_input

PRESETS = {
    "stage-2-variant-1": ("0.1", "0.2", "0.4", "0.2", "0.1"),
    "stage-2-variant-2": ("0.1", "0.1", "0.4", "0.3", "0.1"),
    "stage-2-variant-3": ("0.1", "0.1", "0.3", "0.3", "0.2"),
    "stage-3-a": ("0.2", "0.2", "0.1", "0.3", "0.2"),
    "stage-3-b": ("0.2", "0.1", "0.2", "0.3", "0.2"),
}


def _items(weights, codes=STAGE_KPIS):
    return [(code, None if weight is None else d(weight)) for code, weight in zip(codes, weights, strict=True)]


@pytest.mark.parametrize("weights", [pytest.param(w, id=name) for name, w in PRESETS.items()])
def test_the_presets_of_the_spec_are_valid(weights):
    kpi_set = KpiSet.build("preset", _items(weights))
    assert kpi_set.cap_pct == Decimal(150)
    assert kpi_set.items[0] == KpiSetItem("awareness", Decimal(weights[0]))


def test_weights_summing_to_0_95_are_refused_with_the_sum():
    problems = kpi_set_problems(_items(("0.1", "0.2", "0.35", "0.2", "0.1")), d(150))
    assert [(p.code, p.message, p.row) for p in problems] == [
        ("kpi_set_weights_sum", "weights sum to 0.95, they must sum to 1", None)
    ]


@pytest.mark.parametrize(
    ("weights", "sum_text"),
    [
        pytest.param(("0.5", "0.6"), "1.1", id="over-1"),
        pytest.param(("0.3333", "0.3333", "0.3333"), "0.9999", id="thirds-are-not-1"),
        pytest.param(("0.5", "0.5000", "0.1"), "1.1", id="trailing-zeros"),
    ],
)
def test_the_sum_is_exact(weights, sum_text):
    codes = [f"k{number}" for number in range(len(weights))]
    problems = kpi_set_problems(_items(weights, codes), d(150))
    assert [p.message for p in problems] == [f"weights sum to {sum_text}, they must sum to 1"]


def test_weights_written_with_zeros_that_sum_to_1_are_fine():
    assert kpi_set_problems([("a", d("0.2500")), ("b", d("0.75"))], d(150)) == []


@pytest.mark.parametrize(
    ("items", "cap", "problems"),
    [
        pytest.param([("a", "0.5"), ("a", "0.5")], 150, [("kpi_set_duplicate", 2)], id="duplicate-kpi"),
        pytest.param([("a", "0"), ("b", "1")], 150, [("kpi_set_weight_range", 1)], id="weight-0"),
        pytest.param(
            [("a", "1.5"), ("b", "-0.5")],
            150,
            [("kpi_set_weight_range", 1), ("kpi_set_weight_range", 2)],
            id="weight-above-1-and-negative",
        ),
        pytest.param(
            [("a", "0.12345"), ("b", "0.87655")],
            150,
            [("kpi_set_weight_places", 1), ("kpi_set_weight_places", 2)],
            id="weight-5-places",
        ),
        pytest.param([("a", "1")], 99, [("kpi_set_cap_low", None)], id="cap-below-100"),
        pytest.param([("a", "1")], 100, [], id="cap-100-is-fine"),
        pytest.param([("a", "1")], None, [("kpi_set_cap_missing", None)], id="cap-missing"),
        pytest.param([], 150, [("kpi_set_empty", None)], id="empty"),
        pytest.param([("", "1")], 150, [("kpi_set_kpi_missing", 1)], id="kpi-missing"),
        pytest.param([("a", None), ("b", "0.5")], 150, [("kpi_set_weight_missing", 1)], id="weight-missing-no-sum"),
    ],
)
def test_problems_name_their_row(items, cap, problems):
    typed = [(code, None if weight is None else d(weight)) for code, weight in items]
    found = kpi_set_problems(typed, None if cap is None else d(cap))
    assert [(p.code, p.row) for p in found] == problems


@pytest.mark.parametrize(
    ("items", "cap", "message"),
    [
        pytest.param([("a", "0.5"), ("a", "0.5")], 150, "row 2: KPI 'a' is already in row 1; a KPI appears once", id="dup"),
        pytest.param([("a", "0"), ("b", "1")], 150, "row 1: the weight is 0, it must be above 0 and at most 1", id="zero"),
        pytest.param([("a", "1")], 90, "the cap is 90 %, it must be at least 100 %", id="cap"),
    ],
)
def test_build_refuses_with_readable_messages(items, cap, message):
    with pytest.raises(RuleViolation) as caught:
        KpiSet.build("bad", [(code, d(weight)) for code, weight in items], d(cap))
    assert str(caught.value) == message


def test_build_reports_every_problem_at_once():
    with pytest.raises(RuleViolation) as caught:
        KpiSet.build("bad", [("a", d("0.5")), ("a", d("0.4"))], d(50))
    assert [p.code for p in caught.value.problems] == ["kpi_set_cap_low", "kpi_set_duplicate", "kpi_set_weights_sum"]



def test_a_set_made_without_build_scores_the_same():
    built = KpiSet.build("s", [("leads", d("0.5")), ("cpl", d("0.5"))], d(120))
    direct = KpiSet("s", (KpiSetItem("leads", d("0.5")), KpiSetItem("cpl", d("0.5"))), d(120))
    assert direct == built

    def score_input(kpi_set):
        data = payout_input(
            scheme=Scheme("s", (Factor("k", bands(), kpi_set=kpi_set),)),
            kpis=kpis("leads", "cpl"),
            plans={"leads": d(100), "cpl": d(50)},
            measures={"leads": d(200), "marketing_spend": d(10000)},
        )
        return calculate_payout(data).trace["bonus"]["factors"][0]["input"]

    assert score_input(direct) == score_input(built)
    assert score_input(built)["score"] == "110.00"  # 0.5 × min(200, 120) + 0.5 × 100
