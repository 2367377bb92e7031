"""The compiled configuration each process keeps (`company_configuration`) is never used
after what it was compiled from has changed: every write to those rows, by any path,
replaces the company's `config_version` in the same transaction."""

from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from compensation.configuration import CONFIGURATION_MODELS
from compensation.demo import seed_demo
from compensation.models import BandPoint, BandTable, BonusScheme, SchemeFactor
from compensation.selectors import company_configuration
from compensation.services import band_table_save, bonus_scheme_save
from engine import Period
from kpis.models import Kpi, KpiSet, KpiSetItem, Measure
from kpis.services import kpi_set_save
from organizations.models import CalendarDay, Company, CompanyStage, Employee
from payroll.outlook import payout_preview
from tests.factories import CompanyFactory, band_table, catalogue_kpi

pytestmark = pytest.mark.django_db
D = Decimal
NOVEMBER = Period(2026, 11)


def version(company: Company):
    return Company.objects.values_list("config_version", flat=True).get(pk=company.pk)


def payout(number: str, company: Company):
    return payout_preview(employee=Employee.objects.get(company=company, personnel_number=number), period=NOVEMBER)


@pytest.fixture
def demo():
    return seed_demo()


def one_row_of_each(company: Company) -> dict[str, object]:
    """A saved row of each configuration model, all of `company`, each free to be deleted."""
    table = band_table(company, [(0, 0), (100, 1)], name="Probe bands")
    measure = Measure.objects.create(company=company, code="probe_calls", name="Calls")
    kpi = Kpi.objects.create(company=company, code="probe_calls", name="Calls", measure=measure)
    kpi_set = kpi_set_save(kpi_set=KpiSet(company=company, stage=4, name="Probe set"), items=[(kpi, D(1))])
    scheme = bonus_scheme_save(
        scheme=BonusScheme(company=company, name="Probe scheme"),
        factors=[SchemeFactor(name="k1", input_kind="kpi", kpi=kpi, band_table=table)],
    )
    unused_measure = Measure.objects.create(company=company, code="probe_visits", name="Visits")
    return {
        "organizations.companystage": CompanyStage.objects.create(
            company=company, stage=3, effective_from=date(2030, 1, 1)
        ),
        "organizations.calendarday": CalendarDay.objects.create(company=company, date=date(2030, 1, 1), kind="holiday"),
        "compensation.bandtable": band_table(company, [(0, 0), (100, 1)], name="Unused bands"),
        "compensation.bandpoint": table.points.first(),
        "compensation.bonusscheme": scheme,
        "compensation.schemefactor": scheme.factors.first(),
        "kpis.measure": unused_measure,
        "kpis.kpi": Kpi.objects.create(company=company, code="probe_half", name="Half", formula="probe_calls / 2"),
        "kpis.kpiset": kpi_set,
        "kpis.kpisetitem": kpi_set.items.first(),
    }


def test_compiling_reads_only_the_tables_whose_writes_give_a_new_version(demo):
    """A model read while compiling but missing from CONFIGURATION_MODELS would be cached
    with nothing to tell when it changed."""
    watched = {apps.get_model(label)._meta.db_table for label in CONFIGURATION_MODELS} | {Company._meta.db_table}
    every_table = {model._meta.db_table for model in apps.get_models()}
    with CaptureQueriesContext(connection) as captured:
        configuration = company_configuration(company=demo, period=NOVEMBER)
        configuration.schemes(BonusScheme.objects.filter(company=demo).values_list("pk", flat=True))
    read = {table for query in captured.captured_queries for table in every_table if f'"{table}"' in query["sql"]}
    assert configuration.stage is not None  # the stage scorecard's scheme read the stage and its set
    assert {CompanyStage._meta.db_table, KpiSetItem._meta.db_table, BandPoint._meta.db_table} <= read
    assert read <= watched, read - watched


def test_the_probe_has_a_row_of_each_configuration_model():
    assert set(one_row_of_each(CompanyFactory())) == set(CONFIGURATION_MODELS)


@pytest.mark.parametrize("label", CONFIGURATION_MODELS)
def test_saving_or_deleting_a_configuration_row_gives_its_company_a_new_version(label):
    company, bystander = CompanyFactory(), CompanyFactory()
    row = one_row_of_each(company)[label]
    untouched = version(bystander)

    before = version(company)
    row.save()
    after_save = version(company)
    row.delete()
    after_delete = version(company)

    assert len({before, after_save, after_delete}) == 3
    assert version(bystander) == untouched


def test_a_catalogue_change_gives_every_company_a_new_version():
    companies = [CompanyFactory(), CompanyFactory()]
    before = [version(company) for company in companies]
    measure = Measure.objects.get(company=None, code="leads")
    measure.name = "Leads (renamed)"
    measure.save()
    assert all(version(company) != old for company, old in zip(companies, before, strict=True))


def test_saving_a_stale_copy_of_the_company_never_brings_an_old_version_back():
    company = CompanyFactory()
    stale = Company.objects.get(pk=company.pk)
    CalendarDay.objects.create(company=company, date=date(2030, 1, 2), kind="holiday")
    current = version(company)
    stale.name = "Renamed"
    stale.save()
    assert version(company) not in (current, company.config_version)


