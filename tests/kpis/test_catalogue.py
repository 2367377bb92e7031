"""The catalogue (spec §2) and the presets (spec §4) are there after migrate."""

from decimal import Decimal

import pytest

from engine import parse_formula
from kpis.catalogue import KPIS, PRESETS
from kpis.models import Kpi, KpiSet, Measure

pytestmark = pytest.mark.django_db


def test_every_catalogue_kpi_is_installed_and_parses_over_catalogue_measures():
    measures = set(Measure.objects.filter(company=None).values_list("code", flat=True))
    installed = {kpi.code: kpi for kpi in Kpi.objects.filter(company=None).select_related("measure")}
    assert set(installed) == set(KPIS)
    for kpi in installed.values():
        parse_formula(kpi.expression, measures)
    assert installed["cpl"].direction == "lower_is_better"
    assert installed["awareness"].measure.aggregation == "last"


def test_presets_sum_to_one_and_match_the_spec():
    presets = KpiSet.objects.filter(company=None).prefetch_related("items")
    assert presets.count() == len(PRESETS)
    for preset in presets:
        assert sum(item.weight for item in preset.items.all()) == Decimal(1)
        assert preset.cap_pct == Decimal(150)
    variant_1 = presets.get(name__startswith="Stage 2 · variant 1")
    assert [str(item.weight) for item in variant_1.items.all()] == ["0.1000", "0.2000", "0.4000", "0.2000", "0.1000"]
