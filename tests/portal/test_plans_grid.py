"""HR's month grids (issue 14, item 1, "Plans and actuals"): people × KPIs (and × measures)
of a month, edited in place and saved all or nothing, last month's plans copied, the import
with its row errors, the month's change history; each only for HR of the company."""

import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kpis.models import MeasureValue, Plan
from organizations.models import Company, CompanyMembership, Employee
from payroll.models import PayrollRun, RunStatus
from tests.factories import CompanyFactory, EmployeeFactory, catalogue_kpi, catalogue_measure

pytestmark = pytest.mark.django_db
NOVEMBER, DECEMBER = "2026-11", "2026-12"
PLANS, ACTUALS = reverse("portal:plans"), reverse("portal:actuals")


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def person(number: str) -> Employee:
    return Employee.objects.get(company__slug="demo", personnel_number=number)


def cell(employee: Employee, target) -> str:
    return f"v-{employee.pk}-{target.pk}"


def input_value(html: str, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)
    assert found, f"no input {name}"
    return found.group(1)


def plan(employee: Employee, code: str, period: str = NOVEMBER) -> Decimal | None:
    row = Plan.objects.filter(employee=employee, kpi=catalogue_kpi(code), period=period).first()
    return None if row is None else row.value


@pytest.fixture
def elsewhere():
    """Another company with its HR user and an employee who has a November plan."""
    company = CompanyFactory(name="Elsewhere Ltd")
    user = User.objects.create_user("hr-other", password="x")
    CompanyMembership.objects.create(user=user, company=company, role="hr")
    stranger = EmployeeFactory(company=company, full_name="Stranger Elsewhere", personnel_number="X-1")
    Plan.objects.create(employee=stranger, period=NOVEMBER, kpi=catalogue_kpi("leads"), value=Decimal(77))
    return stranger


def close(company: Company, period: str) -> PayrollRun:
    return PayrollRun.objects.create(
        company=company, period=period, status=RunStatus.APPROVED, approved_by=User.objects.get(username="hr2")
    )


# --- the grid -------------------------------------------------------------------------------


def test_the_grid_shows_each_persons_plans_under_kpi_names_with_the_code_as_a_hint(demo):
    html = signed_in("hr").get(PLANS, {"period": NOVEMBER}).content.decode()

    demo_a, leads, cpl = person("DEMO-A"), catalogue_kpi("leads"), catalogue_kpi("cpl")
    assert input_value(html, cell(demo_a, leads)) == "200" and input_value(html, cell(demo_a, cpl)) == "500"
    assert html.count("<tr data-person=") == Employee.objects.filter(company=demo).count()
    header = html[html.index('data-code="cpl"') :].split("</th>")[0]
    assert "Cost per lead" in header and "cpl" in header
    # the scorecard's KPIs (the stage's active set) are columns too, empty for DEMO-A
    assert input_value(html, cell(demo_a, catalogue_kpi("awareness"))) == ""
    assert 'rel="prev"' in html and "?period=2026-10" in html and "?period=2026-12" in html


def test_the_actuals_grid_is_people_by_measures(demo):
    html = signed_in("hr").get(ACTUALS, {"period": NOVEMBER}).content.decode()

    demo_a = person("DEMO-A")
    assert input_value(html, cell(demo_a, catalogue_measure("marketing_spend"))) == "111111"
    assert input_value(html, cell(demo_a, catalogue_measure("leads"))) == "200"
    assert 'data-code="marketing_spend"' in html and 'data-code="awareness"' not in html  # a KPI's code, not a measure's


def test_saving_reads_comma_decimals_and_spaces_and_says_how_many_changed(demo):
    demo_a, demo_b = person("DEMO-A"), person("DEMO-B")
    leads, awareness = catalogue_kpi("leads"), catalogue_kpi("awareness")
    hr = signed_in("hr")
    form = {"period": NOVEMBER, cell(demo_a, leads): "212,5", cell(demo_b, awareness): "1 500", cell(demo_a, catalogue_kpi("cpl")): "500"}

    response = hr.post(PLANS, form, follow=True)

    said = unescape(response.content.decode())
    assert "2 values changed. Alexei Seedov — Leads: 200 → 212.5; Boris Scorecard — Awareness (stage KPI 1): 1000 → 1500" in said
    assert plan(demo_a, "leads") == Decimal("212.5") and plan(demo_b, "awareness") == Decimal(1500)
    assert plan(demo_a, "cpl") == Decimal(500)
    html = response.content.decode()
    assert input_value(html, cell(demo_a, leads)) == "212.5"


