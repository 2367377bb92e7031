"""Ingest: dedup and versions, idempotent re-ingest, all or nothing, attribution, recompute."""

from datetime import date
from decimal import Decimal

import pytest

from events.models import AttributionRule, Event, EventSettings, EventVersion, Sync
from events.schema import EventIn, Parsed, ParseProblem
from events.selectors import unattributed_events
from events.services import events_ingest, net_of_vat
from kpis.models import MeasureValue
from tests.events.conftest import lead, parsed, spend
from tests.factories import CompanyFactory, EmployeeFactory

D = Decimal
pytestmark = pytest.mark.django_db


def value(employee, code, period="2026-12"):
    row = MeasureValue.objects.filter(employee=employee, period=period, measure__code=code).first()
    return None if row is None else (row.value, row.source)


def test_a_new_event_is_created_and_the_same_again_is_unchanged(company, people, prefix_rules):
    batch = parsed(lead("L1", campaign="MK-1_brand"), lead("L2", campaign="MK-1 | search"))
    first = events_ingest(company=company, source="amocrm", parsed=batch)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    again = events_ingest(company=company, source="amocrm", parsed=batch)
    assert (again.created, again.updated, again.unchanged, again.values_written) == (0, 0, 2, 0)
    assert Event.objects.filter(company=company).count() == 2
    assert EventVersion.objects.count() == 0
    assert value(people["MK-1"], "leads") == (D(2), "events")
    assert MeasureValue.history.filter(employee=people["MK-1"]).count() == 1  # the re-ingest wrote nothing


def test_a_changed_event_gets_the_next_version_and_keeps_the_previous(company, people, prefix_rules):
    events_ingest(company=company, source="amocrm", parsed=parsed(lead("L1", campaign="MK-1"), lead("L2", campaign="MK-1")))
    assert value(people["MK-1"], "leads") == (D(2), "events")
    result = events_ingest(company=company, source="amocrm", parsed=parsed(lead("L1", campaign="MK-1", status="143")))
    assert (result.created, result.updated) == (0, 1)
    event = Event.objects.get(company=company, source="amocrm", external_id="L1")
    assert (event.version, event.status, event.counts) == (2, "143", False)
    old = EventVersion.objects.get(event=event)
    assert (old.version, old.status, old.counts) == (1, "142", True)
    assert value(people["MK-1"], "leads") == (D(1), "events")  # closed as lost: no longer counts


def test_the_same_external_id_of_another_source_is_another_event(company, people, prefix_rules):
    events_ingest(company=company, source="amocrm", parsed=parsed(lead("7", campaign="MK-1")))
    events_ingest(company=company, source="bitrix24", parsed=parsed(lead("7", campaign="MK-1", source="bitrix24", status="NEW")))
    assert Event.objects.filter(company=company, external_id="7").count() == 2
    assert value(people["MK-1"], "leads") == (D(2), "events")


def test_a_bad_row_writes_nothing_and_names_its_row(company, people, prefix_rules):
    events_ingest(company=company, source="yandex-direct", parsed=parsed(spend("c1", "100", name="MK-1 | x")))
    batch = Parsed(
        events=[
            spend("c1", "999", name="MK-1 | x"),
            EventIn(source="yandex-direct", external_id="c2:2026-12-03", kind="spend", occurred_at=date(2026, 12, 3), amount=D(5), currency="USD", row=3),
            EventIn(source="yandex-direct", external_id="", kind="spend", occurred_at=date(2026, 12, 3), amount=D(5), row=4),
            EventIn(source="yandex-direct", external_id="c4", kind="click", occurred_at=date(2026, 12, 3), row=5),
        ]
    )
    result = events_ingest(company=company, source="yandex-direct", parsed=batch)
    assert not result.ok
    found = {(p.row, p.column, p.code) for p in result.problems}
    assert {(3, "currency", "bad_currency"), (4, "external_id", "no_external_id"), (5, "kind", "bad_kind")} <= found
    assert Event.objects.get(external_id="c1:2026-12-03").amount == D(100)  # the good row was not applied either
    assert Event.objects.filter(company=company).count() == 1
    assert value(people["MK-1"], "marketing_spend") == (D("100.00"), "events")
    sync = Sync.objects.filter(company=company).latest("id")
    assert sync.created == 0 and {error["row"] for error in sync.errors} >= {3, 4, 5}


