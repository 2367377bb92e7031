"""A page of a list costs the same number of queries whether it shows 3 rows or 30: no
query per row (nested items, related rows) — Zulip-style query-count tests."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compensation.models import BandTable, BonusScheme, SchemeFactor
from compensation.services import band_table_save, bonus_scheme_save
from kpis.models import Kpi, KpiSet
from kpis.services import kpi_set_save
from payroll.models import PayrollRun

pytestmark = pytest.mark.django_db
D = Decimal
PAGE = 30


@pytest.fixture
def thirty_of_each(world):
    """At least 30 rows in each list of the demo company (the demo has fewer of some)."""
    company = world.demo.company
    leads, cpl = (Kpi.objects.get(company=None, code=code) for code in ("leads", "cpl"))
    tables = [
        band_table_save(table=BandTable(company=company, name=f"Bands {n}"), points=[(D(0), D(0)), (D(100), D(1))])
        for n in range(PAGE)
    ]
    for n, table in enumerate(tables):
        bonus_scheme_save(
            scheme=BonusScheme(company=company, name=f"Scheme {n}"),
            factors=[
                SchemeFactor(name="k1", input_kind="kpi", kpi=leads, band_table=table),
                SchemeFactor(name="k2", position=2, input_kind="kpi", kpi=cpl, band_table=table),
            ],
        )
        kpi_set_save(
            kpi_set=KpiSet(company=company, stage=1 + n % 5, name=f"Set {n}"),
            items=[(leads, D("0.5")), (cpl, D("0.5"))],
        )
    PayrollRun.objects.bulk_create(
        PayrollRun(company=company, period=f"{2000 + n // 12}-{1 + n % 12:02d}", status="cancelled")
        for n in range(PAGE)
    )


LISTS = [
    "employees",
    "plans",
    "measure-values",
    "kpi-sets",
    "band-tables",
    "bonus-schemes",
    "payouts",
    "payroll-runs",
    "salary-agreements",
    "scheme-assignments",
    "kpis",
    "measures",
    "companies",
    "adjustments",
    "company-stages",
    "calendar-days",
]


# One or two rows per company: their nested rows (stages, calendar) are what could grow.
FEW = ("companies", "adjustments", "company-stages", "calendar-days")


def queries_for(client, url: str, page_size: int) -> int:
    client.get(url, {"page_size": 1})  # warm: the token, the membership, content types
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"page_size": page_size})
    assert response.status_code == 200, response.content[:300]
    return len(captured.captured_queries)


@pytest.mark.parametrize("resource", LISTS)
def test_a_page_of_30_costs_what_a_page_of_3_does(world, api, thirty_of_each, resource):
    client = api("superuser") if resource == "companies" else api("hr")
    url = f"/api/v1/{resource}/"
    if resource not in FEW:
        assert len(client.get(url, {"page_size": PAGE}).json()["results"]) >= 20, "too few rows to show anything"

    assert queries_for(client, url, PAGE) == queries_for(client, url, 3)


@pytest.mark.parametrize(
    "url", ["payroll-runs/{run}/payouts/", "payroll-runs/{run}/warnings/", "me/payouts/", "me/plans/?period=2026-11"]
)
def test_nested_lists_do_not_query_per_row(world, api, url, django_assert_max_num_queries):
    client = api("marketer") if url.startswith("me/") else api("hr")
    url = "/api/v1/" + url.format(run=world.demo.ids["payroll-runs"])
    client.get(url)
    with django_assert_max_num_queries(8):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("resource", ["employees", "plans", "payouts", "payroll-runs", "kpi-sets"])
def test_a_list_needs_few_queries(world, api, thirty_of_each, resource, django_assert_max_num_queries):
    client = api("hr")
    client.get(f"/api/v1/{resource}/")
    with django_assert_max_num_queries(6):  # token, membership, count, page, and a prefetch or two
        client.get(f"/api/v1/{resource}/", {"page_size": 100})


def test_the_projection_reads_only_the_marketers_own_rows_once_the_configuration_is_compiled(
    world, api, django_assert_num_queries
):
    # token with user, membership and employee, configuration version, and the marketer's own rows (salaries,
    # assignment, plans, measures) in one query, and the period's adjustments (a projection is the
    # run's payout, spec §9), after one look for an approved payout of the month (a closed month
    # answers with it, issue 13). The calendar, KPIs, aggregations and the
    # scheme with its factors and band points are compiled once per process and version.
    client = api("marketer")
    client.get("/api/v1/me/projection/", {"period": "2026-11"})
    with django_assert_num_queries(5):
        assert client.get("/api/v1/me/projection/", {"period": "2026-11"}).status_code == 200


def test_a_new_period_compiles_the_configuration_once(world, api, django_assert_max_num_queries):
    # A leads × CPL marketer's scheme reads no stage set: calendar, KPIs, aggregations,
    # scheme, factors and band points come on top of the five.
    client = api("marketer")
    with django_assert_max_num_queries(11):
        assert client.get("/api/v1/me/projection/", {"period": "2026-07"}).status_code == 200
