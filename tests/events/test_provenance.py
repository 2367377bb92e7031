"""Where an event-fed value comes from."""

from decimal import Decimal

import pytest

from events.models import Sync
from events.selectors import measure_provenance, provenance_for_payout
from events.services import events_ingest
from tests.events.conftest import lead, parsed, spend

D = Decimal
pytestmark = pytest.mark.django_db


def test_counts_by_source_and_status_and_the_events(company, people, prefix_rules):
    amo = [lead(f"a{i}", campaign="MK-1") for i in range(6)] + [lead(f"x{i}", campaign="MK-1", status="143") for i in range(2)]
    events_ingest(company=company, source="amocrm", parsed=parsed(*amo))
    events_ingest(company=company, source="bitrix24", parsed=parsed(lead("b1", source="bitrix24", status="JUNK", campaign="MK-1"), lead("b2", source="bitrix24", status="NEW", campaign="MK-1")))
    found = measure_provenance(employee=people["MK-1"], period="2026-12", measure="leads")
    assert (found.value, found.value_source, found.total) == (D(7), "events", D(7))
    by_source = {s.source: (s.received, s.counted, s.not_counted, s.by_status) for s in found.sources}
    assert by_source == {"amocrm": (8, 6, 2, {"143": 2}), "bitrix24": (2, 1, 1, {"JUNK": 1})}
    assert found.sentence() == "7 leads = 8 from amocrm − 2 not counted + 2 from bitrix24 − 1 not counted"
    assert len(found.events) == 10
    assert {e["external_id"] for e in found.events if not e["counts"]} == {"x0", "x1", "b1"}
    assert set(found.events[0]) >= {"id", "occurred_at", "status", "campaign_name", "campaign_id"}


def test_a_payouts_provenance_names_its_counts_and_syncs(company, people, prefix_rules):
    first = events_ingest(company=company, source="amocrm", parsed=parsed(lead("a", campaign="MK-2"), lead("b", campaign="MK-2", status="143")))
    second = events_ingest(company=company, source="yandex-direct", parsed=parsed(spend("1", "99.90", name="MK-2 | x")))
    events_ingest(company=company, source="amocrm", parsed=parsed(lead("c", campaign="MK-3")))
    trace = provenance_for_payout(people["MK-2"], "2026-12")
    assert trace["measures"]["leads"]["sources"] == [
        {"source": "amocrm", "received": 2, "counted": 1, "total": "1.0000", "not_counted_by_status": {"143": 1}}
    ]
    assert trace["measures"]["marketing_spend"]["total"] == "99.9000"
    assert [sync["id"] for sync in trace["syncs"]] == [first.sync.pk, second.sync.pk]
    assert Sync.objects.filter(company=company).count() == 3


def test_nothing_for_a_cell_without_events(company, people):
    found = measure_provenance(employee=people["MK-3"], period="2026-12", measure="leads")
    assert (found.value, found.total, found.sources, found.events) == (None, D(0), [], [])