def test_saving_actuals_goes_through_the_same_code(demo):
    demo_a, spend = person("DEMO-A"), catalogue_measure("marketing_spend")

    response = signed_in("hr").post(ACTUALS, {"period": NOVEMBER, cell(demo_a, spend): "120 000,50"}, follow=True)

    assert "1 value changed. Alexei Seedov — Marketing spend: 111111 → 120000.5" in unescape(response.content.decode())
    assert MeasureValue.objects.get(employee=demo_a, period=NOVEMBER, measure=spend).value == Decimal("120000.50")


def test_an_emptied_cell_removes_the_plan(demo):
    demo_a = person("DEMO-A")

    signed_in("hr").post(PLANS, {"period": NOVEMBER, cell(demo_a, catalogue_kpi("cpl")): ""})

    assert plan(demo_a, "cpl") is None and plan(demo_a, "leads") == Decimal(200)


@pytest.mark.parametrize(
    ("bad", "said"),
    [("12x", "'12x' is not a number"), ("0", "plan"), ("1,5.2", "one decimal separator")],
    ids=["not-a-number", "zero-plan", "ambiguous"],
)
def test_one_bad_cell_saves_nothing_names_person_and_kpi_and_keeps_what_was_typed(demo, bad, said):
    demo_a, demo_c = person("DEMO-A"), person("DEMO-C")
    leads, cpl = catalogue_kpi("leads"), catalogue_kpi("cpl")

    response = signed_in("hr").post(PLANS, {"period": NOVEMBER, cell(demo_a, leads): "999", cell(demo_c, cpl): bad})

    assert response.status_code == 400
    html = response.content.decode()
    errors = unescape(html[html.index('data-testid="save-errors"') :].split("</div>")[0])
    assert "Clara Joiner — Cost per lead:" in errors and said in errors
    assert plan(demo_a, "leads") == Decimal(200) and plan(demo_c, "cpl") == Decimal(600)  # nothing saved
    assert input_value(html, cell(demo_a, leads)) == "999" and input_value(html, cell(demo_c, cpl)) == bad
    assert f'name="{cell(demo_c, cpl)}"' in html and 'aria-invalid="true"' in html


def test_the_grid_reads_in_russian_and_uzbek(demo):
    hr = signed_in("hr")
    hr.cookies["django_language"] = "ru"
    russian = hr.get(PLANS, {"period": NOVEMBER}).content.decode()
    hr.cookies["django_language"] = "uz"
    uzbek = hr.get(PLANS, {"period": NOVEMBER}).content.decode()

    assert "Кто что изменил" in russian and "Скопировать планы прошлого месяца" in russian and "Стоимость лида" in russian
    assert "Kim nimani oʻzgartirdi" in uzbek and "Lid narxi" in uzbek


def test_a_month_with_a_bad_period_is_a_friendly_400_and_a_form_must_name_its_month(demo):
    response = signed_in("hr").get(PLANS, {"period": "2026-13"})

    assert response.status_code == 400 and "YYYY-MM" in response.content.decode()
    demo_a = person("DEMO-A")
    unnamed = signed_in("hr").post(PLANS, {cell(demo_a, catalogue_kpi("leads")): "5"})
    assert unnamed.status_code == 400 and plan(demo_a, "leads") == Decimal(200)


# --- a closed month ------------------------------------------------------------------------


def test_a_closed_month_shows_read_only_with_the_reason_and_refuses_writes(demo):
    close(demo, NOVEMBER)
    demo_a, leads = person("DEMO-A"), catalogue_kpi("leads")
    hr = signed_in("hr")

    html = hr.get(PLANS, {"period": NOVEMBER}).content.decode()

    assert 'data-testid="closed"' in html and "November 2026 was approved by Harry HR" in html
    assert re.search(rf'name="{cell(demo_a, leads)}"[^>]*readonly', html)
    assert 'data-testid="copy-form"' not in html and 'data-testid="import-form"' not in html
    saved = hr.post(PLANS, {"period": NOVEMBER, cell(demo_a, leads): "250"}, follow=True).content.decode()
    assert "November 2026 was approved by Harry HR" in saved and "record a correction" in saved
    assert plan(demo_a, "leads") == Decimal(200)
    copied = hr.post(reverse("portal:plans_copy"), {"period": NOVEMBER}, follow=True).content.decode()
    assert "November 2026 was approved" in copied


