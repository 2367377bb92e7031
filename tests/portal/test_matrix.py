"""HR's KPI matrix (issue 14, item 1; the second seed's "KPI matrix"): people × KPIs for a
month, each cell coloured by the band its factor's table put it in; for an open month the
projection (the marketer's dashboard's payout), for a closed one the approved payouts as
stored; sortable; exported to Excel."""

import io
import itertools
import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from compensation.models import BonusScheme, SalaryAgreement, SchemeAssignment
from engine import Period
from engine.projection import exact_run_rate
from kpis.models import MeasureValue, Plan
from organizations.models import CompanyMembership, Employee
from payroll.matrix import kpi_matrix
from payroll.models import PayrollRun, RunStatus
from payroll.outlook import payout_projection
from payroll.services import payroll_run_approve, payroll_run_start
from portal.formatting import format_money
from tests.factories import CompanyFactory, EmployeeFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]
NOVEMBER = "2026-11"
PAGE = reverse("portal:kpi_matrix")
EXPORT = reverse("portal:kpi_matrix_export")


def client_for(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def row_html(html: str, number: str) -> str:
    return html[html.index(f'<tr data-person="{number}"') :].split("</tr>")[0]


def cell_html(row: str, attribute: str) -> str:
    """The cell (from its opening tag) holding `attribute`."""
    return row[row.rindex("<td", 0, row.index(attribute)) :].split("</td>")[0]


def persons(html: str) -> list[str]:
    return re.findall(r'<tr data-person="([^"]+)"', html)


@pytest.fixture
def approved_november(demo, django_capture_on_commit_callbacks) -> PayrollRun:
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = payroll_run_start(company=demo, period=Period.parse(NOVEMBER), started_by=User.objects.get(username="hr"))
    run.refresh_from_db()
    assert run.status == RunStatus.CALCULATED
    return payroll_run_approve(run=run, approved_by=User.objects.get(username="hr2"))


def set_leads(number: str, value: str) -> None:
    """November's leads of an employee, written straight to the table (as if a late import)."""
    changed = MeasureValue.objects.filter(
        employee__personnel_number=number, period=NOVEMBER, measure__code="leads"
    ).update(value=Decimal(value))
    assert changed == 1


# --- open month: the projection ---------------------------------------------------------------


def test_an_open_month_shows_each_persons_projection_as_the_dashboard_computes_it(demo):
    today = timezone.localdate()
    html = client_for("hr").get(PAGE, {"period": NOVEMBER}).content.decode()

    assert 'data-basis="projection"' in html and "Projection — not yet approved" in html
    matrix = kpi_matrix(company=demo, period=Period.parse(NOVEMBER), today=today)
    employees = {e.personnel_number: e for e in Employee.objects.filter(company=demo)}
    assert {row.personnel_number for row in matrix.rows} == set(employees)
    for row in matrix.rows:
        projected = payout_projection(employee=employees[row.personnel_number], period=Period.parse(NOVEMBER), today=today)
        payout = projected["payout"]
        assert (row.fixed, row.bonus, row.adjustments, row.total) == tuple(
            Decimal(payout[key]) for key in ("fixed", "bonus", "adjustments", "total")
        )
        assert [factor.coefficient for factor in row.factors] == [Decimal(k) for k in payout["coefficients"]]
        assert {code: cell.fulfillment for code, cell in row.kpis.items()} == {
            entry["code"]: Decimal(entry["fulfillment_pct"]) for entry in payout["trace"]["kpis"]
        }
        shown = row_html(html, row.personnel_number)
        assert format_money(row.bonus, "RUB", "en") in cell_html(shown, 'data-amount="bonus"')
        assert format_money(row.total, "RUB", "en") in cell_html(shown, 'data-amount="total"')


def test_the_current_month_is_projected_at_the_run_rate(demo):
    # given: DEMO-A has this month's plan and, so far, half the leads of it
    today = timezone.localdate()
    period = Period.of(today)
    demo_a = Employee.objects.get(company=demo, personnel_number="DEMO-A")
    november = Plan.objects.filter(employee=demo_a, period=NOVEMBER)
    Plan.objects.bulk_create([Plan(employee=demo_a, period=str(period), kpi_id=p.kpi_id, value=p.value) for p in november])
    MeasureValue.objects.bulk_create(
        [
            MeasureValue(employee=demo_a, period=str(period), measure_id=m.measure_id, value=m.value / 2)
            for m in MeasureValue.objects.filter(employee=demo_a, period=NOVEMBER)
        ]
    )

    html = client_for("hr").get(PAGE).content.decode()  # this month by default

    projected = payout_projection(employee=demo_a, period=period, today=today)["payout"]
    leads = next(e for e in projected["trace"]["kpis"] if e["code"] == "leads")
    row = row_html(html, "DEMO-A")
    assert f"{Decimal(leads['fulfillment_pct']):.2f}%" in cell_html(row, 'data-kpi="leads"')
    assert format_money(projected["bonus"], "RUB", "en") in cell_html(row, 'data-amount="bonus"')
    if exact_run_rate(period, today) != 1:  # not on the month's last day
        assert "running totals are multiplied by" in html
    else:
        assert "Figures as recorded for the month (no projection)" in html


# --- closed month: the approved payouts ---------------------------------------------------


def test_a_closed_month_shows_the_approved_payouts_even_after_the_inputs_change(demo, approved_november):
    payout = approved_november.payouts.get(employee__personnel_number="DEMO-A")
    # given: a late change of DEMO-A's leads, which would change a calculation now
    set_leads("DEMO-A", "150")
    now = payout_projection(employee=payout.employee, period=Period.parse(NOVEMBER), today=timezone.localdate())
    assert Decimal(now["payout"]["bonus"]) != payout.bonus

    html = client_for("hr").get(PAGE, {"period": NOVEMBER}).content.decode()

    assert 'data-basis="approved_statement"' in html and "Approved statements" in html and "Harry HR" in html
    assert "Projection" not in html
    row = row_html(html, "DEMO-A")
    assert format_money(payout.bonus, "RUB", "en") in cell_html(row, 'data-amount="bonus"')
    assert format_money(payout.total, "RUB", "en") in cell_html(row, 'data-amount="total"')
    leads = next(e for e in payout.trace["kpis"] if e["code"] == "leads")
    assert f"{Decimal(leads['fulfillment_pct']):.2f}%" in cell_html(row, 'data-kpi="leads"')
    assert reverse("portal:payout_statement", args=[payout.pk]) in row
    assert persons(html) == list(approved_november.payouts.order_by("employee__personnel_number").values_list(
        "employee__personnel_number", flat=True
    ))  # fmt: skip


# --- colours -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("leads", "band", "coefficient"),
    [
        # The seed bands 0 / 80 / 100 against DEMO-A's plan of 200 leads (spec §5: a lower bound belongs to its band).
        ("159", "1", "×0.0"),  # 79.50 %
        ("160", "2", "×0.5"),  # 80.00 %
        ("199", "2", "×0.5"),  # 99.50 %
        ("200", "top", "×1.0"),  # 100.00 %
        ("260", "top", "×1.0"),  # 130.00 %
    ],
    ids=["79.50", "80.00", "99.50", "100.00", "130.00"],
)
def test_a_cell_is_coloured_and_named_by_the_band_that_pays_it(demo, leads, band, coefficient):
    set_leads("DEMO-A", leads)

    html = client_for("hr").get(PAGE, {"period": NOVEMBER}).content.decode()

    row = row_html(html, "DEMO-A")
    cell = cell_html(row, 'data-kpi="leads"')
    assert f"matrix-band--{band}" in cell and f'data-band="{band}"' in cell
    assert ("top band" if band == "top" else f"band {band}") in cell and "k1" in cell  # words, not colour alone
    factor = cell_html(row, 'data-factor="k1"')
    assert f"matrix-band--{band}" in factor and coefficient in factor


