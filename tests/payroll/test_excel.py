"""Payslips and payroll sheets, read back with openpyxl and checked cell by cell against the
stored payouts; labels in both languages; text that looks like a formula stays text."""

import io
import zipfile
from decimal import Decimal
from io import StringIO

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from openpyxl import load_workbook
from openpyxl.utils.escape import unescape

from compensation.demo import seed_demo
from engine import Period
from organizations.models import Company, Employee
from payroll.excel.labels import LABELS, Labels
from payroll.excel.payslip import PayslipSource, payslip_xlsx
from payroll.excel.safe import FORMULA_TRIGGERS
from payroll.excel.selectors import payroll_sheet_rows, payslip_source
from payroll.excel.services import (
    payroll_sheet_build,
    payroll_sheet_ensure,
    payroll_sheet_is_current,
    payroll_sheet_stem,
    payslip_render,
)
from payroll.excel.sheet import SheetHeading, write_payroll_sheet
from payroll.models import Payout, PayrollRun, RunStatus
from payroll.services import (
    adjustment_create,
    payroll_run_approve,
    payroll_run_cancel,
    payroll_run_recalculate,
    payroll_run_start,
)
from payroll.tasks import build_payroll_sheet
from tests.factories import CompanyFactory

# Runs are calculated, and their sheets built, in this process (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]
NOVEMBER = Period.parse("2026-11")
MONEY_RUB = '#,##0.00 "RUB"'
# The payroll sheet: a heading of seven rows, the column names in row 8, payouts from row 9.
HEADER_ROW = 8
FIRST_ROW = 9
INJECTIONS = ['=HYPERLINK("http://x","y")', "+1", "-1+2", "@SUM(A1)", "\tx", "\rx", "=1+1"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def demo() -> Company:
    return seed_demo()


def start_run(capture, company, *, period=NOVEMBER) -> PayrollRun:
    """Start and calculate a run with Celery eager; the sheet is built once it commits."""
    with capture(execute=True):
        run, _ = payroll_run_start(company=company, period=period, chunk_size=7)
    run.refresh_from_db()
    assert run.status == RunStatus.CALCULATED
    return run


@pytest.fixture
def run(demo, django_capture_on_commit_callbacks) -> PayrollRun:
    return start_run(django_capture_on_commit_callbacks, demo)


def workbook(data):
    return load_workbook(io.BytesIO(data) if isinstance(data, bytes) else data)


def workbook_values(data):
    """The workbook as a program reading values sees it: formulas' stored results."""
    return load_workbook(io.BytesIO(data), data_only=True)


def amount(value) -> Decimal:
    """A number read back by openpyxl (a float or int) as the Decimal it was written from."""
    return Decimal(str(value))


def payouts_in_order(run) -> list[Payout]:
    return list(run.payouts.select_related("employee").order_by("employee__personnel_number"))


def rows_of(sheet) -> list[tuple]:
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows()]


def labelled(sheet) -> dict[str, object]:
    """Label (column A) → value (column B) of the payslip's label/value rows; the first wins."""
    found: dict[str, object] = {}
    for label, value, *_ in sheet.iter_rows(values_only=True):
        if isinstance(label, str) and value is not None:
            found.setdefault(label, value)
    return found


def table(sheet, header: str) -> list[tuple]:
    """The rows under the table whose header row starts with `header`, up to a blank row."""
    rows = [tuple(cell.value for cell in row) for row in sheet.iter_rows()]
    start = next(index for index, row in enumerate(rows) if row[0] == header and row[1] is not None)
    found = []
    for row in rows[start + 1 :]:
        if all(value is None for value in row):
            break
        found.append(row)
    return found


# --- the payroll sheet -------------------------------------------------------------------


def test_the_sheet_is_written_when_a_run_is_calculated(run, media):
    assert run.sheet.name.startswith(f"payroll-sheets/demo_2026-11_run{run.pk}_calc1_")
    assert run.sheet.name.startswith(payroll_sheet_stem(run))
    assert payroll_sheet_is_current(run)
    assert (media / run.sheet.name).is_file()


