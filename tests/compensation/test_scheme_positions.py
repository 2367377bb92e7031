"""A scheme's factors each at their own position (issue 14: both positions defaulted to 1 and
duplicates were accepted): the service refuses a duplicate naming the row, and stores the
factors in the order of their positions."""

import pytest
from django.core.exceptions import ValidationError

from compensation.models import BonusScheme, SchemeFactor
from compensation.services import FACTOR_POSITION_TAKEN, bonus_scheme_save, scheme_factor_problems
from tests.factories import CompanyFactory, band_table, catalogue_kpi

pytestmark = pytest.mark.django_db


def test_rule_names_the_second_row_at_a_taken_position():
    problems = scheme_factor_problems([1, 2, 1])
    assert [(p.code, p.row, p.field) for p in problems] == [(FACTOR_POSITION_TAKEN, 3, "position")]
    assert str(problems[0]) == "row 3: the position 1 is already that of row 1; give each factor its own"
    assert scheme_factor_problems([2, 1]) == []
    assert [p.code for p in scheme_factor_problems([])] == ["scheme_no_factors"]


def test_service_refuses_two_factors_at_one_position_and_saves_nothing():
    company = CompanyFactory()
    bands = band_table(company, [(0, 1)])
    factors = [
        SchemeFactor(name="k1", position=1, kpi=catalogue_kpi("leads"), band_table=bands),
        SchemeFactor(name="k2", position=1, kpi=catalogue_kpi("cpl"), band_table=bands),
    ]
    with pytest.raises(ValidationError) as error:
        bonus_scheme_save(scheme=BonusScheme(company=company, name="Twice k1"), factors=factors)
    assert error.value.message_dict == {
        "factors[1].position": ["row 2: the position 1 is already that of row 1; give each factor its own"]
    }
    assert not BonusScheme.objects.filter(company=company).exists()


def test_factors_are_stored_in_the_order_of_their_positions():
    company = CompanyFactory()
    bands = band_table(company, [(0, 1)])
    scheme = bonus_scheme_save(
        scheme=BonusScheme(company=company, name="Ordered"),
        factors=[
            SchemeFactor(name="k2", position=2, kpi=catalogue_kpi("cpl"), band_table=bands),
            SchemeFactor(name="k1", position=1, kpi=catalogue_kpi("leads"), band_table=bands),
        ],
    )
    assert [(f.position, f.name) for f in scheme.factors.all()] == [(1, "k1"), (2, "k2")]


def test_the_admin_refuses_two_factors_at_one_position_on_the_second_row(admin_client):
    from django.urls import reverse

    from tests.admin.conftest import inline, inline_errors

    company = CompanyFactory()
    bands = band_table(company, [(0, 1)])
    rows = [
        {"position": 1, "name": "k1", "input_kind": "kpi", "kpi": catalogue_kpi("leads").pk, "band_table": bands.pk},
        {"position": 1, "name": "k2", "input_kind": "kpi", "kpi": catalogue_kpi("cpl").pk, "band_table": bands.pk},
    ]
    data = {"company": company.pk, "name": "Twice", "base_kind": "share", "base_share": "1", "base_amount": "", "cap": "", **inline("factors", rows)}

    response = admin_client.post(reverse("admin:compensation_bonusscheme_add"), data)

    assert response.status_code == 200 and not BonusScheme.objects.filter(name="Twice").exists()
    assert inline_errors(response)[1] == {"position": ["row 2: the position 1 is already that of row 1; give each factor its own"]}
