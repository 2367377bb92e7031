"""HR's home, the workspace (`payroll.workspace.hr_workspace` and `/portal/hr/`): this month
and the last — plans published or not, where the payroll stands — open corrections, people
without a salary, a scheme or a login, band tables with warnings, each linking to the page
that fixes it; signing in as HR lands here; a fixed number of queries; only HR of the company."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from compensation.models import BonusScheme, SchemeFactor
from compensation.services import bonus_scheme_save, salary_agreement_set, scheme_assignment_set
from engine import Period
from kpis.models import Plan
from organizations.models import CompanyMembership
from payroll.models import Correction, CorrectionStatus, PayrollRun, RunStatus
from payroll.workspace import hr_workspace
from portal.templatetags.portal import HR_PAGES
from tests.factories import CompanyFactory, EmployeeFactory, band_table, catalogue_kpi

pytestmark = pytest.mark.django_db
URL = reverse("portal:hr_home")
TODAY = date(2027, 2, 10)  # this month February 2027, the last January 2027
JANUARY = "2027-01"


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def two_kpi_scheme(company) -> BonusScheme:
    table = band_table(company, [(0, 0), (80, "0.5"), (100, 1)])
    factors = [
        SchemeFactor(name="k1", position=1, input_kind="kpi", kpi=catalogue_kpi("leads"), band_table=table),
        SchemeFactor(name="k2", position=2, input_kind="kpi", kpi=catalogue_kpi("cpl"), band_table=table),
    ]
    return bonus_scheme_save(scheme=BonusScheme(company=company, name="Leads × CPL"), factors=factors)


def marketer(company, scheme, number: str, *, planned: tuple[str, ...] = (), login: bool = True):
    employee = EmployeeFactory(company=company, personnel_number=number, full_name=f"Person {number}", hire_date=date(2026, 1, 1))
    salary_agreement_set(employee=employee, effective_from=date(2026, 1, 1), monthly_amount=Decimal("30000"))
    scheme_assignment_set(employee=employee, effective_from=date(2026, 1, 1), scheme=scheme)
    for code in planned:
        Plan.objects.create(employee=employee, period=JANUARY, kpi=catalogue_kpi(code), value=Decimal(100))
    if login:
        employee.user = User.objects.create_user(f"user-{number}")
        employee.save(update_fields=["user"])
    return employee


@pytest.fixture
def company():
    """Two marketers on a two-KPI scheme (one planned for January, one with one KPI only), a
    newcomer with nothing, a calculated January run, an open correction, a suspicious table."""
    company = CompanyFactory(name="Workspace Co")
    scheme = two_kpi_scheme(company)
    marketer(company, scheme, "W-1", planned=("leads", "cpl"))
    marketer(company, scheme, "W-2", planned=("leads",), login=False)
    EmployeeFactory(company=company, personnel_number="W-3", full_name="Newcomer Three", hire_date=date(2027, 2, 1))
    PayrollRun.objects.create(company=company, period=JANUARY, status=RunStatus.CALCULATED)
    Correction.objects.create(company=company, period="2026-12", reason="Leads recounted", status=CorrectionStatus.DRAFT)
    Correction.objects.create(company=company, period="2026-11", reason="Done already", status=CorrectionStatus.APPROVED)
    band_table(company, [(0, 0), (80, "1.2"), (100, 1)], name="Falls at the top")
    return company


def test_the_workspace_of_a_company_at_a_glance(company):
    workspace = hr_workspace(company=company, today=TODAY)

    february, january = workspace.months
    assert (str(february.period), str(january.period)) == ("2027-02", JANUARY)
    assert (january.plans.planned, january.plans.expected) == (1, 2) and not january.plans.published
    assert [person.personnel_number for person in january.plans.missing] == ["W-2"]
    assert (february.plans.planned, february.plans.expected) == (0, 2)
    assert january.run_state == "to_review" and january.run is not None
    assert february.run_state == "none" and february.run is None
    assert [c.reason for c in workspace.corrections] == ["Leads recounted"] and workspace.corrections_count == 1
    assert [p.personnel_number for p in workspace.without_salary] == ["W-3"]
    assert [p.personnel_number for p in workspace.without_scheme] == ["W-3"]
    assert [p.personnel_number for p in workspace.without_login] == ["W-2", "W-3"]
    assert [(table.name, bool(warnings)) for table, warnings in workspace.tables_with_warnings] == [("Falls at the top", True)]


def test_the_plans_are_published_once_everyone_on_a_scheme_has_each_kpi_planned(company):
    Plan.objects.create(employee=company.employees.get(personnel_number="W-2"), period=JANUARY, kpi=catalogue_kpi("cpl"), value=5)
    january = hr_workspace(company=company, today=TODAY).months[1]
    assert (january.plans.planned, january.plans.expected, january.plans.published) == (2, 2, True)


def test_a_stage_kpi_set_needs_a_plan_for_each_of_its_kpis(demo):
    november = Period(2026, 11)
    before = hr_workspace(company=demo, today=date(2026, 12, 6)).months[1].plans
    assert "DEMO-B" not in [p.personnel_number for p in before.missing]

    Plan.objects.filter(employee__personnel_number="DEMO-B", period=str(november), kpi__code="awareness").delete()

    after = hr_workspace(company=demo, today=date(2026, 12, 6)).months[1].plans
    assert "DEMO-B" in [p.personnel_number for p in after.missing] and after.planned == before.planned - 1


@pytest.mark.parametrize(
    ("statuses", "state"),
    [
        ([], "none"),
        ([RunStatus.QUEUED], "calculating"),
        ([RunStatus.CALCULATING], "calculating"),
        ([RunStatus.CALCULATED], "to_review"),
        ([RunStatus.APPROVED], "approved"),
        ([RunStatus.PAID], "paid"),
        ([RunStatus.FAILED], "failed"),
        ([RunStatus.CANCELLED], "none"),
        ([RunStatus.FAILED, RunStatus.CALCULATED], "to_review"),
        ([RunStatus.CALCULATED, RunStatus.FAILED], "to_review"),  # a failed retry never hides the live run
    ],
    ids=lambda value: "-".join(value) if isinstance(value, list) else value,
)
def test_last_months_run_in_hrs_words(statuses, state):
    company = CompanyFactory()
    for status in statuses:
        PayrollRun.objects.create(company=company, period=JANUARY, status=status)
    assert hr_workspace(company=company, today=TODAY).months[1].run_state == state


def test_the_queries_do_not_grow_with_the_employees(company):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            hr_workspace(company=company, today=TODAY)
        return len(queries)

    few = count()
    scheme = BonusScheme.objects.get(company=company)
    for number in range(10):
        marketer(company, scheme, f"X-{number}", planned=("leads",), login=number % 2 == 0)
        EmployeeFactory(company=company, hire_date=date(2027, 1, 5))
    assert len(hr_workspace(company=company, today=TODAY).months[1].plans.missing) == 11
    assert count() == few


# --- the page -------------------------------------------------------------------------------


@pytest.fixture
def hr_of(company):
    user = User.objects.create_user("workspace-hr")
    CompanyMembership.objects.create(user=user, company=company, role=CompanyMembership.Role.HR)
    client = Client()
    client.force_login(user)
    return client


def test_signing_in_as_hr_lands_on_the_workspace_and_the_brand_leads_there(demo):
    client = Client()
    response = client.post(reverse("portal:login"), {"username": "hr", "password": "demo12345"}, follow=True)
    assert response.redirect_chain[-1][0] == URL and response.status_code == 200
    html = response.content.decode()
    assert f'href="{URL}" aria-current="page"' in html  # Workspace, the first entry of HR's nav
    assert client.get(reverse("portal:home"))["Location"] == URL


def test_each_line_links_to_the_page_that_fixes_it(company, hr_of):
    html = hr_of.get(URL).content.decode()

    this_month = Period.of(timezone.localdate())
    assert f'data-testid="month-{this_month}"' in html and f'data-testid="month-{this_month.previous}"' in html
    assert f'{reverse("portal:plans")}?period={this_month}' in html
    newcomer = company.employees.get(personnel_number="W-3")
    gaps = html[html.index('data-testid="todo"') :].split("</section>")[0]
    assert f'href="{reverse("portal:person", args=[newcomer.pk])}"' in gaps
    assert f'href="{reverse("portal:person", args=[newcomer.pk])}#login"' in gaps
    correction = Correction.objects.get(company=company, reason="Leads recounted")
    assert f'href="{reverse("portal:correction", args=[correction.pk])}"' in gaps and "Done already" not in gaps
    table = company.band_tables.get(name="Falls at the top")
    assert f'href="{reverse("portal:band_table", args=[table.pk])}"' in gaps
    pages = html[html.index('data-testid="hr-pages"') :].split("</ul>")[0]
    for name, _label, _also in HR_PAGES:
        assert (f'href="{reverse(f"portal:{name}")}"' in pages) is (name != "hr_home")


def test_the_runs_state_links_to_the_run(company, hr_of):
    run = PayrollRun.objects.create(company=company, period=str(Period.of(timezone.localdate()).previous), status=RunStatus.CALCULATED)
    html = hr_of.get(URL).content.decode()
    assert 'data-state="to_review"' in html and f'href="{reverse("portal:run", args=[run.pk])}"' in html


def test_hr_of_another_company_sees_only_its_own(demo, company, hr_of):
    html = hr_of.get(URL).content.decode()
    assert "Workspace Co" in html and "Demo Marketing LLC" not in html and "Alexei Seedov" not in html
    demo_html = signed_in("hr").get(URL).content.decode()
    assert "Newcomer Three" not in demo_html and "Falls at the top" not in demo_html


@pytest.mark.parametrize("username", ["marketer", "finance"])
def test_marketer_and_finance_get_403(demo, username):
    client = signed_in(username)
    assert client.get(URL).status_code == 403
    assert client.post(URL).status_code in (403, 405)


def test_anonymous_is_sent_to_sign_in():
    response = Client().get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))


def test_the_page_queries_do_not_grow_with_the_employees(company, hr_of):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert hr_of.get(URL).status_code == 200
        return len(queries)

    few = count()
    scheme = BonusScheme.objects.get(company=company)
    for number in range(10):
        marketer(company, scheme, f"Y-{number}", login=False)
    assert count() == few
