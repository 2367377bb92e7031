"""A value fed by events and one entered by hand never both hold a cell; events of a closed
month become a pending late change and leave the approved payout alone."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import TestCase

from compensation.demo import seed_demo
from engine import Period
from events.models import EventSettings, LateChange
from events.services import events_ingest, month_reaggregate
from kpis import imports
from kpis.models import MeasureValue
from kpis.services import FED_BY_EVENTS, ValuesRefused, measure_value_upsert, period_values_save
from organizations.models import Employee
from payroll.models import Payout, PayrollRun
from payroll.services import payroll_run_approve, payroll_run_start
from tests.events.conftest import lead, parsed, spend
from tests.factories import catalogue_measure

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def fed(company, people, prefix_rules):
    events_ingest(company=company, source="amocrm", parsed=parsed(lead("1", campaign="MK-1"), lead("2", campaign="MK-1")))
    return MeasureValue.objects.get(employee=people["MK-1"], period="2026-12", measure__code="leads")


def test_the_upsert_refuses_a_hand_value_over_an_event_fed_one(fed, people):
    with pytest.raises(ValidationError) as error:
        measure_value_upsert(employee=people["MK-1"], period="2026-12", measure=catalogue_measure("leads"), value=D(5))
    assert "MK-1" in str(error.value) and "2026-12" in str(error.value) and "fed by events" in str(error.value)
    fed.refresh_from_db()
    assert fed.value == D(2)


def test_the_grid_refuses_a_change_of_an_event_fed_cell_and_keeps_an_unchanged_one(fed, company, people):
    leads = catalogue_measure("leads")
    saved = period_values_save(kind="measures", company=company, period="2026-12", cells={(people["MK-1"].pk, leads.pk): "2,0"})
    assert saved.changed == 0
    with pytest.raises(ValuesRefused) as error:
        period_values_save(kind="measures", company=company, period="2026-12", cells={(people["MK-1"].pk, leads.pk): "7"})
    assert [problem.code for problem in error.value.problems] == [FED_BY_EVENTS]
    with pytest.raises(ValuesRefused):
        period_values_save(kind="measures", company=company, period="2026-12", cells={(people["MK-1"].pk, leads.pk): ""})
    assert MeasureValue.objects.get(pk=fed.pk).value == D(2)


def test_an_import_refuses_a_row_over_an_event_fed_cell(fed, company):
    content = b"personnel_number,period,code,value\nMK-1,2026-12,leads,9\nMK-2,2026-12,leads,4\n"
    result = imports.measures_import(company=company, file_name="m.csv", content=content)
    assert [(problem.row, problem.code) for problem in result.errors] == [(2, FED_BY_EVENTS)]
    assert not MeasureValue.objects.filter(employee__personnel_number="MK-2").exists()


def test_events_leave_a_hand_value_alone_unless_the_company_lets_them_replace_it(company, people, prefix_rules):
    manual = measure_value_upsert(employee=people["MK-2"], period="2026-12", measure=catalogue_measure("leads"), value=D(40))
    result = events_ingest(company=company, source="amocrm", parsed=parsed(lead("1", campaign="MK-2")))
    assert result.ok and result.kept_manual == [(people["MK-2"].pk, "2026-12", "leads")]
    manual.refresh_from_db()
    assert (manual.value, manual.source) == (D(40), "manual")
    EventSettings.objects.filter(company=company).update(events_replace_manual=True)
    month_reaggregate(company=company, period="2026-12")
    manual.refresh_from_db()
    assert (manual.value, manual.source) == (D(1), "events")


def _calculated(company, period, user):
    with TestCase.captureOnCommitCallbacks(execute=True):
        run, _ = payroll_run_start(company=company, period=Period.parse(period), started_by=user, chunk_size=50)
    run.refresh_from_db()
    assert run.status == "calculated", run.error
    return run


def test_events_of_a_closed_month_become_a_late_change_and_the_payout_stays(eager_celery, django_user_model):
    company = seed_demo()
    run = _calculated(company, "2026-10", django_user_model.objects.get(username="hr"))
    payroll_run_approve(run=run, approved_by=django_user_model.objects.get(username="hr2"))
    demo_a = Employee.objects.get(company=company, personnel_number="DEMO-A")
    payout = Payout.objects.get(run=run, employee=demo_a)
    paid, trace = payout.bonus, payout.trace
    stored = MeasureValue.objects.get(employee=demo_a, period="2026-10", measure__code="leads")
    october = date(2026, 10, 5)
    result = events_ingest(
        company=company, source="amocrm",
        parsed=parsed(*[lead(f"o{i}", day=october, campaign="DEMO-A_brand") for i in range(3)], lead("lost", day=october, status="143", campaign="DEMO-A")),
    )
    assert result.ok and result.late_changes == 1 and result.values_written == 0
    change = LateChange.objects.get(company=company)
    assert (change.period, change.employee, change.measure.code, change.old_value, change.new_value, change.status) == (
        "2026-10", demo_a, "leads", stored.value, D(3), "pending",
    )
    assert set(change.events.values_list("external_id", flat=True)) == {"o0", "o1", "o2", "lost"}
    stored.refresh_from_db()
    payout.refresh_from_db()
    assert (stored.value, stored.source) == (D(170), "manual")
    assert (payout.bonus, payout.trace) == (paid, trace)
    assert PayrollRun.objects.get(pk=run.pk).status == "approved"
    # a later version of one of them updates the same pending change
    events_ingest(company=company, source="amocrm", parsed=parsed(lead("o0", day=october, status="143", campaign="DEMO-A")))
    assert LateChange.objects.get(company=company).new_value == D(2)
    # an open month of the same company is simply updated
    events_ingest(company=company, source="yandex-direct", parsed=parsed(spend("77", "1500.50", day=date(2026, 12, 1), name="DEMO-A | Поиск | Москва")))
    assert MeasureValue.objects.get(employee=demo_a, period="2026-12", measure__code="marketing_spend").value == D("1500.50")


def test_the_demo_ships_its_rules_and_settings_once():
    from events.models import AttributionRule

    company = seed_demo()
    seed_demo()
    rules = list(AttributionRule.objects.filter(company=company).values_list("kind", "assign", "number_from"))
    assert rules == [("spend", "number_prefix", "campaign_name"), ("lead", "number_prefix", "utm_campaign")]
    settings = EventSettings.objects.get(company=company)
    assert settings.reports_include_vat is False
    assert settings.excluded_statuses == {"amocrm": ["143"], "bitrix24": ["JUNK"]}
    result = events_ingest(
        company=company, source="bitrix24",
        parsed=parsed(lead("1", source="bitrix24", status="NEW", campaign="DEMO-B_x", day=date(2026, 12, 9)), lead("2", source="bitrix24", status="JUNK", campaign="DEMO-B_x", day=date(2026, 12, 9))),
    )
    assert result.ok
    demo_b = Employee.objects.get(company=company, personnel_number="DEMO-B")
    assert MeasureValue.objects.get(employee=demo_b, period="2026-12", measure__code="leads").value == D(1)
