from datetime import date
from decimal import Decimal

from events.connectors import yandex_direct
from events.schema import SPEND

from .conftest import fixture_bytes, xlsx_of


def _by_id(parsed):
    return {event.external_id: event for event in parsed.events}


def test_report_in_micros_with_vat_one_event_per_campaign_day():
    parsed = yandex_direct.parse_file(fixture_bytes("yandex_direct_micros_vat.tsv"), "report.tsv",
                                      currency="RUB", includes_vat=True)
    events = _by_id(parsed)
    assert list(events) == ["70512301:2026-11-02", "70512302:2026-11-02", "70512301:2026-11-03"]
    first = events["70512301:2026-11-02"]
    # SEARCH 1 234 560 000 + AD_NETWORK 100 000 000 micros, one campaign-day
    assert first.amount == Decimal("1334.56")
    assert first.quantity == Decimal(60)
    assert first.raw["impressions_total"] == "2420"
    assert first.kind == SPEND and first.source == "yandex-direct"
    assert first.occurred_at == date(2026, 11, 2)
    assert first.currency == "RUB" and first.includes_vat is True
    assert first.campaign_id == "70512301"
    assert first.campaign_name == "DEMO-A | Поиск | Москва"
    assert first.raw["report_name"] == "Spend by day (2026-11-02 - 2026-11-03)"
    assert first.row == 3
    assert events["70512302:2026-11-02"].amount == Decimal("987.65")
    assert events["70512302:2026-11-02"].campaign_name == "DEMO-B | РСЯ | Toshkent shahri"
    assert events["70512301:2026-11-03"].amount == Decimal("1100")


def test_report_malformed_rows_are_problems_naming_row_and_column():
    parsed = yandex_direct.parse_file(fixture_bytes("yandex_direct_micros_vat.tsv"), "report.tsv", currency="RUB")
    assert [(p.row, p.column, p.code) for p in parsed.problems] == [
        (7, "Date", "bad_date"), (8, "Cost", "not_a_number")]
    assert all(p.message for p in parsed.problems)


def test_report_not_in_micros_without_vat():
    parsed = yandex_direct.parse_file(fixture_bytes("yandex_direct_units_novat.tsv"), "report.tsv",
                                      currency="RUB", includes_vat=False, money_in_micros=False)
    assert parsed.problems == []
    assert [(e.external_id, e.amount, e.includes_vat) for e in parsed.events] == [
        ("70512301:2026-11-02", Decimal("1234.56"), False),
        ("70512302:2026-11-02", Decimal("987.65"), False),
        ("70512301:2026-11-03", Decimal("0.01"), False),
    ]


def test_fractions_read_as_micros_are_refused_not_guessed():
    parsed = yandex_direct.parse_file(fixture_bytes("yandex_direct_units_novat.tsv"), "report.tsv", currency="RUB")
    assert parsed.events == []
    assert {p.code for p in parsed.problems} == {"not_micros"}
    assert [p.row for p in parsed.problems] == [3, 4, 5]


def test_a_report_cut_short_says_so():
    parsed = yandex_direct.parse_file(fixture_bytes("yandex_direct_truncated.tsv"), "report.tsv", currency="RUB")
    assert [(p.row, p.code) for p in parsed.problems] == [(None, "row_count")]
    assert "Total rows: 5" in parsed.problems[0].message


def test_report_saved_without_headers_reads_with_the_field_names():
    text = "2026-11-02\t70512301\t1500000\n2026-11-02\t70512302\t2500000\nTotal rows: 2\n"
    parsed = yandex_direct.parse_file(text.encode(), "report.tsv", currency="UZS",
                                      field_names=["Date", "CampaignId", "Cost"])
    assert [(e.external_id, e.amount) for e in parsed.events] == [
        ("70512301:2026-11-02", Decimal("1.5")), ("70512302:2026-11-02", Decimal("2.5"))]


def test_interface_export_csv():
    parsed = yandex_direct.parse_file(fixture_bytes("yandex_direct_export.csv"), "export.csv", currency="RUB",
                                      includes_vat=True)
    assert [(e.external_id, e.amount, e.quantity, e.row) for e in parsed.events] == [
        ("70512301:2026-11-02", Decimal("1234.56"), Decimal(48), 4),
        ("70512302:2026-11-02", Decimal("987.65"), Decimal(61), 5),
        ("70512301:2026-11-03", Decimal("1100.00"), Decimal(40), 6),
    ]
    assert parsed.events[0].campaign_name == "DEMO-A | Поиск | Москва"
    # the row without a campaign number; the «Итого» row is not an event
    assert [(p.row, p.column, p.code) for p in parsed.problems] == [(7, "№ Кампании", "bad_campaign_id")]


def test_interface_export_xlsx():
    content = xlsx_of(
        [["Дата", "№ Кампании", "Кампания", "Показы", "Клики", "Расход (руб.)"],
         ["02.11.2026", 70512301, "DEMO-A | Поиск | Москва", 1520, 48, 1234.56],
         ["Итого", None, None, 1520, 48, 1234.56]],
        title_rows=[["Статистика по дням"], ["Период: 02.11.2026 - 02.11.2026"]])
    parsed = yandex_direct.parse_file(content, "export.xlsx", currency="RUB")
    assert parsed.problems == []
    assert [(e.external_id, e.amount) for e in parsed.events] == [("70512301:2026-11-02", Decimal("1234.56"))]


def test_wrong_file_is_one_problem():
    parsed = yandex_direct.parse_file(fixture_bytes("amocrm_leads_export.csv"), "leads.csv", currency="RUB")
    assert parsed.events == []
    assert [(p.row, p.code) for p in parsed.problems] == [(None, "unknown_format")]
    broken = yandex_direct.parse_file(b"PK\x03\x04not really a workbook", "export.xlsx", currency="RUB")
    assert [(p.row, p.code) for p in broken.problems] == [(None, "unreadable_file")]
    assert yandex_direct.parse_file(b"", "empty.tsv", currency="RUB").problems[0].code == "empty_file"


def test_every_connector_is_registered_under_its_source():
    from events.connectors import CONNECTORS
    from events.schema import SOURCES

    assert set(CONNECTORS) <= set(SOURCES)
    assert set(CONNECTORS) == {"amocrm", "bitrix24", "yandex-direct", "google-ads", "vk-ads"}
    for module in CONNECTORS.values():
        assert module.parse_file(b"", "empty.csv").problems[0].code == "empty_file"
