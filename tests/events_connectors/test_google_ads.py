from datetime import date
from decimal import Decimal

from events.connectors import google_ads

from .conftest import fixture_bytes, xlsx_of


def test_search_pages_divide_micros_and_sum_segments_per_campaign_day():
    parsed = google_ads.parse_file(fixture_bytes("google_ads_search_pages.json"), "search.json")
    events = {e.external_id: e for e in parsed.events}
    assert list(events) == ["21500001:2026-11-02", "21500002:2026-11-02", "21500002:2026-11-03"]
    demo_a = events["21500001:2026-11-02"]
    # MOBILE 125 000 500 000 + DESKTOP 24 999 500 000 micros
    assert demo_a.amount == Decimal("150000")
    assert demo_a.quantity == Decimal(60)
    assert demo_a.currency == "UZS"  # customer.currencyCode, selected
    assert demo_a.campaign_name == "DEMO-A | Search | Toshkent"
    assert demo_a.occurred_at == date(2026, 11, 2)
    assert len(demo_a.raw["rows"]) == 2
    # metrics left out of the JSON are zero (proto3 JSON omits defaults)
    assert events["21500002:2026-11-02"].amount == Decimal(0)
    assert events["21500002:2026-11-02"].quantity == Decimal(0)
    assert events["21500002:2026-11-03"].amount == Decimal(30000)
    assert [(p.row, p.column, p.code) for p in parsed.problems] == [(4, "metrics.cost_micros", "not_micros")]


def test_one_page_and_the_currency_argument():
    pages = __import__("json").loads(fixture_bytes("google_ads_search_stream.json"))
    parsed = google_ads.parse_page(pages[0], currency="USD", includes_vat=False)
    assert [(e.external_id, e.amount, e.currency, e.includes_vat) for e in parsed.events] == [
        ("21500001:2026-11-02", Decimal("1.5"), "USD", False)]
    assert [(p.row, p.column, p.code) for p in parsed.problems] == [(1, "segments.date", "bad_date")]


def test_without_currency_a_row_is_a_problem():
    pages = __import__("json").loads(fixture_bytes("google_ads_search_stream.json"))
    parsed = google_ads.parse_page(pages[0])
    assert parsed.events == []
    assert [p.code for p in parsed.problems] == ["no_currency", "bad_date"]


def test_snake_case_names_are_read_too():
    page = {"results": [{"campaign": {"resource_name": "customers/1/campaigns/77", "name": "DEMO-A | x"},
                         "metrics": {"cost_micros": 2500000, "clicks": 3},
                         "segments": {"date": "2026-11-05"}, "customer": {"currency_code": "RUB"}}]}
    parsed = google_ads.parse_page(page)
    assert [(e.external_id, e.amount, e.currency) for e in parsed.events] == [("77:2026-11-05", Decimal("2.5"), "RUB")]


def test_interface_csv_download():
    parsed = google_ads.parse_file(fixture_bytes("google_ads_ui_report.csv"), "Campaign report.csv")
    assert [(e.external_id, e.amount, e.currency, e.quantity, e.row) for e in parsed.events] == [
        ("21500001:2026-11-02", Decimal("150000.00"), "UZS", Decimal(60), 4),
        ("21500002:2026-11-02", Decimal("0.00"), "UZS", Decimal(0), 5),
        ("21500002:2026-11-03", Decimal("30000.00"), "UZS", Decimal(7), 6),
    ]
    assert [(p.row, p.column, p.code) for p in parsed.problems] == [(7, "Cost", "not_a_number")]


def test_interface_excel_csv_in_utf16_with_tabs():
    text = ("Campaign report\n\"November 2, 2026 - November 2, 2026\"\n"
            "Day\tCampaign\tCampaign ID\tCurrency code\tCost\tImpr.\tClicks\n"
            "2026-11-02\tDEMO-A | Search | Toshkent\t21500001\tUZS\t1,234.50\t10\t2\n")
    parsed = google_ads.parse_file(text.encode("utf-16"), "report.csv")
    assert [(e.external_id, e.amount) for e in parsed.events] == [("21500001:2026-11-02", Decimal("1234.50"))]


def test_interface_xlsx_in_russian():
    content = xlsx_of([["День", "Кампания", "Идентификатор кампании", "Код валюты", "Стоимость", "Клики"],
                       ["2026-11-02", "DEMO-B | Поиск | Samarqand", "21500002", "RUB", "1 234,50", 4]],
                      title_rows=[["Отчёт по кампаниям"], ["2 нояб. 2026 г."]])
    parsed = google_ads.parse_file(content, "report.xlsx")
    assert [(e.external_id, e.amount, e.campaign_name) for e in parsed.events] == [
        ("21500002:2026-11-02", Decimal("1234.50"), "DEMO-B | Поиск | Samarqand")]


def test_wrong_files_are_one_problem():
    for content, name in ((fixture_bytes("vk_ads_statistics_day.json"), "vk.json"),
                          (fixture_bytes("bitrix24_leads_export.csv"), "leads.csv"),
                          (b"{not json", "broken.json")):
        parsed = google_ads.parse_file(content, name, currency="RUB")
        assert parsed.events == []
        assert [p.row for p in parsed.problems] == [None], name