def test_a_lower_is_better_kpi_is_coloured_by_its_fulfillment(demo):
    html = client_for("hr").get(PAGE, {"period": NOVEMBER}).content.decode()

    # DEMO-A's CPL: 111,111 ₽ / 200 leads = 555.56 ₽ against a plan of 500 ₽: 90.00 %, the middle band
    cell = cell_html(row_html(html, "DEMO-A"), 'data-kpi="cpl"')
    assert "90.00%" in cell and 'data-band="2"' in cell and "band 2 · k2" in cell


def test_kpis_of_a_kpi_set_say_they_count_through_the_sets_score(demo):
    html = client_for("hr").get(PAGE, {"period": NOVEMBER}).content.decode()

    row = row_html(html, "DEMO-B")  # the stage scorecard: one factor k on the set's score
    awareness = cell_html(row, 'data-kpi="awareness"')
    assert "matrix-cell--set" in awareness and "data-band" not in awareness and "in k, weight" in awareness
    assert "data-band=" in cell_html(row, 'data-factor="k1"')
    assert "not this person" in cell_html(row, 'data-kpi="leads"')
    for rank in ("band 1 (lowest)", "band 2", "band 3", "band 4 and up", "top band"):
        assert rank in html  # the legend


# --- sorting -----------------------------------------------------------------------------------


