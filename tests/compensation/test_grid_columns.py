"""The columns of HR's month grids (`kpis_in_use`, `measures_in_use`): what the company's
schemes read in the month, and whatever already has a plan or a value there."""

from datetime import date
from decimal import Decimal

import pytest

from compensation.models import BonusScheme, SchemeFactor
from compensation.selectors import kpis_in_use, measures_in_use
from compensation.services import bonus_scheme_save
from engine import Period
from kpis.models import Kpi, KpiSet, MeasureValue, Plan
from kpis.services import kpi_set_save
from organizations.models import CompanyStage
from tests.factories import CompanyFactory, EmployeeFactory, band_table, catalogue_kpi, catalogue_measure

pytestmark = pytest.mark.django_db
NOVEMBER = Period.parse("2026-11")


def codes(rows) -> list[str]:
    return [row.code for row in rows]


def test_the_columns_are_the_schemes_kpis_the_stage_set_of_the_month_and_any_planned_kpi():
    company = CompanyFactory()
    bands = band_table(company, [(0, 0), (100, 1)])
    bonus_scheme_save(
        scheme=BonusScheme(company=company, name="Leads", base_share=Decimal(1)),
        factors=[
            SchemeFactor(name="k1", position=1, input_kind="kpi", kpi=catalogue_kpi("leads"), band_table=bands),
            SchemeFactor(name="k2", position=2, input_kind="stage_kpi_set", band_table=bands),
        ],
    )
    kpi_set_save(
        kpi_set=KpiSet(company=company, stage=2, name="Stage 2", is_active=True),
        items=[(catalogue_kpi("cpl"), Decimal("0.6")), (catalogue_kpi("awareness"), Decimal("0.4"))],
    )
    CompanyStage.objects.create(company=company, stage=2, effective_from=date(2026, 12, 1))  # from December only
    employee = EmployeeFactory(company=company)
    Plan.objects.create(employee=employee, period="2026-11", kpi=catalogue_kpi("repeat_requests"), value=Decimal(5))

    november = kpis_in_use(company=company, period=NOVEMBER)
    december = kpis_in_use(company=company, period=NOVEMBER.next)

    assert codes(november) == codes(sorted([catalogue_kpi("leads"), catalogue_kpi("repeat_requests")], key=lambda k: k.name))
    assert set(codes(december)) == {"leads", "cpl", "awareness"}
    assert [k.name for k in december] == sorted(k.name for k in december)


def test_the_actuals_columns_are_the_measures_those_kpis_read_and_any_recorded_one():
    company = CompanyFactory()
    own_spend = Kpi.objects.create(company=company, code="spend_per_lead", name="Spend per lead", formula="marketing_spend / leads")
    bonus_scheme_save(
        scheme=BonusScheme(company=company, name="Spend", base_share=Decimal(1)),
        factors=[SchemeFactor(name="k1", input_kind="kpi", kpi=own_spend, band_table=band_table(company, [(0, 0), (100, 1)]))],
    )
    employee = EmployeeFactory(company=company)
    MeasureValue.objects.create(employee=employee, period="2026-11", measure=catalogue_measure("orders"), value=Decimal(3))
    elsewhere = EmployeeFactory()  # another company's value is no column here
    MeasureValue.objects.create(employee=elsewhere, period="2026-11", measure=catalogue_measure("revenue"), value=Decimal(3))

    assert set(codes(measures_in_use(company=company, period=NOVEMBER))) == {"marketing_spend", "leads", "orders"}
