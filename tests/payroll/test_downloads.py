"""Who may download what: a marketer their own payslip (once the run is approved), HR every
payslip of their company and the zip of a run, HR and finance the payroll sheet; anyone
else gets a 404, exactly as for something that does not exist."""

import io
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from openpyxl import load_workbook

from organizations.models import CompanyMembership
from payroll.excel.services import payroll_sheet_is_current
from payroll.models import PayrollRun, RunStatus
from payroll.services import payroll_run_approve
from tests.factories import CompanyFactory
from tests.payroll.test_excel import demo, media, start_run  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def run(demo, django_capture_on_commit_callbacks) -> PayrollRun:  # noqa: F811
    return start_run(django_capture_on_commit_callbacks, demo)


@pytest.fixture
def approved(run) -> PayrollRun:
    return payroll_run_approve(run=run, approved_by=User.objects.get(username="hr2"))


def as_user(client, username: str):
    client.force_login(User.objects.get(username=username))
    return client


def payslip_url(run, number: str) -> str:
    payout = run.payouts.get(employee__personnel_number=number)
    return reverse("payroll:payslip", args=[payout.pk])


def sheet_url(run) -> str:
    return reverse("payroll:payroll-sheet", args=[run.pk])


def zip_url(run) -> str:
    return reverse("payroll:payslips-zip", args=[run.pk])


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_marketer_downloads_their_own_payslip(client, approved):
    response = as_user(client, "marketer").get(payslip_url(approved, "DEMO-A"))

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert 'filename="DEMO-A_2026-11.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(body(response))).active
    assert any(row == ("Сотрудник", "Alexei Seedov") for row in sheet.iter_rows(max_col=2, values_only=True))


@pytest.mark.parametrize(
    ("username", "number", "expected"),
    [
        ("marketer", "DEMO-B", 404),  # another marketer's payslip
        ("hr", "DEMO-B", 200),
        ("hr2", "DEMO-A", 200),
        ("admin", "DEMO-B", 200),
        ("finance", "DEMO-A", 404),  # finance has the payroll sheet, not the payslips
    ],
    ids=["another marketer's", "hr", "hr2", "superuser", "finance"],
)
def test_who_may_download_a_payslip(client, approved, username, number, expected):
    assert as_user(client, username).get(payslip_url(approved, number)).status_code == expected


def test_a_payslip_is_not_for_the_employee_before_approval_but_is_for_hr(client, run):
    assert as_user(client, "marketer").get(payslip_url(run, "DEMO-A")).status_code == 404
    assert as_user(client, "hr").get(payslip_url(run, "DEMO-A")).status_code == 200


def test_unknown_payouts_and_strangers_get_the_same_404(client, approved):
    other_hr = User.objects.create_user("other-hr", password="x")
    CompanyMembership.objects.create(user=other_hr, company=CompanyFactory(), role="hr")
    missing = reverse("payroll:payslip", args=[approved.payouts.order_by("-pk").first().pk + 1000])

    assert client.get(payslip_url(approved, "DEMO-A")).status_code == 404  # not signed in
    client.force_login(other_hr)
    assert client.get(payslip_url(approved, "DEMO-A")).status_code == 404
    assert client.get(missing).status_code == 404
    assert client.get(sheet_url(approved)).status_code == 404
    assert client.get(zip_url(approved)).status_code == 404


@pytest.mark.parametrize(
    ("username", "expected"),
    [("hr", 200), ("finance", 200), ("admin", 200), ("marketer", 404)],
)
def test_who_may_download_the_payroll_sheet(client, run, username, expected):
    response = as_user(client, username).get(sheet_url(run))
    assert response.status_code == expected
    if expected == 200:
        assert response["Content-Type"] == XLSX
        assert 'filename="payroll_demo_2026-11.xlsx"' in response["Content-Disposition"]
        rows = list(load_workbook(io.BytesIO(body(response))).worksheets[0].iter_rows(values_only=True))
        assert len(rows) == 8 + run.payouts.count() + 1  # heading and column names, payouts, totals


def test_a_missing_sheet_is_built_on_the_way(client, run):
    Path(run.sheet.path).unlink()
    PayrollRun.objects.filter(pk=run.pk).update(sheet="")

    response = as_user(client, "finance").get(sheet_url(run))

    assert response.status_code == 200
    body(response)
    run.refresh_from_db()
    assert payroll_sheet_is_current(run) and Path(run.sheet.path).is_file()


def test_documents_of_a_run_still_calculating_are_refused(client, run):
    PayrollRun.objects.filter(pk=run.pk).update(status=RunStatus.CALCULATING, calculation=run.calculation + 1)
    hr = as_user(client, "hr")
    for url in (sheet_url(run), zip_url(run)):
        response = hr.get(url)
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "run_not_calculated"
    assert hr.get(payslip_url(run, "DEMO-A")).status_code == 404


def test_hr_downloads_every_payslip_of_a_run_as_a_zip(client, run):
    response = as_user(client, "hr").get(zip_url(run))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert 'filename="payslips_demo_2026-11.zip"' in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(body(response))) as archive:
        names = archive.namelist()
        demo_b = load_workbook(io.BytesIO(archive.read("DEMO-B_2026-11.xlsx"))).active
    numbers = run.payouts.order_by("employee__personnel_number").values_list("employee__personnel_number", flat=True)
    assert names == [f"{number}_2026-11.xlsx" for number in numbers]
    assert any(row == ("Сотрудник", "Boris Scorecard") for row in demo_b.iter_rows(max_col=2, values_only=True))


@pytest.mark.parametrize("username", ["finance", "marketer"])
def test_only_hr_downloads_the_zip(client, run, username):
    assert as_user(client, username).get(zip_url(run)).status_code == 404


def test_the_admin_links_to_the_documents(admin_client, run):
    payout = run.payouts.get(employee__personnel_number="DEMO-A")
    run_page = admin_client.get(reverse("admin:payroll_payrollrun_change", args=[run.pk])).content.decode()
    payout_page = admin_client.get(reverse("admin:payroll_payout_change", args=[payout.pk])).content.decode()

    assert sheet_url(run) in run_page and zip_url(run) in run_page
    assert reverse("payroll:payslip", args=[payout.pk]) in payout_page