def test_sorting_by_bonus_orders_the_rows_and_the_header_reverses_it(demo):
    matrix = kpi_matrix(company=demo, period=Period.parse(NOVEMBER), today=timezone.localdate())
    bonus = {row.personnel_number: row.bonus for row in matrix.rows}
    assert len(set(bonus.values())) > 3  # the demo's bonuses differ: the order means something

    html = client_for("hr").get(PAGE, {"period": NOVEMBER, "sort": "-bonus"}).content.decode()

    highest_first = persons(html)
    assert [bonus[n] for n in highest_first] == sorted(bonus.values(), reverse=True)
    header = html[html.index('data-column="bonus"') :].split("</th>")[0]
    assert 'aria-sort="descending"' in html[html.rindex("<th", 0, html.index('data-column="bonus"')) :].split(">")[0]
    assert "sort=bonus" in header  # the same header again: the other way round
    lowest_first = persons(client_for("hr").get(PAGE, {"period": NOVEMBER, "sort": "bonus"}).content.decode())
    assert [bonus[n] for n in lowest_first] == sorted(bonus.values())
    # equal bonuses keep the personnel number's order, both ways
    for order in (highest_first, lowest_first):
        for a, b in itertools.pairwise(order):
            assert bonus[a] != bonus[b] or a < b


def test_sorting_by_a_kpi_puts_people_without_it_last_and_an_unknown_key_sorts_by_number(demo):
    html = client_for("hr").get(PAGE, {"period": NOVEMBER, "sort": "-kpi:leads"}).content.decode()
    matrix = kpi_matrix(company=demo, period=Period.parse(NOVEMBER), today=timezone.localdate())
    leads = {row.personnel_number: row.kpis["leads"].fulfillment for row in matrix.rows if "leads" in row.kpis}
    order = persons(html)
    assert [leads[n] for n in order[: len(leads)]] == sorted(leads.values(), reverse=True)
    assert not set(order[len(leads) :]) & set(leads)

    fallback = persons(client_for("hr").get(PAGE, {"period": NOVEMBER, "sort": "'; drop"}).content.decode())
    assert fallback == sorted(fallback)


# --- export ------------------------------------------------------------------------------------


