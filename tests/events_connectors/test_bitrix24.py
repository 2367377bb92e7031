import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from events.connectors import bitrix24
from events.schema import LEAD, ORDER

from .conftest import fixture_bytes

FORM = "application/x-www-form-urlencoded"
MOSCOW = timezone(timedelta(hours=3))


def test_lead_list_pages():
    parsed = bitrix24.parse_file(fixture_bytes("bitrix24_crm_lead_list.json"), "leads.json")
    assert [(e.external_id, e.status, e.row) for e in parsed.events] == [
        ("101", "NEW", 0), ("102", "JUNK", 1), ("103", "IN_PROCESS", 2),
        ("103", "CONVERTED", 3),  # the same lead on the next page, converted meanwhile
        ("104", "PROCESSED", 4)]
    first = parsed.events[0]
    assert first.kind == LEAD and first.source == "bitrix24"
    assert first.occurred_at == datetime(2026, 11, 2, 10, 15, tzinfo=MOSCOW)
    assert first.utm == {"source": "yandex", "medium": "cpc", "campaign": "DEMO-A_poisk_moskva",
                         "content": "banner_1", "term": "доставка цветов"}
    assert first.responsible_user == "1" and first.currency == "RUB"
    assert first.raw["OPPORTUNITY"] == "15000.00" and first.deal_amount is None
    assert parsed.events[1].status == bitrix24.JUNK
    assert parsed.events[2].utm["campaign"] == "DEMO-B|rsya|samarqand"
    assert parsed.events[2].currency == "UZS"
    assert parsed.events[4].utm == {}
    assert [(p.row, p.column, p.code) for p in parsed.problems] == [(5, "DATE_CREATE", "bad_datetime")]


def test_a_page_numbers_its_rows_from_its_start():
    pages = json.loads(fixture_bytes("bitrix24_crm_lead_list.json"))
    assert [e.row for e in bitrix24.parse_page(pages[0]).events] == [0, 1, 2]
    assert [e.row for e in bitrix24.parse_page(pages[1], first_row=3).events] == [3, 4]
    # the last page has no `next`: its start is `total` less its length (its third item is malformed)
    assert [p.row for p in bitrix24.parse_page(pages[1]).problems] == [5]


def test_deal_list_won_deals_carry_their_amount():
    parsed = bitrix24.parse_file(fixture_bytes("bitrix24_crm_deal_list.json"), "deals.json")
    assert parsed.problems == []
    assert [(e.external_id, e.kind, e.status, e.deal_amount) for e in parsed.events] == [
        ("deal:501", ORDER, "WON", Decimal("15000.00")),
        ("deal:502", ORDER, "C2:WON", Decimal("99999.99")),
        ("deal:503", ORDER, "LOSE", None),
        ("deal:504", ORDER, "PREPARATION", None)]
    assert parsed.events[0].occurred_at == datetime(2026, 11, 6, 18, 0, tzinfo=MOSCOW)  # CLOSEDATE of a won deal
    assert parsed.events[2].occurred_at == datetime(2026, 11, 3, 10, 0, tzinfo=MOSCOW)  # else DATE_CREATE
    assert parsed.events[0].raw["LEAD_ID"] == "101"


def test_outgoing_webhook_gives_the_id_to_fetch():
    call, parsed = bitrix24.read_webhook(fixture_bytes("bitrix24_webhook_lead_add.txt"), FORM)
    assert parsed.problems == [] and parsed.events == []
    assert call is not None
    assert (call.event, call.entity, call.action, call.object_id) == ("ONCRMLEADADD", "lead", "add", "106")
    assert call.domain == "demo.bitrix24.ru"
    assert call.application_token == "51856fefc120afa4b628cc82d3935cce"
    assert bitrix24.parse_webhook(fixture_bytes("bitrix24_webhook_lead_add.txt"), FORM).problems == []


def test_malformed_webhooks():
    cases = {
        b"event=ONCRMDEALUPDATE&data%5BFIELDS%5D%5BID%5D=": "bad_id",
        b"event=ONTASKADD&data%5BFIELDS%5D%5BID%5D=5": "unknown_event",
    }
    for body, code in cases.items():
        call, parsed = bitrix24.read_webhook(body, FORM)
        assert call is None and [p.code for p in parsed.problems] == [code]
    assert [p.code for p in bitrix24.parse_webhook(b"{}", "application/json").problems] == ["wrong_content_type"]
    call, _ = bitrix24.read_webhook(b"event=ONCRMDEALUPDATE&data%5BFIELDS%5D%5BID%5D=501", FORM)
    assert call is not None and (call.entity, call.action, call.object_id) == ("deal", "update", "501")


def test_csv_export_with_status_names():
    parsed = bitrix24.parse_file(fixture_bytes("bitrix24_leads_export.csv"), "LEAD_20261105.csv", tz=MOSCOW)
    assert [(e.external_id, e.status, e.currency, e.row) for e in parsed.events] == [
        ("101", "NEW", "RUB", 2), ("102", "JUNK", "RUB", 3), ("103", "CONVERTED", "UZS", 4)]
    assert parsed.events[0].utm == {"source": "yandex", "medium": "cpc", "campaign": "DEMO-A_poisk_moskva",
                                    "content": "banner_1", "term": "доставка цветов"}
    assert parsed.events[0].occurred_at == datetime(2026, 11, 2, 10, 15, tzinfo=MOSCOW)
    assert parsed.events[2].responsible_name == "Jasur Karimov"
    assert [(p.row, p.column, p.code) for p in parsed.problems] == [(5, "Дата создания", "bad_datetime")]


def test_excel_export_is_an_html_table():
    parsed = bitrix24.parse_file(fixture_bytes("bitrix24_leads_export.xls"), "LEAD_20261105.xls", tz=MOSCOW)
    assert parsed.problems == []
    assert [(e.external_id, e.status, e.utm) for e in parsed.events] == [
        ("101", "NEW", {"campaign": "DEMO-A_poisk_moskva"}), ("102", "JUNK", {"campaign": "DEMO-A_poisk_moskva"})]


def test_wrong_files_are_one_problem():
    for content, name in ((fixture_bytes("amocrm_leads_pages.json"), "amo.json"),
                          (fixture_bytes("vk_ads_export.csv"), "vk.csv"), (b"null", "null.json")):
        parsed = bitrix24.parse_file(content, name)
        assert parsed.events == []
        assert [p.row for p in parsed.problems] == [None], name
