import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from events.connectors import amocrm
from events.schema import LEAD

from .conftest import fixture_bytes, xlsx_of

FORM = "application/x-www-form-urlencoded"


def test_api_pages_read_leads_statuses_and_utm():
    parsed = amocrm.parse_file(fixture_bytes("amocrm_leads_pages.json"), "leads.json", currency="RUB")
    assert [(e.external_id, e.status, e.row) for e in parsed.events] == [
        ("31000001", "142", 0), ("31000002", "143", 1), ("31000003", "5500001", 2),
        ("31000003", "5500002", 3),  # the same lead again on page 2, changed meanwhile: a later version
        ("31000004", "5500001", 4)]
    won, lost = parsed.events[0], parsed.events[1]
    assert won.kind == LEAD and won.source == "amocrm"
    assert won.occurred_at == datetime(2026, 11, 2, 7, 15, tzinfo=UTC)
    assert won.deal_amount == Decimal(150000)
    assert won.utm == {"source": "yandex", "medium": "cpc", "campaign": "DEMO-A_poisk_moskva"}
    assert won.responsible_user == "8800001"
    assert won.currency == "RUB"
    assert lost.status == amocrm.LOST and lost.deal_amount is None
    assert parsed.events[2].utm["campaign"] == "DEMO-B-rsya-toshkent"
    assert parsed.events[2].raw["name"] == "Yangi soʻrov: Toshkent"
    assert parsed.events[4].utm == {}
    assert [(p.row, p.column, p.code) for p in parsed.problems] == [(5, "created_at", "bad_timestamp")]


def test_one_page_and_its_next_link():
    page = json.loads(fixture_bytes("amocrm_leads_page1.json"))
    parsed = amocrm.parse_page(page, first_row=250)
    assert [e.row for e in parsed.events] == [250, 251, 252]
    assert amocrm.next_page(page) == "https://demo.amocrm.ru/api/v4/leads?limit=3&page=2"
    assert amocrm.next_page(json.loads(fixture_bytes("amocrm_leads_pages.json"))[1]) is None


def test_webhook_add_reads_the_form_fields():
    parsed = amocrm.parse_webhook(fixture_bytes("amocrm_webhook_add.txt"), FORM + "; charset=UTF-8")
    assert parsed.problems == []
    [event] = parsed.events
    assert event.external_id == "31000006" and event.status == "5500001"
    assert event.occurred_at == datetime.fromtimestamp(1793697600, tz=UTC)
    assert event.utm == {"campaign": "DEMO-B-rsya-toshkent", "source": "vk"}
    assert event.responsible_user == "8800002"
    assert event.raw["action"] == "add" and event.raw["account"]["subdomain"] == "demo"


def test_webhook_status_changes_and_a_bad_entry():
    parsed = amocrm.parse_webhook(fixture_bytes("amocrm_webhook_status.txt"), FORM)
    assert [(e.external_id, e.status, e.deal_amount) for e in parsed.events] == [
        ("31000003", "143", None), ("31000001", "142", Decimal(150000))]
    assert parsed.events[0].raw["old_status_id"] == "5500002"
    assert [(p.row, p.column, p.code) for p in parsed.problems] == [(2, "leads[status][2][id]", "bad_id")]


def test_webhook_that_is_not_form_encoded():
    parsed = amocrm.parse_webhook(b'{"leads": {}}', "application/json")
    assert parsed.events == [] and [p.code for p in parsed.problems] == ["wrong_content_type"]
    assert [p.code for p in amocrm.parse_webhook(b"account%5Bid%5D=1", FORM).problems] == ["no_leads"]


def test_export_csv_in_the_account_zone():
    tashkent = timezone(timedelta(hours=5))
    parsed = amocrm.parse_file(fixture_bytes("amocrm_leads_export.csv"), "amocrm_export.csv", tz=tashkent)
    assert [(e.external_id, e.status, e.deal_amount, e.row) for e in parsed.events] == [
        ("31000001", "142", Decimal(150000), 2), ("31000002", "143", None, 3),
        ("31000003", "Первичный контакт", None, 4)]
    assert parsed.events[0].occurred_at == datetime(2026, 11, 2, 10, 15, tzinfo=tashkent)
    assert parsed.events[0].responsible_name == "Алиса Петрова"
    assert parsed.events[2].utm == {"source": "vk", "medium": "social", "campaign": "DEMO-B-rsya-toshkent"}
    assert [(p.row, p.column, p.code) for p in parsed.problems] == [(5, "Дата создания", "bad_datetime")]


def test_export_xlsx():
    content = xlsx_of([
        ["ID", "Название сделки", "Бюджет", "Ответственный", "Этап сделки", "Дата создания", "utm_campaign"],
        [31000001, "Заявка", 150000, "Алиса Петрова", "Успешно реализовано", datetime(2026, 11, 2, 10, 15), "DEMO-A_x"],
        [31000002, "Звонок", 0, "Алиса Петрова", "Закрыто и не реализовано", datetime(2026, 11, 2, 12, 30), "DEMO-A_x"]])
    parsed = amocrm.parse_file(content, "amocrm_export.xlsx")
    assert parsed.problems == []
    assert [(e.external_id, e.status, e.utm["campaign"]) for e in parsed.events] == [
        ("31000001", "142", "DEMO-A_x"), ("31000002", "143", "DEMO-A_x")]
    assert parsed.events[0].occurred_at == datetime(2026, 11, 2, 10, 15, tzinfo=UTC)


def test_wrong_files_are_one_problem():
    for content, name in ((fixture_bytes("bitrix24_crm_lead_list.json"), "b24.json"),
                          (fixture_bytes("yandex_direct_micros_vat.tsv"), "direct.tsv"),
                          (b"\x89PNG\r\n\x1a\n\x00\x00", "photo.png")):
        parsed = amocrm.parse_file(content, name)
        assert parsed.events == []
        assert [p.row for p in parsed.problems] == [None], name
