"""Issue 15's "Done when": each source's API answer and spreadsheet export, well formed and dated
in the demo's open month, read by `manage.py ingest` into DEMO-A's `leads` / `marketing_spend`."""

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from compensation.demo import seed_demo
from events.models import Event
from kpis.models import MeasureValue

D = Decimal
FIXTURES = Path(__file__).parent / "fixtures" / "done_when"
MONTH = "2026-12"  # the demo has no run for it: open

#: file, source, measure, DEMO-A's value read off the file (lost leads left out, micros divided)
CASES = [
    ("amocrm_leads_pages.json", "amocrm", "leads", D("3")),  # 32000001, …03, …05; …02 is 143
    ("amocrm_leads_export.csv", "amocrm", "leads", D("3")),  # the same leads; «Закрыто и не реализовано» is 143
    ("bitrix24_crm_lead_list.json", "bitrix24", "leads", D("2")),  # 201, 204; 202 is JUNK
    ("bitrix24_leads_export.csv", "bitrix24", "leads", D("2")),  # «Некачественный лид» is JUNK
    ("yandex_direct_report.tsv", "yandex-direct", "marketing_spend", D("2434.56")),  # (1234560000 + 100000000 + 1100000000) / 10^6
    ("yandex_direct_export.csv", "yandex-direct", "marketing_spend", D("2434.56")),  # 1 334,56 + 1 100,00
    ("google_ads_search_stream.json", "google-ads", "marketing_spend", D("2750.50")),  # (1500000000 + 1250500000) / 10^6
    ("google_ads_ui_report.csv", "google-ads", "marketing_spend", D("2750.50")),  # 1,500.00 + 1,250.50
    ("vk_ads_bundle.json", "vk-ads", "marketing_spend", D("4000.00")),  # 3500.50 + 499.50
    ("vk_ads_export.csv", "vk-ads", "marketing_spend", D("4000.00")),
]


@pytest.fixture
def demo(db):
    return seed_demo()


def ingest(name: str, source: str) -> str:
    out = StringIO()
    call_command("ingest", str(FIXTURES / name), source=source, company="demo", stdout=out)
    return out.getvalue()


def cell(company, number: str, code: str) -> MeasureValue:
    return MeasureValue.objects.get(employee__company=company, employee__personnel_number=number, period=MONTH, measure__code=code)


@pytest.mark.parametrize(("name", "source", "code", "expected"), CASES, ids=[c[0] for c in CASES])
def test_a_done_when_file_fills_demo_a_and_again_changes_nothing(demo, name, source, code, expected):
    ingest(name, source)
    value = cell(demo, "DEMO-A", code)
    assert (value.value, value.source) == (expected, MeasureValue.Source.EVENTS)
    assert MeasureValue.objects.filter(employee__personnel_number="DEMO-B", period=MONTH, measure__code=code, source="events").exists()
    assert not Event.objects.filter(company=demo, employee__isnull=True).exists()  # every row attributed
    events_before = list(Event.objects.order_by("id").values_list("id", "value", "counts", "status"))
    again = ingest(name, source)
    assert " 0 new, 0 changed" in again
    assert cell(demo, "DEMO-A", code).value == expected
    assert list(Event.objects.order_by("id").values_list("id", "value", "counts", "status")) == events_before
