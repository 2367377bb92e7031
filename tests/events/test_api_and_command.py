"""`POST /api/v1/events/` (idempotency key, roles and companies) and `manage.py ingest`."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from events.models import Event, IdempotencyKey, Sync
from kpis.models import MeasureValue
from tests.api.conftest import client_for
from tests.events.conftest import member
from tests.factories import CompanyFactory, EmployeeFactory

D = Decimal
pytestmark = pytest.mark.django_db
URL = "/api/v1/events/"


def body(*ids, campaign="MK-1 | x", amount="120.50"):
    return [
        {"source": "api", "external_id": i, "kind": "spend", "occurred_at": "2026-12-02", "amount": amount, "currency": "RUB", "campaign_name": campaign}
        for i in ids
    ]


@pytest.fixture
def hr(company, people, prefix_rules):
    return member(company, "hr-api", "hr")


def test_hr_posts_events_and_the_same_key_replays_the_answer(hr, people):
    client = client_for(hr)
    first = client.post(URL, body("a", "b"), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 200, first.content
    assert (first.json()["created"], first.json()["values_written"]) == (2, 1)
    again = client.post(URL, body("a", "b"), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (again.status_code, again.json(), again.headers["Idempotent-Replayed"]) == (200, first.json(), "true")
    assert Sync.objects.filter(company=hr.membership.company).count() == 1  # the replay wrote nothing
    other_body = client.post(URL, body("a", "b", amount="1"), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert other_body.status_code == 400 and "Idempotency-Key" in other_body.json()["error"]["fields"]
    assert MeasureValue.objects.get(employee=people["MK-1"], measure__code="marketing_spend").value == D("241.00")


def test_without_a_key_a_repeat_is_unchanged(hr):
    client = client_for(hr)
    client.post(URL, body("a"), format="json")
    again = client.post(URL, body("a"), format="json")
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 1)
    assert not IdempotencyKey.objects.exists()


def test_a_bad_item_is_named_and_nothing_is_written(hr):
    items = body("a", "b")
    items[1]["amount"] = "12x"
    items[1]["currency"] = "USD"
    answer = client_for(hr).post(URL, items, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert answer.status_code == 400
    assert "[1].amount" in answer.json()["error"]["fields"]
    assert not Event.objects.exists() and not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("role", ["marketer", "finance"])
def test_other_roles_are_refused(company, people, role):
    user = member(company, f"u-{role}", role)
    assert client_for(user).post(URL, body("a"), format="json").status_code == 403
    assert not Event.objects.exists()


def test_anonymous_is_refused(company):
    assert client_for(None).post(URL, body("a"), format="json").status_code in (401, 403)


def test_another_companys_hr_writes_only_into_its_own(company, people, prefix_rules):
    other = CompanyFactory(currency="RUB")
    EmployeeFactory(company=other, personnel_number="MK-1")
    answer = client_for(member(other, "hr-other", "hr")).post(URL, body("a"), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert answer.status_code == 200
    assert list(Event.objects.values_list("company_id", flat=True)) == [other.pk]
    assert not MeasureValue.objects.filter(employee__company=company).exists()
    # the same key in another company is another key
    mine = client_for(member(company, "hr-mine", "hr")).post(URL, body("a"), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert mine.status_code == 200 and mine.json()["created"] == 1


CSV = (
    "source,external_id,kind,occurred_at,status,amount,currency,campaign_name,utm_campaign\n"
    "csv,L-1,lead,2026-12-01,new,,,,MK-2_brand\n"
    "csv,L-2,lead,2026-12-02T10:00:00+03:00,143,,,,MK-2_brand\n"
    "csv,S-1,spend,2026-12-01,,\"1 000,50\",RUB,MK-2 | Поиск,\n"
)


def test_the_command_reads_a_generic_csv(company, people, prefix_rules, tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(CSV, encoding="utf-8")
    out = StringIO()
    call_command("ingest", str(path), "--source", "csv", "--company", company.slug, stdout=out)
    assert "3 events received: 3 new" in out.getvalue()
    values = dict(MeasureValue.objects.filter(employee=people["MK-2"]).values_list("measure__code", "value"))
    assert values == {"leads": D(2), "marketing_spend": D("1000.50")}  # "143" is amoCRM's lost, not the CSV's


def test_the_command_reports_row_errors_and_writes_nothing(company, people, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(CSV.replace("1 000,50", "lots") + "csv,,lead,2026-12-01,,,,,\n", encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("ingest", str(path), "--source", "csv", "--company", company.slug)
    assert "row 4, amount" in str(error.value) and "row 5, external_id" in str(error.value)
    assert not Event.objects.exists()


def test_the_command_names_a_source_without_a_connector(company, tmp_path, monkeypatch):
    from events.management.commands import ingest

    monkeypatch.setattr(ingest, "parser_of", lambda source: None)
    path = tmp_path / "x.tsv"
    path.write_bytes(b"x")
    with pytest.raises(CommandError, match="not supported yet"):
        call_command("ingest", str(path), "--source", "yandex-direct", "--company", company.slug)


def test_the_command_calls_a_connectors_parse_file(company, people, prefix_rules, tmp_path, monkeypatch):
    import sys
    import types

    from events.schema import EventIn, Parsed

    module = types.ModuleType("events.connectors.vk_ads")
    seen = []

    def parse_file(content, file_name):
        seen.append((content, file_name))
        return Parsed(events=[EventIn(source="vk-ads", external_id="1:2026-12-01", kind="spend", occurred_at=__import__("datetime").date(2026, 12, 1), amount=D(5), campaign_name="MK-3 vk")])

    module.parse_file = parse_file  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "events.connectors.vk_ads", module)
    path = tmp_path / "vk.json"
    path.write_bytes(b"{}")
    call_command("ingest", str(path), "--source", "vk-ads", "--company", company.slug, stdout=StringIO())
    assert seen == [(b"{}", "vk.json")]
    assert MeasureValue.objects.get(employee=people["MK-3"]).value == D(5)