def test_the_sheet_has_one_row_per_payout_cell_by_cell(run):
    sheet = workbook(run.sheet.open("rb")).worksheets[0]
    payouts = payouts_in_order(run)
    width = max(len(p.coefficients) for p in payouts)

    assert sheet.title == "Ведомость 2026-11"
    assert [c.value for c in sheet[HEADER_ROW]] == [
        "Табельный номер",
        "Сотрудник",
        "Должность",
        "Фикс. часть",
        "Премия",
        "Корректировки",
        "Итого к выплате",
        "Балл",
        *(f"k{i}" for i in range(1, width + 1)),
    ]
    rows = sheet.iter_rows(min_row=FIRST_ROW, max_row=FIRST_ROW + len(payouts) - 1)
    for payout, row in zip(payouts, rows, strict=True):
        number, name, position, fixed, bonus, adjustments, total, score, *ks = row
        assert (number.value, name.value, position.value) == (
            payout.employee.personnel_number,
            payout.employee.full_name,
            payout.employee.position,
        )
        assert [amount(c.value) for c in (fixed, bonus, adjustments, total)] == [
            payout.fixed,
            payout.bonus,
            payout.adjustments,
            payout.total,
        ]
        assert {c.number_format for c in (fixed, bonus, adjustments, total)} == {MONEY_RUB}
        assert {c.data_type for c in (number, name, position)} == {"s"}
        if payout.score is None:
            assert score.value is None
        else:
            assert (amount(score.value), score.number_format) == (payout.score / 100, "0.00%")
        written = [c for c in ks if c.value is not None]
        assert [amount(c.value) for c in written] == [Decimal(k) for k in payout.coefficients]
        assert {c.number_format for c in written} <= {"0.0000"}
    demo_a = next(row for row in sheet.iter_rows(min_row=FIRST_ROW, values_only=True) if row[0] == "DEMO-A")
    assert amount(demo_a[6]) == Decimal("45000.00")


def test_the_totals_row_sums_each_money_column_with_a_formula_and_stores_its_value(run):
    stored = run.sheet.open("rb").read()
    sheet = workbook(stored).worksheets[0]
    count = run.payouts.count()
    last = FIRST_ROW + count - 1
    totals = sheet[last + 1]

    assert totals[0].value == "Итого"
    assert [c.value for c in totals[3:7]] == [f"=SUM({col}{FIRST_ROW}:{col}{last})" for col in "DEFG"]
    assert {c.data_type for c in totals[3:7]} == {"f"}
    assert {c.number_format for c in totals[3:7]} == {MONEY_RUB}
    assert sheet.max_row == last + 1
    # What the formulas add up is the run's own totals.
    columns = list(sheet.iter_rows(min_row=FIRST_ROW, max_row=last, min_col=4, max_col=7, values_only=True))
    sums = [sum(amount(row[i]) for row in columns) for i in range(4)]
    run_totals = [run.fixed_total, run.bonus_total, run.adjustments_total, run.total]
    assert sums == run_totals
    # A program reading values (openpyxl data_only, pandas) gets those totals, not None.
    values = workbook_values(stored)
    assert [amount(c.value) for c in values.worksheets[0][last + 1][3:7]] == run_totals
    positions = list(values.worksheets[1].iter_rows(values_only=True))[-1]
    assert [positions[1], *map(amount, positions[2:6])] == [count, *run_totals]


