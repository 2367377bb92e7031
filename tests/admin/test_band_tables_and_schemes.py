"""Band tables and bonus schemes in the admin: rows checked as one table through the
engine's rule (spec §5, §6), in the order entered; edits may move bounds past each other."""

from decimal import Decimal

import pytest
from django.urls import reverse

from compensation.models import BandPoint, BandTable, BonusScheme, SchemeFactor
from tests.admin.conftest import inline, inline_errors, non_form_errors

pytestmark = pytest.mark.django_db


def band_post(company, rows, *, initial=0, name="k2 bands") -> dict:
    return {"company": company.pk, "name": name, "mode": "step", **inline("points", rows, initial=initial)}


def test_a_bound_below_the_one_above_is_shown_on_its_row_and_nothing_is_saved(admin_client, company):
    rows = [
        {"lower_bound_pct": "0", "coefficient": "0"},
        {"lower_bound_pct": "90", "coefficient": "0.5"},
        {"lower_bound_pct": "80", "coefficient": "1"},
    ]

    response = admin_client.post(reverse("admin:compensation_bandtable_add"), band_post(company, rows))

    assert response.status_code == 200
    assert inline_errors(response) == [
        {},
        {},
        {"lower_bound_pct": ["row 3: the lower bound 80 must be greater than the row above (90)"]},
    ]
    assert not BandTable.objects.filter(name="k2 bands").exists()
    assert not BandPoint.objects.filter(table__name="k2 bands").exists()


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        pytest.param(
            [{"lower_bound_pct": "0", "coefficient": "0.5"}, {"lower_bound_pct": "-10", "coefficient": "1"}],
            [{}, {"lower_bound_pct": ["row 2: the lower bound -10 must be greater than the row above (0)"]}],
            id="second-below-first",
        ),
        pytest.param(
            [{"lower_bound_pct": "10", "coefficient": "0"}],
            [{"lower_bound_pct": ["row 1: the first lower bound is 10, it must be 0"]}],
            id="first-not-zero",
        ),
        pytest.param(
            [{"lower_bound_pct": "0", "coefficient": "0"}, {"lower_bound_pct": "0", "coefficient": "1"}],
            [{}, {"lower_bound_pct": ["row 2: the lower bound 0 must be greater than the row above (0)"]}],
            id="same-bound-twice",
        ),
        pytest.param(
            [{"lower_bound_pct": "0", "coefficient": "-1"}],
            [{"coefficient": ["row 1: the coefficient is -1, it must be 0 or more"]}],
            id="negative-coefficient-said-once",
        ),
    ],
)
def test_band_rules_land_on_the_row(admin_client, company, rows, expected):
    response = admin_client.post(reverse("admin:compensation_bandtable_add"), band_post(company, rows))

    assert inline_errors(response) == expected


def test_an_empty_band_table_is_refused(admin_client, company):
    response = admin_client.post(reverse("admin:compensation_bandtable_add"), band_post(company, []))

    assert non_form_errors(response) == ["a band table needs at least one row"]


def test_bounds_can_move_past_each_other_in_one_edit(admin_client, band_table):
    # given 0 → 0, 80 → 0.5, 100 → 1; when every bound above 0 moves up one band
    points = list(band_table.points.order_by("lower_bound_pct"))
    rows = [
        {"id": points[0].pk, "lower_bound_pct": "0", "coefficient": "0"},
        {"id": points[1].pk, "lower_bound_pct": "100", "coefficient": "0.5"},
        {"id": points[2].pk, "lower_bound_pct": "120", "coefficient": "1"},
    ]

    response = admin_client.post(
        reverse("admin:compensation_bandtable_change", args=[band_table.pk]),
        band_post(band_table.company, rows, initial=3, name=band_table.name),
    )

    assert response.status_code == 302
    assert [(p.lower_bound_pct, p.coefficient) for p in band_table.points.order_by("lower_bound_pct")] == [
        (Decimal("0"), Decimal("0")),
        (Decimal("100"), Decimal("0.5")),
        (Decimal("120"), Decimal("1")),
    ]


def scheme_post(company, rows) -> dict:
    return {
        "company": company.pk,
        "name": "Leads and CPL",
        "base_kind": "share",
        "base_share": "1",
        "base_amount": "",
        "cap": "",
        **inline("factors", rows),
    }


def test_a_scheme_without_factors_is_refused(admin_client, company):
    response = admin_client.post(reverse("admin:compensation_bonusscheme_add"), scheme_post(company, []))

    assert non_form_errors(response) == ["a bonus scheme needs at least one factor"]
    assert not BonusScheme.objects.exists()


def test_a_scheme_with_a_factor_is_saved(admin_client, company, band_table, catalogue):
    rows = [
        {"position": 1, "name": "k1", "input_kind": "kpi", "kpi": catalogue["leads"].pk, "band_table": band_table.pk}
    ]

    response = admin_client.post(reverse("admin:compensation_bonusscheme_add"), scheme_post(company, rows))

    assert response.status_code == 302
    assert SchemeFactor.objects.get(scheme__name="Leads and CPL").kpi == catalogue["leads"]
