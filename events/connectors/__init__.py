"""Connectors: each source's documented formats read into `events.schema` values, plain Python.

Every module has `parse_file(content, file_name, **options) -> Parsed`, deciding by content
between the API's own answer saved to a file and the system's spreadsheet export; the APIs'
modules have `parse_page(data)` for one answer (Yandex Direct's Reports answer is TSV text:
`parse_report(text)`), the CRMs' `parse_webhook(body, content_type)` (Bitrix24's webhook carries
ids only: `bitrix24.read_webhook` says what to fetch). Options: `currency` (the account's, where
the source does not say), `includes_vat` (the report's setting), Yandex Direct's
`money_in_micros`, the CRMs' `tz` for exports' local times. Bad rows are `ParseProblem`s naming
the row and column; a file of the wrong kind is one problem with row None."""

from types import ModuleType

from events.connectors import amocrm, bitrix24, google_ads, vk_ads, yandex_direct

#: The module that reads each source of `events.schema.SOURCES` that has a connector.
CONNECTORS: dict[str, ModuleType] = {
    amocrm.SOURCE: amocrm,
    bitrix24.SOURCE: bitrix24,
    yandex_direct.SOURCE: yandex_direct,
    google_ads.SOURCE: google_ads,
    vk_ads.SOURCE: vk_ads,
}