def exported(client: Client, **query) -> bytes:
    response = client.get(EXPORT, query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "no-store" in response["Cache-Control"]
    return b"".join(response.streaming_content)


def table_of(data: bytes) -> dict[str, dict]:
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header_at = next(i for i, row in enumerate(rows) if row[0] == "Personnel number")
    header = rows[header_at]
    return {row[0]: dict(zip(header, row, strict=True)) for row in rows[header_at + 1 :] if row[0]}


def test_the_export_holds_the_pages_numbers_in_its_order(demo, approved_november):
    data = exported(client_for("hr"), period=NOVEMBER, sort="-bonus")

    table = table_of(data)
    matrix = kpi_matrix(company=demo, period=Period.parse(NOVEMBER), today=timezone.localdate(), sort="-bonus")
    assert list(table) == [row.personnel_number for row in matrix.rows]
    for payout in approved_november.payouts.select_related("employee"):
        line = table[payout.employee.personnel_number]
        assert line["Employee"] == payout.employee.full_name
        amounts = (line["Fixed pay"], line["Bonus"], line["Adjustments"], line["Total"])
        assert tuple(Decimal(str(value)).quantize(Decimal("0.01")) for value in amounts) == (
            payout.fixed, payout.bonus, payout.adjustments, payout.total
        )
        coefficients = [Decimal(str(line[f"k{i + 1}"])) for i in range(len(payout.coefficients))]
        assert coefficients == [Decimal(k) for k in payout.coefficients]
        for entry in payout.trace["kpis"]:
            name = entry["name"]
            assert Decimal(str(line[name])).quantize(Decimal("0.0001")) == Decimal(entry["fulfillment_pct"]).scaleb(-2)
    sheet = load_workbook(io.BytesIO(data)).active
    demo_a_row = next(row for row in sheet.iter_rows() if row[0].value == "DEMO-A")
    money_cell = next(c for c in demo_a_row if c.value == table["DEMO-A"]["Bonus"])
    assert '"RUB"' in money_cell.number_format
    assert any("Approved statements" in str(c.value) for c in sheet[3])


SOFFICE, PDFTOTEXT = shutil.which("soffice"), shutil.which("pdftotext")


@pytest.mark.skipif(SOFFICE is None or PDFTOTEXT is None, reason="LibreOffice or pdftotext is not installed")
def test_the_export_opens_in_libreoffice_without_hashes(demo, tmp_path: Path):
    data = exported(client_for("hr"), period=NOVEMBER)
    source = tmp_path / "matrix.xlsx"
    source.write_bytes(data)
    result = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(source)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    pdf = source.with_suffix(".pdf")
    assert result.returncode == 0 and pdf.is_file(), (result.stdout, result.stderr)
    text = subprocess.run([PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout

    assert "###" not in text
    assert "KPI matrix — Demo Marketing LLC" in text and "Alexei Seedov" in text
    demo_a = kpi_matrix(company=demo, period=Period.parse(NOVEMBER), today=timezone.localdate()).rows[0]
    assert demo_a.personnel_number == "DEMO-A" and f"{demo_a.total:,.2f} RUB" in text


# --- who sees what -----------------------------------------------------------------------------


@pytest.fixture
def elsewhere(demo):
    """Another company with its HR, finance and an employee with a payout-like name."""
    company = CompanyFactory()
    for username, role in (("hr-other", "hr"), ("finance-other", "finance")):
        user = User.objects.create_user(username, password="x")
        CompanyMembership.objects.create(user=user, company=company, role=role)
    stranger = EmployeeFactory(company=company, full_name="Someone Elsewhere", personnel_number="X-1")
    SalaryAgreement.objects.create(employee=stranger, effective_from=date(2024, 1, 1), monthly_amount=Decimal("50000.00"))
    return company


@pytest.mark.parametrize("period", [NOVEMBER, "2026-10"])
def test_another_companys_people_never_appear(demo, elsewhere, approved_november, period):
    for url in (PAGE, EXPORT):
        response = client_for("hr").get(url, {"period": period})
        content = response.content if url == PAGE else b"".join(response.streaming_content)
        assert b"X-1" not in content and b"Someone Elsewhere" not in content

    other = client_for("hr-other").get(PAGE, {"period": period}).content.decode()
    assert persons(other) == ["X-1"] and "DEMO-A" not in other and "Alexei Seedov" not in other
    assert list(table_of(exported(client_for("hr-other"), period=period))) == ["X-1"]


@pytest.mark.parametrize("url", [PAGE, EXPORT], ids=["page", "export"])
@pytest.mark.parametrize("username", ["marketer", "finance", "finance-other"])
def test_marketers_and_finance_are_refused(demo, elsewhere, url, username):
    response = client_for(username).get(url, {"period": NOVEMBER})
    assert response.status_code == 403
    assert b"Alexei Seedov" not in response.content


@pytest.mark.parametrize("url", [PAGE, EXPORT], ids=["page", "export"])
def test_anonymous_is_sent_to_sign_in_and_a_post_is_refused(demo, url):
    response = Client().get(url, {"period": NOVEMBER})
    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))
    assert client_for("hr").post(url, {"period": NOVEMBER}).status_code == 405


@pytest.mark.parametrize("url", [PAGE, EXPORT], ids=["page", "export"])
def test_a_month_written_wrong_is_a_page_that_says_so(demo, url):
    response = client_for("hr").get(url, {"period": "2026-13"})
    assert response.status_code == 400 and "YYYY-MM" in response.content.decode()


def test_the_hr_navigation_leads_to_the_matrix(demo):
    html = client_for("hr").get(PAGE, {"period": NOVEMBER}).content.decode()
    nav = html[html.index('aria-label="Main"') :].split("</nav>")[0]
    assert f'href="{PAGE}" aria-current="page">KPI matrix<' in nav


# --- speed: one batch of inputs -------------------------------------------------------------


def more_people(company, count: int) -> None:
    """`count` more marketers on the leads × CPL scheme, with November's plans and actuals."""
    scheme = BonusScheme.objects.get(company=company, name="Leads × cost per lead")
    demo_a = Employee.objects.get(company=company, personnel_number="DEMO-A")
    plans = list(Plan.objects.filter(employee=demo_a, period=NOVEMBER))
    values = list(MeasureValue.objects.filter(employee=demo_a, period=NOVEMBER))
    for number in range(count):
        employee = EmployeeFactory(company=company, personnel_number=f"Q-{number:03d}", hire_date=date(2025, 1, 1))
        SalaryAgreement.objects.create(employee=employee, effective_from=date(2025, 1, 1), monthly_amount=Decimal("45000.00"))
        SchemeAssignment.objects.create(employee=employee, effective_from=date(2025, 1, 1), scheme=scheme)
        Plan.objects.bulk_create([Plan(employee=employee, period=NOVEMBER, kpi_id=p.kpi_id, value=p.value) for p in plans])
        MeasureValue.objects.bulk_create(
            [MeasureValue(employee=employee, period=NOVEMBER, measure_id=v.measure_id, value=v.value + number) for v in values]
        )


def queries_of(client: Client, url: str, period: str = NOVEMBER) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"period": period, "sort": "-k1"})
        if url == EXPORT:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries.captured_queries)