def test_a_parse_problem_writes_nothing(company, people, prefix_rules):
    batch = parsed(lead("L1", campaign="MK-1"))
    batch.problems.append(ParseProblem(7, "status_id", "bad_status", "not a status"))
    result = events_ingest(company=company, source="amocrm", parsed=batch)
    assert [(p.row, p.code) for p in result.problems] == [(7, "bad_status")]
    assert not Event.objects.exists() and not MeasureValue.objects.filter(employee__company=company).exists()


def test_an_event_of_an_unknown_month_is_stored(company, people, prefix_rules):
    result = events_ingest(company=company, source="amocrm", parsed=parsed(lead("old", day=date(2019, 3, 1), campaign="MK-2")))
    assert result.ok and Event.objects.get(external_id="old").period == "2019-03"


def test_attribution_by_each_kind_of_rule(company, people):
    rule = AttributionRule.objects.create
    by_user = rule(company=company, priority=1, match="responsible_user", value="u-77", employee=people["MK-1"])
    by_campaign = rule(company=company, priority=2, match="campaign_id", value="555", employee=people["MK-2"])
    by_utm_prefix = rule(company=company, priority=3, match="utm", utm_field="source", value="tg", prefix=True, employee=people["MK-3"])
    by_utm_value = rule(company=company, priority=4, match="utm", utm_field="medium", value="cpc", employee=people["MK-2"])
    by_source = rule(company=company, priority=9, source="vk-ads", employee=people["MK-3"])
    by_prefix = rule(company=company, priority=8, kind="spend", assign="number_prefix", number_from="campaign_name")
    events_ingest(
        company=company, source="amocrm",
        parsed=parsed(
            lead("a", responsible_user="u-77", utm={"source": "tg_ads"}),  # the first rule by priority wins
            lead("b", campaign_id="555"),
            lead("c", utm={"source": "tg_channel"}),
            lead("d", utm={"medium": "cpc"}),
            lead("e", utm={"medium": "cpc-other"}),  # an exact value is not a prefix: nobody's
        ),
    )
    events_ingest(company=company, source="vk-ads", parsed=parsed(spend("9", "10", source="vk-ads", name="no number")))
    events_ingest(company=company, source="google-ads", parsed=parsed(spend("8", "10", source="google-ads", name="MK-2 | brand")))
    got = {e.external_id: (e.employee.personnel_number if e.employee else None, e.rule_id) for e in Event.objects.select_related("employee")}
    assert got == {
        "a": ("MK-1", by_user.pk),
        "b": ("MK-2", by_campaign.pk),
        "c": ("MK-3", by_utm_prefix.pk),
        "d": ("MK-2", by_utm_value.pk),
        "e": (None, None),
        "9:2026-12-03": ("MK-3", by_source.pk),
        "8:2026-12-03": ("MK-2", by_prefix.pk),
    }
    assert list(unattributed_events(company_id=company.pk).values_list("external_id", flat=True)) == ["e"]


def test_a_prefix_names_a_whole_personnel_number(company, people, prefix_rules):
    EmployeeFactory(company=company, personnel_number="MK-11")
    result = events_ingest(
        company=company, source="amocrm",
        parsed=parsed(lead("1", campaign="MK-11 | x"), lead("2", campaign="MK-1x"), lead("3", campaign="mk-1_brand")),
    )
    got = {e.external_id: e.employee.personnel_number if e.employee else None for e in Event.objects.select_related("employee")}
    assert got == {"1": "MK-11", "2": None, "3": "MK-1"}
    assert result.unattributed == 1


def test_another_companys_employee_is_never_named(company, people, prefix_rules):
    other = EmployeeFactory(company=CompanyFactory(), personnel_number="XX-1")
    AttributionRule.objects.create(company=company, priority=1, match="campaign_id", value="1", employee=other)
    events_ingest(company=company, source="amocrm", parsed=parsed(lead("1", campaign_id="1")))
    assert Event.objects.get(external_id="1").employee is None