# --- copy last month ---------------------------------------------------------------------


def test_copying_last_months_plans_fills_this_month_and_keeps_what_is_set(demo):
    demo_a, demo_c = person("DEMO-A"), person("DEMO-C")
    Plan.objects.create(employee=demo_a, period=DECEMBER, kpi=catalogue_kpi("leads"), value=Decimal(240))
    november = Plan.objects.filter(employee__company=demo, period=NOVEMBER).count()

    response = signed_in("hr").post(reverse("portal:plans_copy"), {"period": DECEMBER}, follow=True)

    assert f"{november - 1} plans copied from 2026-11; 1 already set were kept." in response.content.decode()
    assert plan(demo_a, "leads", DECEMBER) == Decimal(240) and plan(demo_a, "cpl", DECEMBER) == Decimal(500)
    assert plan(demo_c, "cpl", DECEMBER) == Decimal(600)
    html = response.content.decode()
    assert input_value(html, cell(demo_a, catalogue_kpi("cpl"))) == "500"
    assert "copied from 2026-11" in html  # the change history says how


# --- import ------------------------------------------------------------------------------


def upload(content: str, name: str = "plans.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content.encode(), content_type="text/csv")


def test_an_import_with_a_bad_row_shows_row_column_and_message_and_writes_nothing(demo):
    csv = "personnel_number,period,code,value\nDEMO-A,2026-11,leads,230\nDEMO-A,2026-11,leads,abc\n"

    response = signed_in("hr").post(reverse("portal:plans_import"), {"period": NOVEMBER, "file": upload(csv)})

    assert response.status_code == 400
    html = response.content.decode()
    table = html[html.index('data-testid="import-errors"') :].split("</table>")[0]
    assert "<td data-label=\"Row\">3</td>" in table and ">value</td>" in table and "not a number" in table
    assert plan(person("DEMO-A"), "leads") == Decimal(200)


def test_an_import_that_applies_says_what_it_did_and_the_templates_download(demo):
    csv = "personnel_number,period,code,value\nDEMO-A,2026-11,leads,230\n"
    hr = signed_in("hr")

    response = hr.post(reverse("portal:plans_import"), {"period": NOVEMBER, "file": upload(csv)}, follow=True)

    assert "1 rows — 0 created, 1 updated, 0 unchanged" in response.content.decode()
    assert plan(person("DEMO-A"), "leads") == Decimal(230)
    template = hr.get(reverse("portal:actuals_template", args=["csv"]))
    assert template.status_code == 200 and template.content.startswith(b"personnel_number,period,code,value")
    assert hr.get(reverse("portal:plans_template", args=["xlsx"])).content.startswith(b"PK")
    assert hr.get(reverse("portal:plans_template", args=["pdf"])).status_code == 404


# --- history -------------------------------------------------------------------------------


def test_the_months_history_says_who_changed_what_from_what_to_what(demo):
    demo_a, leads = person("DEMO-A"), catalogue_kpi("leads")
    hr = signed_in("hr")
    hr.post(PLANS, {"period": NOVEMBER, cell(demo_a, leads): "210"})

    html = hr.get(PLANS, {"period": NOVEMBER}).content.decode()

    history = html[html.index('data-testid="history"') :].split("</table>")[0]
    first = history[history.index("<tbody>") :].split("</tr>")[0]
    assert "Hanna HR" in first and "Alexei Seedov (DEMO-A)" in first and "Leads" in first
    assert '<td data-label="Was" class="num">200</td>' in first and '<td data-label="Now" class="num">210</td>' in first
    assert "in this grid" in first
    october = hr.get(PLANS, {"period": "2026-10"}).content.decode()
    assert "Hanna HR" not in october[october.index('data-testid="history"') :].split("</table>")[0]


# --- who may -------------------------------------------------------------------------------


def test_another_companys_people_are_never_shown_nor_writable(demo, elsewhere):
    stranger, leads = elsewhere, catalogue_kpi("leads")
    hr = signed_in("hr")

    html = hr.get(PLANS, {"period": NOVEMBER}).content.decode()
    assert "Stranger Elsewhere" not in html and f"v-{stranger.pk}-" not in html

    forged = hr.post(PLANS, {"period": NOVEMBER, cell(stranger, leads): "5", cell(person("DEMO-A"), leads): "201"})
    assert forged.status_code == 400 and "not on this page was refused" in forged.content.decode()
    assert plan(stranger, "leads") == Decimal(77) and plan(person("DEMO-A"), "leads") == Decimal(200)
    # and their HR sees only their own
    other = signed_in("hr-other").get(PLANS, {"period": NOVEMBER}).content.decode()
    assert "Stranger Elsewhere" in other and "Alexei Seedov" not in other


def test_a_copy_and_an_import_reach_only_the_own_company(demo, elsewhere):
    signed_in("hr").post(reverse("portal:plans_copy"), {"period": DECEMBER})
    assert not Plan.objects.filter(employee=elsewhere, period=DECEMBER).exists()
    csv = "personnel_number,period,code,value\nX-1,2026-11,leads,5\n"
    response = signed_in("hr").post(reverse("portal:plans_import"), {"period": NOVEMBER, "file": upload(csv)})
    assert response.status_code == 400 and "no employee with personnel number" in response.content.decode()
    assert plan(elsewhere, "leads") == Decimal(77)


@pytest.mark.parametrize("role", ["marketer", "finance"])
def test_marketer_and_finance_get_403_on_every_page_and_post(demo, role):
    client = signed_in(role)
    demo_a = person("DEMO-A")
    for url in (PLANS, ACTUALS, reverse("portal:plans_template", args=["csv"])):
        assert client.get(url, {"period": NOVEMBER}).status_code == 403
    for url in (PLANS, ACTUALS, reverse("portal:plans_copy"), reverse("portal:plans_import"), reverse("portal:actuals_import")):
        assert client.post(url, {"period": DECEMBER, cell(demo_a, catalogue_kpi("leads")): "5"}).status_code == 403
    assert plan(demo_a, "leads") == Decimal(200) and not Plan.objects.filter(period=DECEMBER).exists()


def test_anonymous_is_sent_to_sign_in(demo):
    for url in (PLANS, ACTUALS):
        response = Client().get(url, {"period": NOVEMBER})
        assert response.status_code == 302 and reverse("portal:login") in response["Location"]
    assert Client().post(reverse("portal:plans_copy"), {"period": DECEMBER}).status_code == 302
    assert not Plan.objects.filter(period=DECEMBER).exists()


def test_the_nav_links_to_plans_for_hr_only(demo):
    assert f'href="{PLANS}"' in signed_in("hr").get(reverse("portal:people")).content.decode()
    assert f'href="{PLANS}"' not in signed_in("marketer").get(reverse("portal:dashboard"), {"period": NOVEMBER}).content.decode()


def test_the_grid_costs_the_same_queries_for_more_people(demo):
    hr = signed_in("hr")
    hr.get(PLANS, {"period": NOVEMBER})  # warm: the session, the catalogue's names

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert hr.get(PLANS, {"period": NOVEMBER}).status_code == 200
        return len(captured)

    before = queries()
    leads = catalogue_kpi("leads")
    for number in range(10):
        employee = EmployeeFactory(company=demo, hire_date=date(2026, 1, 1))
        Plan.objects.create(employee=employee, period=NOVEMBER, kpi=leads, value=Decimal(100 + number))
    assert queries() == before


def test_a_grid_of_more_than_a_thousand_cells_saves_without_javascript(demo):
    # given: 150 more people, so the form (every cell posted, as without plans.js) has 189 × 7 fields
    Employee.objects.bulk_create(
        [Employee(company=demo, personnel_number=f"G-{n:03d}", full_name=f"Grid {n}", hire_date=date(2026, 1, 1)) for n in range(150)]
    )
    hr = signed_in("hr")
    html = hr.get(PLANS, {"period": NOVEMBER}).content.decode()
    form = dict(re.findall(r'name="(v-\d+-\d+)" id="[^"]*" value="([^"]*)"', html))
    assert len(form) > 1000
    demo_a = person("DEMO-A")
    form[cell(demo_a, catalogue_kpi("leads"))] = "205"

    response = hr.post(PLANS, {**form, "period": NOVEMBER}, follow=True)

    assert "1 value changed." in response.content.decode() and plan(demo_a, "leads") == Decimal(205)