def approve(company, period: str, capture) -> PayrollRun:
    with capture(execute=True):
        run, _ = payroll_run_start(company=company, period=Period.parse(period), started_by=User.objects.get(username="hr"))
    return payroll_run_approve(run=PayrollRun.objects.get(pk=run.pk), approved_by=User.objects.get(username="hr2"))


@pytest.mark.parametrize("url", [PAGE, EXPORT], ids=["page", "export"])
def test_a_projected_month_costs_the_same_queries_for_more_people(demo, url):
    client = client_for("hr")
    queries_of(client, url)  # the company's configuration is compiled once per process
    few = queries_of(client, url)

    more_people(demo, 25)

    assert queries_of(client, url) == few


@pytest.mark.parametrize("url", [PAGE, EXPORT], ids=["page", "export"])
def test_an_approved_month_costs_the_same_queries_for_more_people(demo, django_capture_on_commit_callbacks, url):
    # given: October approved with the demo's people, November with 25 more
    october = approve(demo, "2026-10", django_capture_on_commit_callbacks)
    more_people(demo, 25)
    november = approve(demo, NOVEMBER, django_capture_on_commit_callbacks)
    assert november.payouts.count() >= october.payouts.count() + 25
    client = client_for("hr")

    assert queries_of(client, url, "2026-10") == queries_of(client, url, NOVEMBER)


@pytest.mark.parametrize(("language", "title"), [("ru", "Матрица KPI"), ("uz", "KPI matritsasi")])
def test_the_page_and_its_export_speak_the_users_language(demo, settings, language, title):
    client = client_for("hr")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    html = client.get(PAGE, {"period": NOVEMBER}).content.decode()

    assert f"<h1>{title}</h1>" in html and "top band" not in html
    sheet = load_workbook(io.BytesIO(exported(client, period=NOVEMBER))).active
    assert sheet["A1"].value == f"{title} — Demo Marketing LLC"