def test_leads_count_unless_in_a_status_that_does_not(company, people, prefix_rules):
    events_ingest(
        company=company, source="amocrm",
        parsed=parsed(*[lead(f"a{i}", campaign="MK-1") for i in range(5)], lead("lost", campaign="MK-1", status="143")),
    )
    events_ingest(
        company=company, source="bitrix24",
        parsed=parsed(lead("b1", source="bitrix24", status="JUNK", campaign="MK-1"), lead("b2", source="bitrix24", status="143", campaign="MK-1")),
    )
    # amoCRM's 143 does not count; Bitrix24's JUNK does not, and its "143" is just a status
    assert value(people["MK-1"], "leads") == (D(6), "events")


def test_spend_without_vat_is_summed_as_given(company, people, prefix_rules):
    events_ingest(
        company=company, source="yandex-direct",
        parsed=parsed(spend("c1", "100.005", name="MK-1 x"), spend("c1", "0.10", name="MK-1 x", day=date(2026, 12, 4))),
    )
    assert value(people["MK-1"], "marketing_spend") == (D("100.11"), "events")  # 100.005 → 100.01 (half up) + 0.10


def test_spend_with_vat_has_it_removed_to_the_kopeck(company, people, prefix_rules):
    EventSettings.objects.create(company=company, reports_include_vat=True, vat_rate=D(20))
    events_ingest(
        company=company, source="yandex-direct",
        parsed=parsed(
            spend("c1", "120.00", name="MK-1"),  # 100.00
            spend("c2", "100.00", name="MK-1"),  # 83.333… → 83.33
            spend("c3", "0.03", name="MK-1"),  # 0.025 → 0.03 (half up)
            spend("c4", "50.00", name="MK-1", includes_vat=False),  # the source says it has no VAT
        ),
    )
    assert net_of_vat(D("0.03"), D(20)) == D("0.03")
    assert value(people["MK-1"], "marketing_spend") == (D("233.36"), "events")


def test_only_the_cells_whose_events_changed_are_written(company, people, prefix_rules):
    events_ingest(company=company, source="amocrm", parsed=parsed(lead("1", campaign="MK-1"), lead("2", campaign="MK-2")))
    before = MeasureValue.history.filter(employee=people["MK-2"]).count()
    result = events_ingest(company=company, source="amocrm", parsed=parsed(lead("1", campaign="MK-1"), lead("3", campaign="MK-1")))
    assert result.values_written == 1
    assert MeasureValue.history.filter(employee=people["MK-2"]).count() == before
    assert value(people["MK-1"], "leads") == (D(2), "events")


def test_an_event_moved_to_another_employee_leaves_the_first(company, people, prefix_rules):
    events_ingest(company=company, source="amocrm", parsed=parsed(lead("1", campaign="MK-1")))
    events_ingest(company=company, source="amocrm", parsed=parsed(lead("1", campaign="MK-2")))
    assert value(people["MK-1"], "leads") is None  # its only event went: the event-fed value is removed
    assert value(people["MK-2"], "leads") == (D(1), "events")


def test_a_large_batch_goes_through_copy_and_reads_back_the_same(company, people, prefix_rules):
    from events.services import COPY_FROM

    batch = parsed(
        *[lead(f"c{i}", campaign="MK-3_x", status="143" if i % 4 == 0 else "142", raw={"id": i, "name": "Заявка"}) for i in range(COPY_FROM + 200)],
        spend("big", "1234.5678", name="MK-3 | x", raw={"Cost": "1234567800"}, source="amocrm"),
    )
    first = events_ingest(company=company, source="amocrm", parsed=batch)
    assert first.ok and first.created == COPY_FROM + 201
    event = Event.objects.get(external_id="c5")
    assert (event.utm, event.raw, event.period, event.version, event.employee) == ({"campaign": "MK-3_x"}, {"id": 5, "name": "Заявка"}, "2026-12", 1, people["MK-3"])
    assert Event.objects.get(external_id="big:2026-12-03").amount == D("1234.5678")
    assert value(people["MK-3"], "leads") == (D(900), "events")  # 1,200 less every 4th (143)
    assert value(people["MK-3"], "marketing_spend") == (D("1234.57"), "events")
    again = events_ingest(company=company, source="amocrm", parsed=batch)
    assert (again.unchanged, again.values_written) == (COPY_FROM + 201, 0)
