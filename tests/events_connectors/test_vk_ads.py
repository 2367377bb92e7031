from datetime import date
from decimal import Decimal

from events.connectors import vk_ads

from .conftest import fixture_bytes, xlsx_of


def test_statistics_answer_one_event_per_campaign_day():
    parsed = vk_ads.parse_file(fixture_bytes("vk_ads_statistics_day.json"), "day.json", currency="RUB")
    assert [(e.external_id, e.amount, e.quantity, e.row) for e in parsed.events] == [
        ("4410001:2026-11-02", Decimal("3500.50"), Decimal(150), 0),
        ("4410001:2026-11-03", Decimal(0), Decimal(0), 1),
        ("4410002:2026-11-02", Decimal("1200.25"), Decimal(61), 2),
    ]
    event = parsed.events[0]
    assert event.source == "vk-ads" and event.currency == "RUB" and event.includes_vat is None
    assert event.occurred_at == date(2026, 11, 2)
    assert event.campaign_name == ""  # the statistics carry no names
    assert [(p.row, p.column, p.code) for p in parsed.problems] == [
        (3, "items[1].rows[1].date", "bad_date"), (4, "items[1].rows[2].base.spent", "not_a_number")]


def test_bundle_names_the_campaigns():
    parsed = vk_ads.parse_file(fixture_bytes("vk_ads_bundle.json"), "bundle.json", currency="RUB", includes_vat=False)
    names = {e.external_id: e.campaign_name for e in parsed.events}
    assert names["4410001:2026-11-02"] == "DEMO-A | Ретаргетинг | Москва"
    assert names["4410002:2026-11-02"] == "DEMO-B | Охват | Toshkent"
    assert {e.includes_vat for e in parsed.events} == {False}


def test_page_with_names_from_the_campaign_list():
    import json

    stats = json.loads(fixture_bytes("vk_ads_statistics_day.json"))
    names = vk_ads.campaign_names_of({"count": 1, "offset": 0, "items": [{"id": 4410002, "name": "DEMO-B | x"}]})
    parsed = vk_ads.parse_page(stats, currency="UZS", campaign_names=names)
    assert [e.campaign_name for e in parsed.events] == ["", "", "DEMO-B | x"]


def test_cabinet_export_csv_and_xlsx():
    parsed = vk_ads.parse_file(fixture_bytes("vk_ads_export.csv"), "export.csv", currency="RUB")
    assert [(e.external_id, e.amount, e.campaign_name) for e in parsed.events] == [
        ("4410001:2026-11-02", Decimal("3500.50"), "DEMO-A | Ретаргетинг | Москва"),
        ("4410002:2026-11-02", Decimal("1200.25"), "DEMO-B | Охват | Toshkent"),
    ]
    assert [(p.row, p.column, p.code) for p in parsed.problems] == [(4, "Потрачено", "not_a_number")]
    content = xlsx_of([["Date", "Campaign ID", "Campaign", "Impressions", "Clicks", "Spent"],
                       ["2026-11-02", 4410001, "DEMO-A | Ретаргетинг | Москва", 12000, 150, 3500.5]])
    parsed = vk_ads.parse_file(content, "export.xlsx", currency="RUB")
    assert [(e.external_id, e.amount) for e in parsed.events] == [("4410001:2026-11-02", Decimal("3500.5"))]


def test_wrong_files_are_one_problem():
    for content, name in ((fixture_bytes("amocrm_leads_page1.json"), "amo.json"),
                          (fixture_bytes("google_ads_ui_report.csv"), "google.csv"), (b"[1, 2]", "list.json")):
        parsed = vk_ads.parse_file(content, name, currency="RUB")
        assert parsed.events == []
        assert [p.row for p in parsed.problems] == [None], name
