"""Every kind of workbook we write, opened by a real spreadsheet: LibreOffice (headless)
converts it to PDF without error, and the rendered text has no `###` (a number too wide
for its column), the sheet's heading, the totals' values and typed text as typed.

Skipped only on a machine without LibreOffice; in CI (CI set) a missing `soffice` fails."""

import io
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from payroll.excel.payslip import PayslipSource, payslip_xlsx
from payroll.excel.services import payroll_sheet_write, payslip_render
from payroll.excel.sheet import SheetHeading, write_payroll_sheet
from payroll.models import PayrollRun
from tests.payroll.test_excel import demo, media, start_run  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]
SOFFICE = shutil.which("soffice")
PDFTOTEXT = shutil.which("pdftotext")


@pytest.fixture(scope="module", autouse=True)
def office():
    if SOFFICE is None or PDFTOTEXT is None:
        missing = "LibreOffice (soffice)" if SOFFICE is None else "pdftotext (poppler-utils)"
        if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
            pytest.fail(f"{missing} is missing; CI installs it (.ci/run)")
        pytest.skip(f"{missing} is not installed (apt-get install libreoffice-calc-nogui poppler-utils)")


@pytest.fixture
def run(demo, django_capture_on_commit_callbacks) -> PayrollRun:  # noqa: F811
    return start_run(django_capture_on_commit_callbacks, demo)


def rendered(tmp_path: Path, name: str, data: bytes) -> str:
    """The text of the PDF LibreOffice makes of the workbook (every sheet)."""
    source = tmp_path / name
    source.write_bytes(data)
    profile = tmp_path / "profile"  # a profile of its own: no lock shared with another soffice
    result = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    pdf = source.with_suffix(".pdf")
    assert result.returncode == 0 and pdf.is_file(), (result.stdout, result.stderr)
    text = subprocess.run(
        [PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert text.strip(), "LibreOffice rendered an empty PDF"
    return text


def money(value: Decimal, code: str = "RUB") -> str:
    return f"{value:,.2f} {code}"


def test_the_payroll_sheet_renders_with_its_heading_and_no_hashes(run, tmp_path):
    target = io.BytesIO()
    payroll_sheet_write(run=run, target=target)
    text = rendered(tmp_path, "sheet.xlsx", target.getvalue())

    assert "###" not in text
    for line in (
        "Платёжная ведомость — Demo Marketing LLC",
        "Период: ноябрь 2026",
        "Статус ведомости: рассчитана",
        "Утвердил: не утверждена",
        "Alexei Seedov",
        "Итого",
    ):
        assert line in text
    # The totals row's values as LibreOffice shows them (from the formulas).
    assert money(run.total) in text and money(run.fixed_total) in text


def test_a_sheet_of_large_amounts_and_typed_formulas_renders_as_written(tmp_path):
    big = Decimal("987654321.99")
    rows = [
        (
            f"E-{n:02d}",
            '=HYPERLINK("http://x","y")' if n == 0 else "+1",
            "-1+2",
            big,
            Decimal("-123456.78"),
            Decimal(0),
            big,
            ["1.2000"],
            Decimal("120"),
        )
        for n in range(40)
    ]
    target = io.BytesIO()
    write_payroll_sheet(target, SheetHeading("Acme", "USD", "en", "2026-11", "approved", "Helen Roe"), rows)
    text = rendered(tmp_path, "large.xlsx", target.getvalue())

    assert "###" not in text
    assert "Approved by: Helen Roe" in text and "Payroll status: approved" in text
    assert money(big * 40, "USD") in text  # 39,506,172,879.60 USD, in bold, fits
    assert '=HYPERLINK("http://x","y")' in text and "-1+2" in text


def test_payslips_render_on_one_page_with_no_hashes(run, tmp_path):
    payout = run.payouts.select_related("employee", "run__company").get(employee__personnel_number="DEMO-A")
    text = rendered(tmp_path, "payslip.xlsx", payslip_render(payout=payout))

    assert "###" not in text
    assert "Расчётный листок — ноябрь 2026" in text and "Alexei Seedov" in text
    assert money(payout.total) in text
    assert text.count("\f") <= 1  # one page (pdftotext ends each page with a form feed)


def test_an_english_payslip_with_large_amounts_renders(tmp_path):
    source = PayslipSource(
        company="Acme",
        currency="USD",
        language="en",
        period="2026-11",
        run_status="approved",
        personnel_number="@SUM(A1)",
        full_name="=1+1",
        position="Marketer",
        fixed=Decimal("98765432.10"),
        bonus=Decimal("1234567.89"),
        adjustments=Decimal("-1000000.00"),
        total=Decimal("99000000.00"),
        trace={"adjustments": [{"amount": "-1000000.00", "reason": "+refund"}]},
    )
    text = rendered(tmp_path, "payslip-en.xlsx", payslip_xlsx(source))

    assert "###" not in text
    assert "Payslip — November 2026" in text
    assert "=1+1" in text and "@SUM(A1)" in text and "+refund" in text
    assert money(Decimal("99000000.00"), "USD") in text
