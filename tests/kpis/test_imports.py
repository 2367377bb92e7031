"""Imports of plans and measure values (`kpis.imports`): every row checked, every error
reported by row and column, all or nothing, re-imports change nothing, every import logged;
through the service, the commands and the admin."""

import csv
import io
import re
import zipfile
from datetime import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from kpis import imports
from kpis.imports import import_template, measures_import, plans_import
from kpis.models import ImportLog, Kpi, MeasureValue, Plan
from organizations.models import CompanyMembership
from tests.factories import CompanyFactory, EmployeeFactory

pytestmark = pytest.mark.django_db

HEADER = ["personnel_number", "period", "code", "value"]
PLANS_GOOD = [
    ["M-1", "2026-11", "leads", "200"],
    ["M-1", "2026-11", "cpl", "500"],
    ["M-2", "2026-11", "leads", "150.5"],
]
MEASURES_GOOD = [["M-1", "2026-11", "leads", "180"], ["M-1", "2026-11", "marketing_spend", "99000.50"]]


@pytest.fixture
def company():
    return CompanyFactory(name="Romashka", slug="romashka")


@pytest.fixture
def employees(company):
    return {number: EmployeeFactory(company=company, personnel_number=number) for number in ("M-1", "M-2")}


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_file(rows: list[list], *, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def state() -> dict:
    """Everything an import may write (the log aside)."""
    return {
        "plans": sorted(Plan.objects.values_list("employee_id", "period", "kpi_id", "value")),
        "measures": sorted(MeasureValue.objects.values_list("employee_id", "period", "measure_id", "value")),
        "plan_history": Plan.history.count(),
        "measure_history": MeasureValue.history.count(),
    }


def where(result) -> list[tuple]:
    return [(error.row, error.column, error.code) for error in result.errors]


def plan_value(number: str, period: str, code: str) -> Decimal:
    return Plan.objects.get(employee__personnel_number=number, period=period, kpi__code=code).value


# --- good files --------------------------------------------------------------------------


def test_a_valid_xlsx_of_plans_lands_and_is_logged(company, employees):
    result = plans_import(company=company, file_name="plans.xlsx", content=xlsx([HEADER, *PLANS_GOOD]))

    assert result.applied, result.errors
    assert (result.rows_total, result.rows_created, result.rows_updated, result.rows_unchanged) == (3, 3, 0, 0)
    assert plan_value("M-1", "2026-11", "leads") == Decimal(200)
    assert plan_value("M-2", "2026-11", "leads") == Decimal("150.5")
    assert Plan.history.filter(history_type="+").count() == 3
    log = ImportLog.objects.get()
    assert (log.company, log.kind, log.file_name, log.status) == (company, "plans", "plans.xlsx", "applied")
    assert (log.rows_total, log.rows_created, log.rows_updated, log.rows_unchanged, log.errors) == (3, 3, 0, 0, [])


def test_a_valid_csv_of_measures_lands_and_is_logged(company, employees, django_user_model):
    user = django_user_model.objects.create_user("hr")

    result = measures_import(
        company=company, file_name="measures.csv", content=csv_file([HEADER, *MEASURES_GOOD]), uploaded_by=user
    )

    assert result.applied, result.errors
    assert result.rows_created == 2
    values = dict(MeasureValue.objects.values_list("measure__code", "value"))
    assert values == {"leads": Decimal(180), "marketing_spend": Decimal("99000.50")}
    assert {record.history_user for record in MeasureValue.history.all()} == {user}
    log = ImportLog.objects.get()
    assert (log.kind, log.status, log.uploaded_by, log.rows_created) == ("measures", "applied", user, 2)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_importing_the_same_file_again_changes_nothing(company, employees, fmt):
    content = xlsx([HEADER, *PLANS_GOOD]) if fmt == "xlsx" else csv_file([HEADER, *PLANS_GOOD])
    plans_import(company=company, file_name=f"plans.{fmt}", content=content)
    before = state()

    again = plans_import(company=company, file_name=f"plans.{fmt}", content=content)

    assert again.applied
    assert (again.rows_created, again.rows_updated, again.rows_unchanged) == (0, 0, 3)
    assert state() == before
    assert ImportLog.objects.first().rows_unchanged == 3


def test_a_changed_value_is_updated_with_one_history_row(company, employees):
    plans_import(company=company, file_name="plans.csv", content=csv_file([HEADER, *PLANS_GOOD]))
    changed = [PLANS_GOOD[0], ["M-1", "2026-11", "cpl", "450"], ["M-2", "2026-11", "leads", "150.50"]]

    result = plans_import(company=company, file_name="plans.csv", content=csv_file([HEADER, *changed]))

    assert (result.rows_created, result.rows_updated, result.rows_unchanged) == (0, 1, 2)
    assert plan_value("M-1", "2026-11", "cpl") == Decimal(450)
    update = Plan.history.get(history_type="~")
    assert (update.kpi.code, update.value, update.history_change_reason) == ("cpl", Decimal(450), "import of plans.csv")


def test_russian_header_semicolons_comma_decimals_and_windows_1251(company, employees):
    rows = [["Табельный номер", "Период", "Код", "Значение"], ["M-1", "2026-11", "marketing_spend", "1 234,5"]]

    result = measures_import(
        company=company, file_name="расход.csv", content=csv_file(rows, delimiter=";", encoding="cp1251")
    )

    assert result.applied, result.errors
    assert MeasureValue.objects.get().value == Decimal("1234.5")


def test_what_excel_does_to_cells_is_read_as_meant(company):
    # given a numeric personnel number, a period Excel turned into a date and a float value
    EmployeeFactory(company=company, personnel_number="1001")
    rows = [HEADER, [1001, datetime(2026, 11, 1), "leads", 0.1 + 0.2], [1001, "2026-12", "leads", 7]]

    result = plans_import(company=company, file_name="plans.xlsx", content=xlsx(rows))

    assert result.applied, result.errors
    assert dict(Plan.objects.values_list("period", "value")) == {"2026-11": Decimal("0.3"), "2026-12": Decimal(7)}


def test_columns_in_another_order_and_blank_rows_keep_spreadsheet_row_numbers(company, employees):
    rows = [
        ["value", "code", "period", "personnel_number"],
        ["200", "leads", "2026-11", "M-1"],
        [],
        ["0", "leads", "2026-11", "M-2"],
    ]

    result = plans_import(company=company, file_name="plans.csv", content=csv_file(rows))

    assert where(result) == [(4, "value", "plan_not_positive")]
    assert result.rows_total == 2


def test_the_company_own_codes_are_known_and_another_company_s_are_not(company, employees):
    Kpi.objects.create(company=company, code="calls", name="Calls", formula="leads")
    Kpi.objects.create(company=CompanyFactory(), code="visits_own", name="Visits", formula="visits")
    rows = [HEADER, ["M-1", "2026-11", "calls", "10"], ["M-1", "2026-11", "visits_own", "10"]]

    result = plans_import(company=company, file_name="plans.csv", content=csv_file(rows))

    assert where(result) == [(3, "code", "unknown_code")]


def test_a_negative_amount_of_money_is_a_measure_value_but_a_negative_count_is_not(company, employees):
    rows = [HEADER, ["M-1", "2026-11", "marketing_spend", "-100"], ["M-1", "2026-11", "leads", "-1"]]

    result = measures_import(company=company, file_name="m.csv", content=csv_file(rows))

    assert where(result) == [(3, "value", "measure_count_negative")]


# --- a template filled back --------------------------------------------------------------


@pytest.mark.parametrize("kind", ["plans", "measures"])
def test_the_templates_have_the_header_and_an_example_row(kind):
    content, _, name = import_template(kind=kind, file_format="xlsx")
    sheet = load_workbook(io.BytesIO(content)).active
    text, _, csv_name = import_template(kind=kind, file_format="csv")

    assert [cell.value for cell in sheet[1]] == HEADER
    assert sheet.max_row == 2
    assert name == f"{kind}-import-template.xlsx" and csv_name == f"{kind}-import-template.csv"
    assert text.decode().splitlines()[0] == ",".join(HEADER)
    assert len(text.decode().splitlines()) == 2


def test_a_template_filled_back_with_one_bad_row_reports_that_row_and_changes_nothing(company, employees):
    content, _, _ = import_template(kind="plans", file_format="xlsx")
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.active
    sheet.delete_rows(2)  # the example row
    for row in [["M-1", "2026-11", "leads", 200], ["M-2", "2026-13", "leads", 150], ["M-2", "2026-11", "cpl", 500]]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    before = state()

    result = plans_import(company=company, file_name="plans.xlsx", content=buffer.getvalue())

    assert where(result) == [(3, "period", "bad_period")]
    assert "'2026-13' is not a period" in result.errors[0].message
    assert state() == before
    assert ImportLog.objects.get().status == "rejected"


# --- bad rows: every one reported, nothing written ----------------------------------------

BAD_ROWS = {
    "unknown employee": (
        plans_import,
        [["M-1", "2026-11", "leads", "1"], ["X-9", "2026-11", "leads", "1"], ["M-3", "2026-11", "cpl", "1"]],
        [(3, "personnel_number", "unknown_employee"), (4, "personnel_number", "unknown_employee")],
    ),
    "unknown code": (
        plans_import,
        [
            ["M-1", "2026-11", "no_such_kpi", "1"],
            ["M-1", "2026-11", "marketing_spend", "1"],
            ["M-2", "2026-11", "leads", "1"],
        ],
        [(2, "code", "unknown_code"), (3, "code", "unknown_code")],  # marketing_spend is a measure, not a KPI
    ),
    "unknown measure code": (
        measures_import,
        [["M-1", "2026-11", "cpl", "1"], ["M-1", "2026-11", "leads", "1"], ["M-2", "2026-11", "nope", "1"]],
        [(2, "code", "unknown_code"), (4, "code", "unknown_code")],  # cpl is a KPI, not a measure
    ),
    "bad period": (
        plans_import,
        [["M-1", "2026-13", "leads", "1"], ["M-1", "11.2026", "cpl", "1"], ["M-2", "2026-11-01", "leads", "1"]],
        [(2, "period", "bad_period"), (3, "period", "bad_period"), (4, "period", "bad_period")],
    ),
    "not a number": (
        measures_import,
        [
            ["M-1", "2026-11", "leads", "abc"],
            ["M-1", "2026-12", "leads", "NaN"],
            ["M-1", "2027-01", "leads", "Infinity"],
            ["M-2", "2026-11", "leads", "1,234.5"],
            ["M-2", "2026-12", "leads", "12"],
        ],
        [
            (2, "value", "not_a_number"),
            (3, "value", "not_a_number"),
            (4, "value", "not_a_number"),
            (5, "value", "not_a_number"),
        ],
    ),
    "plan not above zero": (
        plans_import,
        [["M-1", "2026-11", "leads", "0"], ["M-1", "2026-11", "cpl", "-5"], ["M-2", "2026-11", "leads", "0,01"]],
        [(2, "value", "plan_not_positive"), (3, "value", "plan_not_positive")],
    ),
    "negative count": (
        measures_import,
        [["M-1", "2026-11", "leads", "-1"], ["M-1", "2026-11", "orders", "3"], ["M-2", "2026-11", "visits", "-0.5"]],
        [(2, "value", "measure_count_negative"), (4, "value", "measure_count_negative")],
    ),
    "duplicate within the file": (
        plans_import,
        [["M-1", "2026-11", "leads", "1"], ["M-2", "2026-11", "leads", "1"], ["M-1", "2026-11", "leads", "2"]],
        [(2, "code", "duplicate_row"), (4, "code", "duplicate_row")],
    ),
    "empty cells": (
        plans_import,
        [["", "2026-11", "leads", "1"], ["M-1", " ", "leads", "1"], ["M-1", "2026-11", "", ""]],
        [
            (2, "personnel_number", "cell_empty"),
            (3, "period", "cell_empty"),
            (4, "code", "cell_empty"),
            (4, "value", "cell_empty"),
        ],
    ),
    "too many decimal places": (
        plans_import,
        [["M-1", "2026-11", "leads", "1.00001"], ["M-2", "2026-11", "leads", "1.50000"]],
        [(2, "value", "value_out_of_range")],
    ),
}


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize(("service", "rows", "expected"), BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_every_bad_row_is_reported_by_row_and_column_and_nothing_is_written(
    company, employees, service, rows, expected, fmt
):
    content = xlsx([HEADER, *rows]) if fmt == "xlsx" else csv_file([HEADER, *rows])
    before = state()

    result = service(company=company, file_name=f"bad.{fmt}", content=content)

    assert not result.applied
    assert where(result) == expected
    assert state() == before
    log = ImportLog.objects.get()
    assert log.status == "rejected" and log.rows_created == 0
    assert [(error["row"], error["column"], error["code"]) for error in log.errors] == expected


def test_a_duplicate_names_the_other_row(company, employees):
    rows = [HEADER, ["M-1", "2026-11", "leads", "1"], ["M-2", "2026-11", "cpl", "1"], ["M-1", "2026-11", "leads", "1"]]

    result = plans_import(company=company, file_name="dup.csv", content=csv_file(rows))

    assert [error.message for error in result.errors] == [
        "M-1 / 2026-11 / leads appears more than once: also on row 4",
        "M-1 / 2026-11 / leads appears more than once: also on row 2",
    ]


def test_a_file_with_every_kind_of_bad_row_reports_every_one(company, employees):
    rows = [
        HEADER,
        ["M-1", "2026-11", "leads", "200"],  # good
        ["X-9", "2026-13", "nope", "abc"],  # four errors on one row
        ["M-1", "2026-11", "cpl", "0"],
        ["", "", "", ""],  # blank: skipped
        ["M-2", "2026-11", "leads", "1"],
        ["M-2", "2026-11", "leads", "2"],
        ["M-2", "", "cpl", "5"],
    ]
    before = state()

    result = plans_import(company=company, file_name="bad.xlsx", content=xlsx(rows))

    assert where(result) == [
        (3, "personnel_number", "unknown_employee"),
        (3, "period", "bad_period"),
        (3, "code", "unknown_code"),
        (3, "value", "not_a_number"),
        (4, "value", "plan_not_positive"),
        (6, "code", "duplicate_row"),
        (7, "code", "duplicate_row"),
        (8, "period", "cell_empty"),
    ]
    assert result.rows_total == 6
    assert state() == before


def test_a_row_longer_than_the_header_is_an_error(company, employees):
    # an unquoted decimal comma in a comma-separated file splits the value in two
    content = b"personnel_number,period,code,value\r\nM-1,2026-11,leads,1234,5\r\n"

    result = plans_import(company=company, file_name="plans.csv", content=content)

    assert where(result) == [(2, "column 5", "extra_cells")]
    assert not Plan.objects.exists()


def test_the_log_keeps_a_bounded_number_of_errors(company, employees, monkeypatch):
    monkeypatch.setattr(imports, "MAX_LOGGED_ERRORS", 2)
    rows = [HEADER, *[[f"X-{n}", "2026-11", "leads", "1"] for n in range(5)]]

    result = plans_import(company=company, file_name="bad.csv", content=csv_file(rows))

    assert len(result.errors) == 5
    assert [error["code"] for error in ImportLog.objects.get().errors] == ["unknown_employee"] * 2 + ["more_errors"]


# --- bad files ---------------------------------------------------------------------------


def workbook_without_sheets() -> bytes:
    source = zipfile.ZipFile(io.BytesIO(xlsx([HEADER, PLANS_GOOD[0]])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            if item.filename.startswith("xl/worksheets/"):
                continue
            content = source.read(item.filename)
            if item.filename == "xl/workbook.xml":
                content = re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", content)
            target.writestr(item, content)
    return buffer.getvalue()


def damaged_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        target.writestr("hello.txt", "not a workbook")
    return buffer.getvalue()


BAD_FILES = {
    "xlsx that is not a zip": ("plans.xlsx", lambda: b"personnel_number,period,code,value\n", "not_xlsx"),
    "xlsx that is an old .xls": ("plans.xlsx", lambda: imports.OLE_MAGIC + b"\x00" * 100, "not_xlsx"),
    "xlsx that is a zip but no workbook": ("plans.xlsx", damaged_workbook, "not_xlsx"),
    "xlsx with no sheet": ("plans.xlsx", workbook_without_sheets, "no_sheet"),
    "empty xlsx file": ("plans.xlsx", lambda: b"", "file_empty"),
    "xlsx with an empty sheet": ("plans.xlsx", lambda: xlsx([]), "file_empty"),
    "xlsx header only": ("plans.xlsx", lambda: xlsx([HEADER]), "no_data_rows"),
    "xlsx wrong header": (
        "plans.xlsx",
        lambda: xlsx([["employee", "month", "kpi", "value"], PLANS_GOOD[0]]),
        "header_wrong",
    ),
    "xlsx header not in row 1": ("plans.xlsx", lambda: xlsx([[], HEADER, PLANS_GOOD[0]]), "header_wrong"),
    "empty csv file": ("plans.csv", lambda: b"", "file_empty"),
    "csv of blank lines": ("plans.csv", lambda: b"\r\n,,,\r\n", "file_empty"),
    "csv header only": ("plans.csv", lambda: csv_file([HEADER]), "no_data_rows"),
    "csv missing a column": ("plans.csv", lambda: csv_file([HEADER[:3], PLANS_GOOD[0][:3]]), "header_wrong"),
    "csv with an extra column": (
        "plans.csv",
        lambda: csv_file([[*HEADER, "note"], [*PLANS_GOOD[0], "x"]]),
        "header_wrong",
    ),
    "csv with a column twice": (
        "plans.csv",
        lambda: csv_file([[*HEADER, "код"], [*PLANS_GOOD[0], "x"]]),
        "header_wrong",
    ),
    "csv not utf-8": ("plans.csv", lambda: csv_file([HEADER, PLANS_GOOD[0]], encoding="utf-16"), "csv_not_utf8"),
    "csv that is a workbook": ("plans.csv", lambda: xlsx([HEADER, PLANS_GOOD[0]]), "not_csv"),
    "unknown extension": ("plans.txt", lambda: csv_file([HEADER, PLANS_GOOD[0]]), "unknown_extension"),
    "old xls": ("plans.xls", lambda: imports.OLE_MAGIC, "unknown_extension"),
    "no extension": ("plans", lambda: csv_file([HEADER, PLANS_GOOD[0]]), "unknown_extension"),
}


@pytest.mark.parametrize(("file_name", "make", "code"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_is_refused_with_a_clear_error_and_nothing_changes(company, employees, file_name, make, code):
    plans_import(company=company, file_name="plans.csv", content=csv_file([HEADER, PLANS_GOOD[1]]))
    before = state()

    result = plans_import(company=company, file_name=file_name, content=make())

    assert [error.code for error in result.errors] == [code], result.errors
    assert result.errors[0].message
    assert state() == before
    assert ImportLog.objects.first().status == "rejected"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_file_over_the_byte_limit_is_refused_before_it_is_read(company, employees, monkeypatch, fmt):
    content = xlsx([HEADER, *PLANS_GOOD]) if fmt == "xlsx" else csv_file([HEADER, *PLANS_GOOD])
    monkeypatch.setattr(imports, "MAX_BYTES", len(content) - 1)
    monkeypatch.setattr(imports, "load_workbook", pytest.fail)  # never parsed

    result = plans_import(company=company, file_name=f"plans.{fmt}", content=content)

    assert where(result) == [(None, None, "file_too_large")]
    assert not Plan.objects.exists()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_file_over_the_row_limit_is_refused(company, employees, monkeypatch, fmt):
    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    rows = [HEADER, *PLANS_GOOD]
    content = xlsx(rows) if fmt == "xlsx" else csv_file(rows)

    result = plans_import(company=company, file_name=f"plans.{fmt}", content=content)

    assert where(result) == [(None, None, "too_many_rows")]
    assert "more than 2 rows below the header" in result.errors[0].message
    assert not Plan.objects.exists()


def test_the_row_limit_stops_reading_early(monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    read = []

    def rows():
        for number in range(1, 1_000_000):
            read.append(number)
            yield number, tuple(HEADER) if number == 1 else ("M-1", "2026-11", "leads", "1")

    with pytest.raises(imports._FileRejected):
        imports._table(rows())
    assert len(read) == 4  # the header, two rows, and the one over


def test_a_workbook_that_unpacks_too_large_is_refused(company, employees, monkeypatch):
    monkeypatch.setattr(imports, "MAX_UNPACKED_BYTES", 1000)

    result = plans_import(company=company, file_name="plans.xlsx", content=xlsx([HEADER, *PLANS_GOOD]))

    assert where(result) == [(None, None, "file_too_large")]


# --- commands ----------------------------------------------------------------------------


def test_import_plans_command_applies_a_good_file(company, employees, tmp_path):
    path = tmp_path / "plans.xlsx"
    path.write_bytes(xlsx([HEADER, *PLANS_GOOD]))
    out = io.StringIO()

    call_command("import_plans", str(path), company="romashka", stdout=out)

    assert "3 created, 0 updated, 0 unchanged" in out.getvalue()
    assert Plan.objects.count() == 3


def test_import_measures_command_prints_every_error_and_fails(company, employees, tmp_path):
    path = tmp_path / "measures.csv"
    path.write_bytes(csv_file([HEADER, ["X-1", "2026-11", "leads", "1"], ["M-1", "2026-11", "leads", "-1"]]))
    err = io.StringIO()

    with pytest.raises(CommandError, match="rejected, nothing written — 2 error"):
        call_command("import_measures", str(path), company="romashka", stderr=err)

    assert err.getvalue().splitlines() == [
        "row 2, personnel_number: no employee with personnel number 'X-1' in Romashka",
        "row 3, value: the value is -1, a count cannot be negative",
    ]
    assert not MeasureValue.objects.exists()


def test_the_commands_refuse_an_unknown_company_user_or_file(company, tmp_path):
    path = tmp_path / "plans.csv"
    path.write_bytes(csv_file([HEADER, PLANS_GOOD[0]]))

    with pytest.raises(CommandError, match="no company"):
        call_command("import_plans", str(path), company="nope")
    with pytest.raises(CommandError, match="no user"):
        call_command("import_plans", str(path), company="romashka", user="nobody")
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_measures", str(tmp_path / "missing.csv"), company="romashka")


# --- admin -------------------------------------------------------------------------------


def upload(name: str, content: bytes) -> io.BytesIO:
    file = io.BytesIO(content)
    file.name = name
    return file


def test_the_changelists_link_to_their_import_pages(admin_client):
    for model in ("plan", "measurevalue"):
        page = admin_client.get(reverse(f"admin:kpis_{model}_changelist")).content.decode()
        assert reverse(f"admin:kpis_{model}_import") in page


def test_the_admin_import_page_shows_every_error_and_writes_nothing(admin_client, company, employees):
    rows = [HEADER, ["X-9", "2026-11", "leads", "1"], ["M-1", "2026-13", "leads", "abc"]]

    response = admin_client.post(
        reverse("admin:kpis_plan_import"), {"company": company.pk, "file": upload("bad.csv", csv_file(rows))}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="error-row"') == 3
    assert "no employee with personnel number &#x27;X-9&#x27; in Romashka" in page
    assert "<td>3</td><td>period</td>" in page
    assert "<td>3</td><td>value</td>" in page
    assert not Plan.objects.exists()


def test_the_admin_import_page_shows_the_first_errors_of_a_file_full_of_them(
    admin_client, company, employees, monkeypatch
):
    monkeypatch.setattr("kpis.imports.MAX_LOGGED_ERRORS", 5)
    rows = [HEADER, *(["X-9", "2026-11", "leads", "1"] for _ in range(8))]

    response = admin_client.post(
        reverse("admin:kpis_plan_import"), {"company": company.pk, "file": upload("bad.csv", csv_file(rows))}
    )

    page = response.content.decode()
    assert page.count('class="error-row"') == 5
    assert len(response.context['result'].errors) >= 8  # one at least for each row
    assert f"… and {len(response.context['result'].errors) - 5} more" in page
    assert not Plan.objects.exists()


def test_the_admin_import_page_applies_a_good_file(admin_client, company, employees):
    response = admin_client.post(
        reverse("admin:kpis_measurevalue_import"),
        {"company": company.pk, "file": upload("m.xlsx", xlsx([HEADER, *MEASURES_GOOD]))},
    )

    assert response.status_code == 200
    assert 'id="import-summary"' in response.content.decode()
    assert MeasureValue.objects.count() == 2
    assert ImportLog.objects.get().uploaded_by.username == "admin"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_admin_serves_the_templates(admin_client, fmt):
    response = admin_client.get(reverse("admin:kpis_plan_import_template", args=[fmt]))

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="plans-import-template.{fmt}"'
    parsed = imports.parse_file(file_name=f"t.{fmt}", content=response.content)
    assert not parsed.problems and len(parsed.rows) == 1


def test_the_admin_import_pages_are_a_superusers(client, company, employees):
    """HR imports in the portal (/portal/hr/plans/import/); in the admin, even a staff HR
    login with the plan permissions gets the page saying the admin is for administrators."""
    hr = User.objects.create_user("hr", is_staff=True)
    hr.user_permissions.set(Permission.objects.filter(codename__in=["add_plan", "change_plan", "view_plan"]))
    CompanyMembership.objects.create(user=hr, company=company, role="hr")
    client.force_login(hr)

    page = client.get(reverse("admin:kpis_plan_import"))
    template = client.get(reverse("admin:kpis_plan_import_template", args=["csv"]))
    refused = client.post(
        reverse("admin:kpis_plan_import"),
        {"company": company.pk, "file": upload("p.csv", csv_file([HEADER, *PLANS_GOOD]))},
    )

    assert page.status_code == template.status_code == refused.status_code == 403
    assert "admin/operators_only.html" in [t.name for t in refused.templates]
    assert not Plan.objects.exists() and not ImportLog.objects.exists()


def test_the_queries_do_not_grow_with_the_rows(company, employees, django_assert_max_num_queries):
    def rows(value: str) -> list[list]:
        periods = [f"{2000 + n // 12}-{n % 12 + 1:02d}" for n in range(150)]
        return [HEADER, *[[number, period, "leads", value] for number in ("M-1", "M-2") for period in periods]]

    with django_assert_max_num_queries(9):  # savepoint, employees, KPIs, closed periods, stored rows, write, history, release, log
        created = plans_import(company=company, file_name="p.csv", content=csv_file(rows("1")))
    with django_assert_max_num_queries(9):
        updated = plans_import(company=company, file_name="p.csv", content=csv_file(rows("2")))

    assert (created.rows_created, updated.rows_updated) == (300, 300)


@pytest.mark.parametrize("bad", ["DEMO\x00A", "lead\ud800s"], ids=["nul", "surrogate"])
def test_a_character_the_database_cannot_store_is_a_cell_error(bad):
    from compensation.demo import seed_demo
    from kpis.imports import BAD_CHARACTER, items_import
    from kpis.models import Plan

    company = seed_demo()
    before = Plan.objects.count()
    result = items_import(
        kind="plans", company=company, source="test",
        items=[{"personnel_number": bad, "period": "2026-12", "code": "leads", "value": "1"}],
    )
    assert BAD_CHARACTER in {problem.code for problem in result.errors}
    assert Plan.objects.count() == before
