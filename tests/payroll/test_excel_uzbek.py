"""Payslips and the payroll sheet of a company that works in Uzbek (Latin script) and pays in
soʻm: every label is Uzbek, read back with openpyxl (issue 14, item 3)."""

import io
import re
import string
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from compensation.demo import seed_demo
from engine import Period
from organizations.models import Company
from payroll.excel.labels import LABELS, Labels
from payroll.excel.services import payslip_render
from payroll.models import PayrollRun, RunStatus
from payroll.services import payroll_run_start

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]
NOVEMBER = Period.parse("2026-11")
HEADER_ROW = 8


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def run(django_capture_on_commit_callbacks) -> PayrollRun:
    company = seed_demo()
    Company.objects.filter(pk=company.pk).update(language=Company.Language.UZBEK, currency="UZS")
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = payroll_run_start(company=Company.objects.get(pk=company.pk), period=NOVEMBER, chunk_size=7)
    run.refresh_from_db()
    assert run.status == RunStatus.CALCULATED
    return run


def labelled(sheet) -> dict[str, object]:
    found: dict[str, object] = {}
    for label, value, *_ in sheet.iter_rows(values_only=True):
        if isinstance(label, str) and value is not None:
            found.setdefault(label, value)
    return found


def test_a_company_can_work_in_uzbek():
    assert ("uz", "Oʻzbekcha") in Company.Language.choices
    assert Company._meta.get_field("language").max_length >= len(Company.Language.UZBEK)


def test_the_payslip_of_an_uzbek_company_is_in_uzbek(run):
    payout = run.payouts.select_related("employee", "run__company").get(employee__personnel_number="DEMO-A")
    sheet = load_workbook(io.BytesIO(payslip_render(payout=payout))).active
    values = labelled(sheet)
    column_a = [row[0] for row in sheet.iter_rows(values_only=True)]

    assert sheet.title == "Hisob-kitob varaqasi"
    assert sheet["A1"].value == "Hisob-kitob varaqasi — Noyabr 2026"
    assert values["Tabel raqami"] == "DEMO-A"
    assert values["Xodim"] == "Alexei Seedov"
    assert values["Davr"] == "Noyabr 2026"
    assert values["Valyuta"] == "UZS"
    assert values["Qaydnoma holati"] == "hisoblangan"
    assert values["Davrdagi ish kunlari"] == 21
    assert values["Mukofot asosi"] == "belgilangan ish haqidan ulush"
    assert Decimal(str(values["Mukofot"])) == payout.bonus
    assert Decimal(str(values["Jami toʻlanadi"])) == payout.total
    assert "Koʻrsatkichlar (KPI)" in column_a and "Koeffitsiyentlar" in column_a
    hired = next(row[1] for row in sheet.iter_rows() if row[0].value == "Ishga qabul qilingan sana")
    assert hired.number_format == "DD.MM.YYYY"
    assert next(row[1] for row in sheet.iter_rows() if row[0].value == "Jami toʻlanadi").number_format == '#,##0.00 "UZS"'
    # nothing Russian or English is left on it
    texts = [v for row in sheet.iter_rows(values_only=True) for v in row if isinstance(v, str)]
    assert [t for t in texts if re.search(r"[\u0400-\u04ff]", t)] == []
    assert "Total to pay" not in texts and "Payslip" not in texts


def test_the_payroll_sheet_of_an_uzbek_company_is_in_uzbek(run):
    book = load_workbook(run.sheet.open("rb"))
    payroll, positions = book.worksheets

    assert (payroll.title, positions.title) == ("Qaydnoma 2026-11", "Lavozimlar boʻyicha")
    assert payroll["A1"].value == "Toʻlov qaydnomasi — Demo Marketing LLC"
    assert [payroll.cell(row, 1).value for row in range(4, 7)] == [
        "Qaydnoma holati: hisoblangan",
        "Tasdiqlagan: tasdiqlanmagan",
        "Valyuta: UZS",
    ]
    assert [c.value for c in payroll[HEADER_ROW]][:7] == [
        "Tabel raqami",
        "Xodim",
        "Lavozim",
        "Oklad",
        "Mukofot",
        "Korrektirovkalar",
        "Jami toʻlanadi",
    ]
    assert payroll.cell(HEADER_ROW + 1 + run.payouts.count(), 1).value == "Jami"


def test_uzbek_has_every_label_and_twelve_months():
    assert LABELS["uz"].keys() == LABELS["ru"].keys() == LABELS["en"].keys()
    assert all(value.strip() for value in LABELS["uz"].values())
    labels = Labels("uz")
    assert labels.month("2026-01") == "Yanvar 2026" and labels.month("2026-12") == "Dekabr 2026"
    assert len(labels["months"].split(",")) == 12
    # placeholders as in Russian, so every `labels.format(...)` call works in Uzbek too
    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    assert {k: fields(v) for k, v in LABELS["uz"].items()} == {k: fields(v) for k, v in LABELS["ru"].items()}