def test_the_sheet_has_a_frozen_header_a_filter_widths_and_a_page_set_up(run):
    sheet = workbook(run.sheet.open("rb")).worksheets[0]
    count = run.payouts.count()
    last = sheet.cell(HEADER_ROW, sheet.max_column).column_letter

    assert sheet.freeze_panes == f"C{FIRST_ROW}"
    assert sheet.auto_filter.ref == f"A{HEADER_ROW}:{last}{FIRST_ROW + count - 1}"
    assert int(sheet.column_dimensions["B"].width) == 34  # XlsxWriter adds the padding Excel adds
    setup = sheet.page_setup  # fitToWidth 1 is SpreadsheetML's default, left out; fitToHeight 0 is not
    assert (setup.paperSize, setup.orientation, setup.fitToWidth or 1, setup.fitToHeight) == (9, "landscape", 1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"


def test_the_sheet_heading_names_company_period_status_and_approver(run):
    heading = [row[0] for row in workbook(run.sheet.open("rb")).worksheets[0].iter_rows(max_row=7, values_only=True)]
    assert heading == [
        "Платёжная ведомость — Demo Marketing LLC",
        "Организация: Demo Marketing LLC",
        "Период: ноябрь 2026",
        "Статус ведомости: рассчитана",
        "Утвердил: не утверждена",
        "Валюта: RUB",
        None,
    ]


def test_an_approved_runs_sheet_is_written_anew_and_names_the_approver(run, client):
    hr2 = User.objects.get(username="hr2")
    User.objects.filter(pk=hr2.pk).update(first_name="Helen", last_name="Roe")
    old = run.sheet.name
    approved = payroll_run_approve(run=run, approved_by=User.objects.get(pk=hr2.pk))
    assert not payroll_sheet_is_current(approved)  # the calculated run's sheet says "calculated"

    built = payroll_sheet_ensure(run=approved)
    heading = [row[0] for row in workbook(built.sheet.open("rb")).worksheets[0].iter_rows(max_row=5, values_only=True)]
    assert heading[3:5] == ["Статус ведомости: утверждена", "Утвердил: Helen Roe"]
    assert built.sheet.name != old and "_calc1_approved_" in built.sheet.name


def test_money_columns_are_wide_enough_for_their_largest_amount(django_capture_on_commit_callbacks):
    heading = SheetHeading(company="Acme", currency="RUB", language="en", period="2026-11")
    big = Decimal("987654321.99")
    rows = [("E-1", "A", "", big, Decimal("-12345678.90"), Decimal(0), big, [], None)] * 30
    target = io.BytesIO()
    write_payroll_sheet(target, heading, rows)
    sheet = workbook(target.getvalue()).worksheets[0]
    grand = f"{big * 30:,.2f} RUB"  # 29,629,629,659.70 RUB: the totals row's text
    for column in "DG":
        assert sheet.column_dimensions[column].width >= len(grand) + 2
    assert sheet.column_dimensions["E"].width >= len(f"{Decimal('-12345678.90') * 30:,.2f} RUB") + 2


def test_the_second_sheet_sums_by_position(run):
    sheet = workbook(run.sheet.open("rb")).worksheets[1]
    expected: dict[str, list] = {}
    for payout in payouts_in_order(run):
        sums = expected.setdefault(payout.employee.position, [0, Decimal(0), Decimal(0), Decimal(0), Decimal(0)])
        sums[0] += 1
        for index, value in enumerate((payout.fixed, payout.bonus, payout.adjustments, payout.total), start=1):
            sums[index] += value
    rows = rows_of(sheet)
    last = len(expected) + 1

    assert sheet.title == "По должностям"
    assert rows[0] == ("Должность", "Сотрудников", "Фикс. часть", "Премия", "Корректировки", "Итого к выплате")
    assert [row[0] for row in rows[1:last]] == sorted(expected, key=str.casefold)
    for position, count, *money in rows[1:last]:
        assert [count, *map(amount, money)] == expected[position]
    assert rows[last] == ("Итого", *(f"=SUM({col}2:{col}{last})" for col in "BCDEF"))
    assert sheet["C2"].number_format == MONEY_RUB


def test_the_sheet_is_in_english_for_an_english_company(demo, django_capture_on_commit_callbacks):
    Company.objects.filter(pk=demo.pk).update(language="en", currency="USD")
    run = start_run(django_capture_on_commit_callbacks, Company.objects.get(pk=demo.pk))
    book = workbook(run.sheet.open("rb"))
    payroll, positions = book.worksheets

    assert (payroll.title, positions.title) == ("Payroll 2026-11", "By position")
    assert payroll["A1"].value == "Payroll sheet — Demo Marketing LLC"
    assert [payroll.cell(row, 1).value for row in range(4, 7)] == [
        "Payroll status: calculated",
        "Approved by: not approved",
        "Currency: USD",
    ]
    assert [c.value for c in payroll[HEADER_ROW]][:8] == [
        "Personnel number",
        "Employee",
        "Position",
        "Fixed pay",
        "Bonus",
        "Adjustments",
        "Total to pay",
        "Score",
    ]
    assert payroll.cell(FIRST_ROW + run.payouts.count(), 1).value == "Total"
    assert payroll[f"D{FIRST_ROW}"].number_format == '#,##0.00 "USD"'


def test_a_recalculated_run_gets_a_new_sheet_and_the_old_file_goes(run, media, django_capture_on_commit_callbacks):
    old = media / run.sheet.name
    with django_capture_on_commit_callbacks(execute=True):
        payroll_run_recalculate(run=run)
    run.refresh_from_db()

    assert run.calculation == 2 and "_calc2_" in run.sheet.name
    assert payroll_sheet_is_current(run)
    assert not old.exists()


def test_the_task_builds_on_demand_and_skips_a_run_that_is_not_calculated(
    run, media, django_capture_on_commit_callbacks
):
    (media / run.sheet.name).unlink()
    assert not payroll_sheet_is_current(run)

    built = build_payroll_sheet.delay(run.pk).get()
    assert built.startswith(payroll_sheet_stem(run)) and built != run.sheet.name
    assert payroll_sheet_is_current(PayrollRun.objects.get(pk=run.pk))

    cancelled = payroll_run_cancel(run=run)
    assert payroll_sheet_build(run=cancelled) is None
    assert build_payroll_sheet.delay(run.pk).get() == ""


def test_a_run_without_payouts_has_a_sheet_with_zero_totals(django_capture_on_commit_callbacks):
    run = start_run(django_capture_on_commit_callbacks, CompanyFactory(language="en"))
    sheet = workbook(run.sheet.open("rb")).worksheets[0]
    assert rows_of(sheet)[FIRST_ROW - 1][:7] == ("Total", None, None, 0, 0, 0, 0)
    assert sheet.auto_filter.ref == f"A{HEADER_ROW}:H{HEADER_ROW}"


def test_the_writer_streams_rows_from_any_iterator():
    heading = SheetHeading(company="Acme", currency="UZS", language="en", period="2026-11")
    rows = (
        (
            f"E-{n:03d}",
            f"Person {n}",
            "",
            Decimal("100.10"),
            Decimal("0.00"),
            Decimal("-0.10"),
            Decimal("100.00"),
            ["1.0000"] * (n % 3),
            None,
        )
        for n in range(5)
    )
    target = io.BytesIO()
    summary = write_payroll_sheet(target, heading, rows)
    sheet, positions = workbook(target.getvalue()).worksheets

    assert (summary.rows, summary.coefficients) == (5, 2)
    assert [c.value for c in sheet[HEADER_ROW]][-2:] == ["k1", "k2"]
    assert sheet[f"G{FIRST_ROW + 5}"].value == f"=SUM(G{FIRST_ROW}:G{FIRST_ROW + 4})"
    assert rows_of(positions)[1][:2] == ("(no position)", 5)


# --- payslips ------------------------------------------------------------------------------


def test_the_payslip_of_example_a_cell_by_cell(run):
    payout = run.payouts.select_related("employee", "run__company").get(employee__personnel_number="DEMO-A")
    sheet = workbook(payslip_render(payout=payout)).active
    values = labelled(sheet)

    assert sheet["A1"].value == "Расчётный листок — ноябрь 2026"
    assert sheet["A2"].value == "Demo Marketing LLC"
    assert values["Табельный номер"] == "DEMO-A"
    assert values["Сотрудник"] == "Alexei Seedov"
    assert values["Должность"] == "Marketer"
    assert values["Период"] == "ноябрь 2026"
    assert values["Валюта"] == "RUB"
    assert values["Статус ведомости"] == "рассчитана"
    assert values["Рабочих дней в периоде"] == 21
    assert values["Дата приёма"].date().isoformat() == "2025-01-01"
    segment, fixed_total = table(sheet, "С")
    assert [segment[0].date().isoformat(), segment[1].date().isoformat(), *segment[2:5]] == [
        "2026-11-01",
        "2026-11-30",
        30000,
        21,
        30000,
    ]
    assert fixed_total[0] == "Фиксированная часть за период"
    hired = next(row[1] for row in sheet.iter_rows() if row[0].value == "Дата приёма")
    assert hired.number_format == "DD.MM.YYYY"
    assert amount(values["Фиксированная часть за период"]) == payout.fixed
    kpis = table(sheet, "KPI")
    assert [(r[0], amount(r[1]), amount(r[2]), amount(r[3]), r[4], r[5], r[6]) for r in kpis] == [
        ("Leads", Decimal("200"), Decimal("200"), Decimal("1"), None, None, None),
        ("Cost per lead", Decimal("500"), Decimal("555.555"), Decimal("0.9"), None, None, None),
    ]
    factors = table(sheet, "Коэффициент")
    assert factors == [
        ("k1 — выполнение KPI «Leads»", 1, 1, "и выше", 1, "Seed bands (0 / 80 / 100)", None),
        ("k2 — выполнение KPI «Cost per lead»", 0.9, 0.8, 1, 0.5, "Seed bands (0 / 80 / 100)", None),
    ]
    assert values["Схема премирования"] == "Leads × cost per lead"
    assert values["База премии"] == "доля фиксированной части"
    assert amount(values["База"]) == Decimal("30000")
    assert amount(values["Произведение коэффициентов"]) == Decimal("0.5")
    assert values["Ограничение, × базы"] == "нет"
    assert amount(values["Премия"]) == payout.bonus == Decimal("15000.00")
    assert amount(values["Итого к выплате"]) == payout.total == Decimal("45000.00")
    assert "Корректировки" not in values and "Предупреждения" not in [r[0] for r in rows_of(sheet)]


def test_payslip_number_formats_and_page_set_up(run):
    payout = run.payouts.select_related("employee", "run__company").get(employee__personnel_number="DEMO-A")
    sheet = workbook(payslip_render(payout=payout)).active
    formats = {row[0].value: row[1].number_format for row in sheet.iter_rows() if row[1].value is not None}
    kpi_row = next(row for row in sheet.iter_rows() if row[0].value == "Leads")

    assert formats["Итого к выплате"] == formats["Премия"] == formats["База"] == MONEY_RUB
    assert formats["Произведение коэффициентов"] == "0.0000"
    assert kpi_row[3].number_format == "0.00%"
    setup = sheet.page_setup
    # XlsxWriter leaves out fitToWidth/fitToHeight when they are 1, SpreadsheetML's default.
    assert (setup.paperSize, setup.orientation, setup.fitToWidth or 1, setup.fitToHeight or 1) == (9, "portrait", 1, 1)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_margins.left == 0.5 and sheet.page_margins.top == 0.6


def test_the_scorecard_payslip_shows_cap_weight_and_the_score(run):
    payout = run.payouts.select_related("employee", "run__company").get(employee__personnel_number="DEMO-B")
    sheet = workbook(payslip_render(payout=payout)).active
    kpis = {row[0]: row for row in table(sheet, "KPI")}
    factor = table(sheet, "Коэффициент")[0]

    assert [amount(v) for v in kpis["Average check growth (stage KPI 5)"][1:6]] == [
        Decimal("105"),
        Decimal("210"),
        Decimal("2"),
        Decimal("1.5"),
        Decimal("0.1"),
    ]
    assert amount(kpis["Repeat requests (stage KPI 3)"][5]) == Decimal("0.4")
    assert factor[0].startswith("k — балл набора KPI «Stage 2")
    assert [amount(v) for v in factor[1:5]] == [Decimal("1.01"), Decimal("1"), Decimal("1.2"), Decimal("1")]
    assert amount(labelled(sheet)["Доля фиксированной части"]) == Decimal("0.5")


def test_adjustments_and_warnings_are_on_the_payslip(demo, django_capture_on_commit_callbacks):
    employee = Employee.objects.get(personnel_number="M-035")
    adjustment_create(employee=employee, period="2026-11", amount=Decimal("-1234.56"), reason="October overpaid")
    adjustment_create(employee=employee, period="2026-11", amount=Decimal("500.00"), reason="Conference talk")
    run = start_run(django_capture_on_commit_callbacks, demo)
    payout = run.payouts.select_related("employee", "run__company").get(employee=employee)
    sheet = workbook(payslip_render(payout=payout)).active
    rows = rows_of(sheet)

    assert table(sheet, "Основание") == [
        ("October overpaid", -1234.56, None, None, None, None, None),
        ("Conference talk", 500, None, None, None, None, None),
        ("Корректировки", -734.56, None, None, None, None, None),
    ]
    assert amount(labelled(sheet)["Итого к выплате"]) == payout.total
    warnings_at = [row[0] for row in rows].index("Предупреждения")
    assert rows[warnings_at + 1][0].startswith("KPI leads не рассчитан:")
    assert any(row[0] == "Leads" and str(row[6]).startswith("не рассчитан:") for row in rows)


def test_the_payslip_is_made_from_the_stored_trace_not_recomputed(run):
    payout = run.payouts.select_related("employee", "run__company").get(employee__personnel_number="DEMO-A")
    Payout.objects.filter(pk=payout.pk).update(total=Decimal("1.23"))  # as if history said so
    payout.refresh_from_db()
    assert amount(labelled(workbook(payslip_render(payout=payout)).active)["Итого к выплате"]) == Decimal("1.23")


def test_english_payslip_labels(run):
    payout = run.payouts.select_related("employee", "run__company").get(employee__personnel_number="DEMO-A")
    source = payslip_source(payout)
    sheet = workbook(payslip_xlsx(PayslipSource(**{**source.__dict__, "language": "en"}))).active
    values = labelled(sheet)

    assert sheet["A1"].value == "Payslip — November 2026"
    assert values["Employee"] == "Alexei Seedov"
    assert values["Payroll status"] == "calculated"
    assert amount(values["Total to pay"]) == Decimal("45000.00")
    assert table(sheet, "Coefficient")[0][3] == "and above"


def test_the_excel_tests_read_with_lxml():
    """openpyxl reads (and would write) through lxml when it is installed, as in production
    with lxml present; the writer of today must not depend on which (issue 11)."""
    assert openpyxl.LXML, "lxml is in requirements-dev.txt: install it"


def test_both_languages_have_every_label():
    assert LABELS["ru"].keys() == LABELS["en"].keys()
    for language in ("ru", "en"):
        labels = Labels(language)
        assert len(labels["months"].split(",")) == 12
        assert all(value.strip() for value in LABELS[language].values())


# --- text that looks like a formula ------------------------------------------------------


def _assert_text(cell, expected: str) -> None:
    # A control character is stored as SpreadsheetML's `_x000D_` escape, which Excel and
    # LibreOffice read back as the character; openpyxl leaves the escape in the text.
    assert unescape(cell.value) == expected
    assert cell.data_type == "s"
    assert cell.quotePrefix


@pytest.mark.parametrize("typed", INJECTIONS, ids=repr)
def test_typed_text_that_looks_like_a_formula_stays_text(typed):
    payslip = PayslipSource(
        company=typed,
        currency="RUB",
        language="en",
        period="2026-11",
        run_status="approved",
        personnel_number=typed,
        full_name=typed,
        position=typed,
        fixed=Decimal(1),
        bonus=Decimal(0),
        adjustments=Decimal(1),
        total=Decimal(2),
        trace={"adjustments": [{"amount": "1.00", "reason": typed}]},
    )
    sheet = workbook(payslip_xlsx(payslip)).active
    values = labelled(sheet)
    _assert_text(sheet["A2"], typed)
    for label in ("Personnel number", "Employee", "Position"):
        assert unescape(values[label]) == typed
    reason = next(row[0] for row in sheet.iter_rows() if unescape(row[0].value or "") == typed and row[1].data_type == "n")
    _assert_text(reason, typed)

    target = io.BytesIO()
    rows = [(typed, typed, typed, Decimal(1), Decimal(0), Decimal(0), Decimal(1), [], None)]
    write_payroll_sheet(target, SheetHeading(typed, "RUB", "en", "2026-11"), rows)
    payroll, positions = workbook(target.getvalue()).worksheets
    row = FIRST_ROW
    for cell in (payroll[f"A{row}"], payroll[f"B{row}"], payroll[f"C{row}"], positions["A2"]):
        _assert_text(cell, typed)
    assert unescape(payroll["A2"].value) == f"Company: {typed}"
    with zipfile.ZipFile(target) as package:
        xml = package.read("xl/worksheets/sheet1.xml").decode()
    assert xml.count("<f>") == 4  # the totals row's, nothing else


def test_every_trigger_is_covered_and_plain_text_has_no_quote_prefix():
    assert {typed[0] for typed in INJECTIONS} == set(FORMULA_TRIGGERS)
    target = io.BytesIO()
    write_payroll_sheet(
        target,
        SheetHeading("A", "RUB", "en", "2026-11"),
        [("1", "Anna = Boris", "a\x01b", Decimal(1), Decimal(0), Decimal(0), Decimal(1), [], None)],
    )
    sheet = workbook(target.getvalue()).worksheets[0]
    assert (sheet[f"B{FIRST_ROW}"].value, sheet[f"B{FIRST_ROW}"].quotePrefix) == ("Anna = Boris", False)
    assert sheet[f"C{FIRST_ROW}"].value == "ab"  # a character XML cannot carry is dropped, not an error


def test_a_marketer_named_like_a_formula_in_a_real_run(demo, django_capture_on_commit_callbacks):
    Employee.objects.filter(personnel_number="DEMO-A").update(
        full_name='=HYPERLINK("http://x","y")', position="@SUM(A1)"
    )
    run = start_run(django_capture_on_commit_callbacks, demo)
    sheet = workbook(run.sheet.open("rb")).worksheets[0]
    row = next(r for r in sheet.iter_rows(min_row=FIRST_ROW) if r[0].value == "DEMO-A")
    _assert_text(row[1], '=HYPERLINK("http://x","y")')
    _assert_text(row[2], "@SUM(A1)")
    payout = run.payouts.select_related("employee", "run__company").get(employee__personnel_number="DEMO-A")
    payslip = workbook(payslip_render(payout=payout)).active
    _assert_text(next(r[1] for r in payslip.iter_rows() if r[0].value == "Сотрудник"), '=HYPERLINK("http://x","y")')


# --- export_payroll ----------------------------------------------------------------------


def test_export_payroll_writes_the_live_runs_sheet(run, tmp_path):
    out = tmp_path / "november.xlsx"
    stdout = StringIO()
    call_command("export_payroll", "--company", "demo", "--period", "2026-11", "--out", str(out), stdout=stdout)

    exported = workbook(out).worksheets[0]
    stored = workbook(run.sheet.open("rb")).worksheets[0]
    assert rows_of(exported) == rows_of(stored)
    assert len(rows_of(exported)) == FIRST_ROW + run.payouts.count()
    assert stdout.getvalue().startswith(f"Wrote {run.payouts.count()} payouts of demo 2026-11")
    assert not (tmp_path / "november.xlsx.part").exists()


@pytest.mark.parametrize(
    ("company", "period", "message"),
    [
        ("demo", "2026-12", "demo has no payroll run for 2026-12"),
        ("nobody", "2026-11", "no company with slug 'nobody'"),
        ("demo", "2026-13", "2026-13"),
    ],
    ids=["no run", "no company", "bad period"],
)
def test_export_payroll_says_clearly_what_is_missing(demo, tmp_path, company, period, message):
    with pytest.raises(CommandError, match=message):
        call_command("export_payroll", "--company", company, "--period", period, "--out", str(tmp_path / "x.xlsx"))
    assert not (tmp_path / "x.xlsx").exists()


def test_export_payroll_refuses_a_run_still_calculating(run, tmp_path):
    PayrollRun.objects.filter(pk=run.pk).update(status=RunStatus.CALCULATING)
    with pytest.raises(CommandError, match="is calculating"):
        call_command("export_payroll", "--company", "demo", "--period", "2026-11", "--out", str(tmp_path / "x.xlsx"))


def test_sheet_rows_are_read_in_one_query(run, django_assert_num_queries):
    count = run.payouts.count()
    with django_assert_num_queries(1):
        assert len(list(payroll_sheet_rows(run))) == count