def test_the_compiled_configuration_is_reused_until_the_version_changes(demo):
    first = company_configuration(company=demo, period=NOVEMBER)
    assert company_configuration(company=demo, period=NOVEMBER) is first
    assert company_configuration(company=demo, period=Period(2026, 10)) is not first

    CalendarDay.objects.create(company=demo, date=date(2026, 11, 4), kind="holiday")
    recompiled = company_configuration(company=demo, period=NOVEMBER)
    assert recompiled is not first
    assert date(2026, 11, 4) in first.calendar.working_days
    assert date(2026, 11, 4) not in recompiled.calendar.working_days


def test_a_stale_company_object_still_gets_the_current_configuration(demo):
    stale = Company.objects.get(pk=demo.pk)
    before = payout("DEMO-C", stale).fixed
    CalendarDay.objects.create(company=demo, date=date(2026, 11, 4), kind="holiday")
    # The version is read from the database, not from the object the caller holds.
    assert payout("DEMO-C", stale).fixed != before


# Each write path, then the payout: the spec's example A (k2 = 0.5 at 90 % of the CPL plan).


def test_a_band_point_changed_by_the_service_changes_the_next_payout(demo):
    assert payout("DEMO-A", demo).bonus == D("15000.00")
    table = BandTable.objects.get(company=demo, name__startswith="Seed bands")
    points = [(point.lower_bound_pct, point.coefficient) for point in table.points.all()]
    points = [(lower, D("0.6") if coefficient == D("0.5") else coefficient) for lower, coefficient in points]
    band_table_save(table=table, points=points)
    assert payout("DEMO-A", demo).bonus == D("18000.00")


def test_a_band_point_saved_on_its_own_changes_the_next_payout(demo):
    assert payout("DEMO-A", demo).bonus == D("15000.00")
    point = BandPoint.objects.get(table__company=demo, table__name__startswith="Seed bands", coefficient=D("0.5"))
    point.coefficient = D("0.6")
    point.save()
    assert payout("DEMO-A", demo).bonus == D("18000.00")


def test_a_band_table_changed_through_the_api_changes_the_next_payout(demo):
    assert payout("DEMO-A", demo).bonus == D("15000.00")
    table = BandTable.objects.get(company=demo, name__startswith="Seed bands")
    points = [
        {
            "lower_bound_pct": str(p.lower_bound_pct),
            "coefficient": "0.6" if p.coefficient == D("0.5") else str(p.coefficient),
        }
        for p in table.points.all()
    ]
    client = APIClient()
    client.force_authenticate(user=apps.get_model("auth", "User").objects.get(username="hr"))
    response = client.patch(f"/api/v1/band-tables/{table.pk}/", {"points": points}, format="json")
    assert response.status_code == 200, response.content
    assert payout("DEMO-A", demo).bonus == D("18000.00")


def test_a_kpi_set_reweighted_changes_the_next_stage_scorecard_payout(demo):
    before = payout("DEMO-B", demo)
    kpi_set = KpiSet.objects.get(
        company=demo, is_active=True, stage=CompanyStage.objects.filter(company=demo).latest("effective_from").stage
    )
    items = [(item.kpi, item.weight) for item in kpi_set.items.select_related("kpi").order_by("id")]
    # Move 0.05 of weight from the second KPI (90 %) to the first (120 %).
    items[0], items[1] = (items[0][0], items[0][1] + D("0.05")), (items[1][0], items[1][1] - D("0.05"))
    kpi_set_save(kpi_set=kpi_set, items=items)
    assert payout("DEMO-B", demo).score != before.score


def test_a_kpi_set_item_saved_on_its_own_changes_the_next_payout(demo):
    before = payout("DEMO-B", demo)
    kpi_set = KpiSet.objects.get(
        company=demo, is_active=True, stage=CompanyStage.objects.filter(company=demo).latest("effective_from").stage
    )
    first, second = kpi_set.items.order_by("id")[:2]
    first.weight, second.weight = first.weight + D("0.05"), second.weight - D("0.05")
    second.save()
    first.save()
    assert payout("DEMO-B", demo).score != before.score


def test_a_new_stage_changes_which_kpi_set_the_next_payout_uses(demo):
    before = payout("DEMO-B", demo)
    stage = CompanyStage.objects.filter(company=demo).latest("effective_from").stage
    CompanyStage.objects.create(company=demo, stage=1 + stage % 5, effective_from=date(2026, 11, 1))
    after = payout("DEMO-B", demo)
    assert after.bonus != before.bonus or after.warnings != before.warnings


def test_a_companys_own_kpi_changes_the_next_payout(demo):
    assert payout("DEMO-A", demo).bonus == D("15000.00")
    # The company's own `cpl` wins over the catalogue's: half the cost per lead reaches 100 %+.
    catalogue = catalogue_kpi("cpl")
    own = Kpi(
        company=demo, code="cpl", name="CPL", direction=catalogue.direction, formula=f"({catalogue.expression}) / 2"
    )
    own.full_clean()
    own.save()
    assert payout("DEMO-A", demo).bonus == D("30000.00")


def test_a_scheme_changed_by_the_service_changes_the_next_payout(demo):
    scheme = (
        Employee.objects.get(company=demo, personnel_number="DEMO-A").scheme_assignments.latest("effective_from").scheme
    )
    assert payout("DEMO-A", demo).bonus == D("15000.00")
    factors = list(scheme.factors.order_by("position"))
    bonus_scheme_save(scheme=scheme, factors=factors[:1])  # k1 only: 100 % of the leads plan
    assert payout("DEMO-A", demo).bonus == D("30000.00")
