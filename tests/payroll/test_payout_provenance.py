"""Issue 15: the preview and a run's stored payout say where their event-fed measures came
from (counts by source and status, the syncs used), beside the engine's trace."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from engine import Period
from events.models import Sync
from events.selectors import provenance_for_payout
from organizations.models import Employee
from payroll.provenance import payout_provenance
from payroll.services import payroll_run_start
from tests.events.test_done_when import FIXTURES, MONTH, cell, demo, ingest  # noqa: F401 (fixture)

SENTENCE = "3 leads = 4 from amocrm − 1 not counted"  # amocrm_leads_pages.json: DEMO-A's 4 leads, one 143


def preview(*extra: str) -> str:
    out = StringIO()
    call_command("preview_payout", "DEMO-A", MONTH, *extra, stdout=out)
    return out.getvalue()


@pytest.fixture
def ingested(demo):  # noqa: F811
    ingest("amocrm_leads_pages.json", "amocrm")
    ingest("yandex_direct_report.tsv", "yandex-direct")
    return demo


def check(provenance: dict) -> None:
    leads = provenance["measures"]["leads"]
    assert leads["sentence"] == SENTENCE
    assert leads["sources"] == [{"source": "amocrm", "received": 4, "counted": 3, "total": "3.0000", "not_counted_by_status": {"143": 1}}]
    assert provenance["measures"]["marketing_spend"]["sentence"] == "2434.56 marketing_spend = 2 from yandex-direct"  # two campaign-days
    assert {s["label"] for s in provenance["syncs"]} == {"amocrm_leads_pages.json", "yandex_direct_report.tsv"}
    assert {s["id"] for s in provenance["syncs"]} <= set(Sync.objects.values_list("id", flat=True))


def test_the_preview_traces_the_events(ingested):
    check(json.loads(preview("--json"))["trace"]["provenance"])
    text = preview()
    assert "Where the measures came from" in text and SENTENCE in text
    assert "amocrm: 4 received, 3 counted (not counted: 143: 1)" in text


def test_the_run_stores_the_provenance_with_the_payout(ingested, eager_celery, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = payroll_run_start(company=ingested, period=Period.parse(MONTH))
    run.refresh_from_db()
    assert run.status == "calculated", run.error
    check(run.payouts.get(employee__personnel_number="DEMO-A").trace["provenance"])
    assert "provenance" not in run.payouts.get(employee__personnel_number="DEMO-C").trace  # no events of hers


def test_without_events_the_trace_has_no_provenance(demo):  # noqa: F811
    assert "provenance" not in json.loads(preview("--json"))["trace"]
    assert "Where the measures came from" not in preview()


def test_a_chunk_gathers_the_provenance_in_a_few_queries(ingested, django_assert_max_num_queries):
    employees = list(Employee.objects.filter(company=ingested))
    with django_assert_max_num_queries(4):
        together = payout_provenance(employees=employees, period=MONTH)
    one_by_one = {e.pk: provenance_for_payout(e, MONTH) for e in employees}
    assert set(together) == {pk for pk, found in one_by_one.items() if found["measures"]} and len(together) >= 2  # DEMO-A and DEMO-B
    assert together == {pk: one_by_one[pk] for pk in together}
