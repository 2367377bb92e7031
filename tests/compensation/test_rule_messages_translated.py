"""The domain's rule messages in the reader's language (issue 14, item 3): the same rule, said
by the service, the API and an import, in English, Russian and Uzbek — with the row and the
numbers filled in after translation."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import translation
from rest_framework.test import APIClient

from compensation.demo import seed_demo
from compensation.models import BandTable
from compensation.services import band_table_save
from kpis.imports import plans_import
from kpis.models import KpiSet
from kpis.services import kpi_set_save

pytestmark = pytest.mark.django_db

FIRST_NOT_ZERO = {
    "en": "row 1: the first lower bound is 80, it must be 0",
    "ru": "строка 1: первая нижняя граница — 80, а должна быть 0",
    "uz": "1-qator: birinchi quyi chegara 80, u 0 boʻlishi kerak",
}


@pytest.mark.parametrize("language", ["en", "ru", "uz"])
def test_the_service_says_the_band_rule_in_the_active_language(language):
    company = seed_demo()
    with translation.override(language), pytest.raises(ValidationError) as refused:
        band_table_save(table=BandTable(company=company, name="x"), points=[(Decimal(80), Decimal(0)), (Decimal(100), Decimal(1))])
    assert FIRST_NOT_ZERO[language] in refused.value.message_dict["points[0].lower_bound_pct"]


@pytest.mark.parametrize("language", ["en", "ru", "uz"])
def test_the_api_says_it_in_the_language_the_client_asks_for(language):
    seed_demo()
    api = APIClient()
    api.force_authenticate(User.objects.get(username="hr"))
    body = {"name": "x", "mode": "step", "points": [{"lower_bound_pct": "80", "coefficient": "0"}]}

    answer = api.post("/api/v1/band-tables/", body, format="json", HTTP_ACCEPT_LANGUAGE=language)

    assert answer.status_code == 400  # the API's serializer reads the bound as the column holds it
    assert answer.json()["error"]["fields"]["points[0].lower_bound_pct"] == [FIRST_NOT_ZERO[language].replace("80", "80.00")]


def test_the_weights_rule_and_the_warnings_read_in_russian():
    company = seed_demo()
    kpis = list(KpiSet.objects.get(company=company, is_active=True).items.select_related("kpi"))
    with translation.override("ru"), pytest.raises(ValidationError) as refused:
        kpi_set_save(kpi_set=KpiSet(company=company, stage=3, name="x"), items=[(kpis[0].kpi, Decimal("0.5")), (kpis[1].kpi, Decimal("0.4"))])
    assert "сумма весов 0.9, а должна быть 1" in str(refused.value)

    table = BandTable.objects.filter(company=company).first()
    from compensation.services import band_table_warnings

    band_table_save(table=table, points=[(Decimal(0), Decimal(0)), (Decimal(80), Decimal(5)), (Decimal(100), Decimal(1))])
    with translation.override("ru"):
        warnings = band_table_warnings(table)
    assert "строка 2: порог от 80 % платит 5 — больше, чем верхний (1)" in warnings


def test_an_import_names_the_row_and_says_the_value_rule_in_uzbek():
    company = seed_demo()
    content = b"personnel_number,period,code,value\nDEMO-A,2026-12,leads,-5\n"
    with translation.override("uz"):
        result = plans_import(company=company, file_name="plans.csv", content=content)
    assert [(p.row, p.column, p.message) for p in result.errors] == [(2, "value", "reja -5, u 0 dan katta boʻlishi kerak")]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "the plan of DEMO-A for 2026-11 reaches a closed period: November 2026 was approved by Anna Petrova on 2 Dec 2026; record a correction"),
        ("ru", "план DEMO-A на 2026-11 затрагивает закрытый период: Ноябрь 2026 г.: утверждено, Anna Petrova, 2 Дек 2026; оформите исправление"),
    ],
)
def test_the_closed_period_refusal_reads_in_the_active_language(language, expected):
    from datetime import UTC, datetime

    from core.periods import ClosedPeriod, PeriodClosedError
    from engine import Period

    closed = ClosedPeriod(Period(2026, 11), "Anna Petrova", datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    with translation.override(language):
        what = translation.gettext("the plan of %(number)s for %(period)s") % {"number": "DEMO-A", "period": "2026-11"}
        assert PeriodClosedError.of(closed, what).message == expected
