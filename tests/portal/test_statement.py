"""The marketer's closed month is the approved statement (issue 13, item 3): every figure on
the dashboard, the statement page, the payslip and the API's me/ endpoints comes from the
approved payout as stored, whatever happens to the inputs afterwards; an open month (no run,
or a run not yet approved) is the live projection, labelled as such. The statement page's
access: the marketer's own released payouts, any of the company's for HR and finance."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from engine import Period
from kpis.models import MeasureValue
from organizations.models import CompanyMembership, Employee
from payroll.excel.selectors import payroll_sheet_rows, payslip_source, payslip_sources
from payroll.models import Payout, PayrollRun, RunStatus
from payroll.services import payroll_run_approve, payroll_run_mark_paid, payroll_run_start
from payroll.statements import APPROVED_STATEMENT, PROJECTION, STATEMENT_APPROVED
from tests.database import triggers_off
from tests.factories import CompanyFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]
NOVEMBER = "2026-11"
DASHBOARD = reverse("portal:dashboard")
# What a page may say about a month that is still running, and never about a closed one.
OPEN_MONTH_WORDING = ("So far", "so far", "by month end", "end of the month", "Next band", "points to go", "What if")


def client_for(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def api_for(username: str) -> APIClient:
    client = APIClient()
    _, token = AuthToken.objects.create(user=User.objects.get(username=username))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def calculated(demo, django_capture_on_commit_callbacks):
    """November calculated by hr (not approved yet)."""
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = payroll_run_start(company=demo, period=Period.parse(NOVEMBER), started_by=User.objects.get(username="hr"))
    run.refresh_from_db()
    assert run.status == RunStatus.CALCULATED
    return run


@pytest.fixture
def approved(calculated):
    return payroll_run_approve(run=calculated, approved_by=User.objects.get(username="hr2"))


def demo_a() -> Employee:
    return Employee.objects.get(personnel_number="DEMO-A")


def edit_november_leads(value: str) -> None:
    """An input of November changed after the fact, straight in the table (the refusal of such
    edits is another part of the issue; the statement must hold even if one gets through)."""
    changed = MeasureValue.objects.filter(employee=demo_a(), period=NOVEMBER, measure__code="leads").update(value=Decimal(value))
    assert changed == 1


def second_marketer(company) -> User:
    user = User.objects.create_user("marketer-b", password="x")
    CompanyMembership.objects.create(user=user, company=company, role=CompanyMembership.Role.MARKETER)
    Employee.objects.filter(personnel_number="DEMO-B").update(user=user)
    return user


# --- the dashboard -----------------------------------------------------------------------


def test_a_closed_month_shows_the_approved_figures_after_an_input_is_edited(approved):
    # given: November approved (example A: bonus 15,000.00, total 45,000.00), then its leads edited to 0
    edit_november_leads("0")

    # when
    page = client_for("marketer").get(DASHBOARD, {"period": NOVEMBER})

    # then: the stored payout, not a recomputation (which would now say bonus 0.00, total 30,000.00)
    context, html = page.context, page.content.decode()
    assert context["closed"] is True
    assert (context["fixed"], context["bonus"], context["total"]) == (Decimal("30000.00"), Decimal("15000.00"), Decimal("45000.00"))
    assert 'data-testid="projected-bonus">₽15,000.00<' in html and 'data-testid="projected-total">₽45,000.00<' in html
    leads = next(card for card in context["cards"] if card["code"] == "leads")
    assert (leads["actual"], leads["fulfillment"]) == (Decimal("200"), Decimal("100.00"))
    assert [(f["name"], f["coefficient"]) for f in context["factors"]] == [("k1", Decimal("1.0000")), ("k2", Decimal("0.5000"))]
    bar = context["history"]["bars"][-1]
    assert (bar["period"], bar["bonus"], bar["total"]) == (NOVEMBER, Decimal("15000.00"), Decimal("45000.00"))
    (payslip,) = context["payslips"]
    assert payslip.total == Decimal("45000.00")


def test_a_closed_month_is_labelled_the_approved_statement_without_open_month_wording(approved):
    approved_on = approved.approved_at.astimezone().strftime("%-d %B %Y")

    html = client_for("marketer").get(DASHBOARD, {"period": NOVEMBER}).content.decode()

    assert f"Approved statement — November 2026, approved on {approved_on}" in html
    assert 'data-basis="approved_statement"' in html and "not yet approved" not in html
    assert [words for words in OPEN_MONTH_WORDING if words in html] == []
    assert 'data-what-if=' not in html  # no what-if for a month that is over
    payout = approved.payouts.get(employee=demo_a())
    assert reverse("portal:payout_statement", args=[payout.pk]) in html


def test_a_paid_month_says_when_it_was_paid(approved):
    payroll_run_mark_paid(
        run=approved, by=User.objects.get(username="finance"), payment_date=timezone.localdate(), payment_reference="PO-1"
    )
    html = client_for("marketer").get(DASHBOARD, {"period": NOVEMBER}).content.decode()
    assert "Approved statement — November 2026" in html and "paid on" in html


def test_a_closed_month_ignores_a_typed_what_if_and_the_json_what_if_refuses_it(approved):
    client = client_for("marketer")
    page = client.get(DASHBOARD, {"period": NOVEMBER, "m-leads": "500"})
    assert page.context["what_if"] is None and page.context["bonus"] == Decimal("15000.00")

    response = client.post(
        reverse("portal:what_if"), json.dumps({"period": NOVEMBER, "measures": {"leads": "500"}}), content_type="application/json"
    )

    assert response.status_code == 409
    assert "November 2026 is approved" in response.json()["errors"]["__all__"]


def test_an_open_month_is_the_live_projection_labelled_as_such(demo):
    # given: no November run at all; the projection follows the inputs
    page = client_for("marketer").get(DASHBOARD, {"period": NOVEMBER})
    assert page.context["closed"] is False and page.context["bonus"] == Decimal("15000.00")
    html = page.content.decode()
    assert "Projection — not yet approved" in html and 'data-basis="projection"' in html
    assert "Approved statement" not in html and "data-what-if=" in html

    edit_november_leads("0")

    assert client_for("marketer").get(DASHBOARD, {"period": NOVEMBER}).context["bonus"] == Decimal("0.00")


def test_a_calculated_month_shows_the_projection_never_the_runs_payout(calculated):
    # given: the run's payout says 15,000.00; a later edit moves the live figures
    Payout.objects.filter(run=calculated, employee=demo_a()).update(bonus=Decimal("99999.00"))
    edit_november_leads("0")

    page = client_for("marketer").get(DASHBOARD, {"period": NOVEMBER})

    assert page.context["closed"] is False
    assert page.context["bonus"] == Decimal("0.00")  # the projection, not the unapproved payout's 99,999.00
    assert "Projection — not yet approved" in page.content.decode()
    assert list(page.context["payslips"]) == [] and page.context["history"]["bars"][-1]["empty"]


def test_another_marketers_approved_month_is_not_this_ones_statement(approved):
    second_marketer(approved.company)
    page = client_for("marketer-b").get(DASHBOARD, {"period": NOVEMBER})
    own = approved.payouts.get(employee__personnel_number="DEMO-B")
    assert page.context["statement"] == own and page.context["employee"].personnel_number == "DEMO-B"


def test_a_closed_month_without_a_payout_of_theirs_is_closed_and_shows_nothing_to_project(approved):
    # given: a marketer hired in December, after November was approved

    user = User.objects.create_user("newcomer", password="x")
    CompanyMembership.objects.create(user=user, company=approved.company, role=CompanyMembership.Role.MARKETER)
    Employee.objects.create(
        company=approved.company, personnel_number="NEW-1", full_name="Nina Newcomer", hire_date=date(2026, 12, 1), user=user
    )

    page = client_for("newcomer").get(DASHBOARD, {"period": NOVEMBER})
    body = api_for("newcomer").get("/api/v1/me/projection/", {"period": NOVEMBER}).json()
    what_if = api_for("newcomer").post("/api/v1/me/what-if/", {"period": NOVEMBER, "measures": {}}, format="json")

    html = page.content.decode()
    assert page.context["closed"] is True and page.context["statement"] is None
    assert "November 2026 was approved on" in html and "with no payout for you" in html
    assert "not yet approved" not in html and "data-what-if=" not in html and 'data-testid="projected-bonus"' not in html
    assert (body["basis"], body["payout"]) == (APPROVED_STATEMENT, None)
    assert what_if.status_code == 409


# --- the API's me/ -----------------------------------------------------------------------


def test_the_api_answers_a_closed_month_from_the_approved_payout(approved):
    edit_november_leads("0")
    api = api_for("marketer")

    projection = api.get("/api/v1/me/projection/", {"period": NOVEMBER}).json()
    statement = api.get("/api/v1/me/statement/", {"period": NOVEMBER}).json()
    measures = api.get("/api/v1/me/measures/", {"period": NOVEMBER}).json()
    plans = api.get("/api/v1/me/plans/", {"period": NOVEMBER}).json()
    what_if = api.post("/api/v1/me/what-if/", {"period": NOVEMBER, "measures": {"leads": "500"}}, format="json")

    assert projection["basis"] == APPROVED_STATEMENT and projection["next_bands"] == []
    assert (projection["payout"]["bonus"], projection["payout"]["total"]) == ("15000.00", "45000.00")
    assert projection["approved_at"] == statement["approved_at"] is not None
    assert statement["basis"] == APPROVED_STATEMENT and statement["payout"]["total"] == "45000.00"
    assert statement["employee"] == {"personnel_number": "DEMO-A", "full_name": "Alexei Seedov", "position": "Marketer"}
    assert {row["measure"]: row["value"] for row in measures} == {"leads": "200.0000", "marketing_spend": "111111.0000"}
    assert {row["kpi"]: row["value"] for row in plans} == {"cpl": "500.0000", "leads": "200.0000"}
    assert what_if.status_code == 409 and what_if.json()["error"]["code"] == STATEMENT_APPROVED


def test_the_api_answers_an_open_month_with_the_live_projection(calculated):
    edit_november_leads("0")
    api = api_for("marketer")

    projection = api.get("/api/v1/me/projection/", {"period": NOVEMBER}).json()
    statement = api.get("/api/v1/me/statement/", {"period": NOVEMBER}).json()
    measures = api.get("/api/v1/me/measures/", {"period": NOVEMBER}).json()

    assert projection["basis"] == statement["basis"] == PROJECTION
    assert projection["payout"]["bonus"] == statement["payout"]["bonus"] == "0.00"
    assert statement["payout_id"] is None and statement["approved_at"] is None
    assert {row["measure"]: row["value"] for row in measures}["leads"] == "0.0000"
    assert api.post("/api/v1/me/what-if/", {"period": NOVEMBER, "measures": {"leads": "200"}}, format="json").status_code == 200


@pytest.mark.parametrize("username", ["hr", "finance", "admin"])
def test_the_api_statement_is_the_marketers_own_only(approved, username):
    # HR, finance and the superuser have no employee record: me/ is not theirs
    assert api_for(username).get("/api/v1/me/statement/", {"period": NOVEMBER}).status_code == 404


def test_the_api_statement_needs_credentials_and_a_period_it_can_read(approved):
    assert APIClient().get("/api/v1/me/statement/", {"period": NOVEMBER}).status_code == 401
    assert api_for("marketer").get("/api/v1/me/statement/", {"period": "2026-13"}).status_code == 400


def test_another_marketer_gets_their_own_statement_through_the_api(approved):
    second_marketer(approved.company)
    body = api_for("marketer-b").get("/api/v1/me/statement/", {"period": NOVEMBER}).json()
    assert body["employee"]["personnel_number"] == "DEMO-B"
    assert body["payout_id"] == approved.payouts.get(employee__personnel_number="DEMO-B").pk


# --- what the documents print -----------------------------------------------------------


def test_the_trace_keeps_what_the_payslip_prints_as_calculated(calculated):
    payout = calculated.payouts.get(employee=demo_a())
    assert payout.trace["employee"] == {"personnel_number": "DEMO-A", "full_name": "Alexei Seedov", "position": "Marketer"}
    assert payout.trace["company"] == {"name": calculated.company.name, "currency": "RUB"}


def test_the_payslip_and_statement_print_the_name_as_approved_after_a_rename(approved):
    payout = approved.payouts.get(employee=demo_a())
    Employee.objects.filter(pk=demo_a().pk).update(full_name="Alexei Renamed", position="Head of marketing")
    type(approved.company).objects.filter(pk=approved.company_id).update(name="Renamed Company")
    payout = Payout.objects.select_related("employee", "run__company").get(pk=payout.pk)

    source = payslip_source(payout)
    (bulk,) = [s for pk, s in payslip_sources(payout.run) if pk == payout.pk]
    html = client_for("marketer").get(reverse("portal:payout_statement", args=[payout.pk])).content.decode()

    assert (source.full_name, source.position, source.company) == ("Alexei Seedov", "Marketer", "Demo Marketing LLC")
    assert bulk == source
    assert "Alexei Seedov" in html and "Alexei Renamed" not in html and "Renamed Company" not in html
    (row,) = [row for row in payroll_sheet_rows(payout.run) if row[0] == "DEMO-A"]
    assert row[:3] == ("DEMO-A", "Alexei Seedov", "Marketer")  # the payroll sheet too


def test_a_payout_from_before_the_snapshot_prints_the_current_row(approved):
    payout = approved.payouts.get(employee=demo_a())
    trace = {key: value for key, value in payout.trace.items() if key not in ("employee", "company")}
    with triggers_off():  # an old payout, as it was stored before the trace kept the names
        Payout.objects.filter(pk=payout.pk).update(trace=trace)
    Employee.objects.filter(pk=demo_a().pk).update(full_name="Alexei Renamed")
    payout = Payout.objects.select_related("employee", "run__company").get(pk=payout.pk)

    assert payslip_source(payout).full_name == "Alexei Renamed"
    (row,) = [row for row in payroll_sheet_rows(payout.run) if row[0] == "DEMO-A"]
    assert row[1] == "Alexei Renamed"


# --- the statement page ------------------------------------------------------------------


def test_the_statement_page_explains_the_payout_in_words(approved):
    payout = approved.payouts.get(employee=demo_a())
    # the demo's November has no adjustment for DEMO-A: the stored payout is given one, as a run would store it
    trace = {**payout.trace, "adjustments": [{"amount": "-1250.00", "reason": "14 leads disqualified"}]}
    with triggers_off():
        Payout.objects.filter(pk=payout.pk).update(trace=trace, adjustments=Decimal("-1250.00"), total=Decimal("43750.00"))

    page = client_for("marketer").get(reverse("portal:payout_statement", args=[payout.pk]))

    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]  # a pay document
    html = page.content.decode()
    assert "Approved statement — November 2026" in html
    assert "Cost per lead" in html and "Leads" in html  # KPI names, not codes only
    assert "90.00%" in html and "100.00%" in html  # fulfillments
    assert "80% to under 100%" in html  # k2's band
    assert 'data-statement-factor="k2"' in html and "0.5" in html
    assert "14 leads disqualified" in html and "-₽1,250.00" in html
    assert 'data-testid="statement-total">₽43,750.00<' in html
    assert "{" not in html.split('data-testid="statement"')[1].split("</article>")[0]  # words, not JSON
    assert [words for words in OPEN_MONTH_WORDING if words in html] == []


def test_hr_reviews_a_calculated_payout_on_the_same_page(calculated):
    payout = calculated.payouts.get(employee=demo_a())
    page = client_for("hr").get(reverse("portal:payout_statement", args=[payout.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Statement for review" in html and "not yet approved" in html and "Approved statement" not in html
    assert reverse("portal:run", args=[calculated.pk]) in html


@pytest.fixture
def elsewhere_hr():
    """HR and finance of another company."""
    company = CompanyFactory()
    for username, role in (("hr-other", "hr"), ("finance-other", "finance")):
        user = User.objects.create_user(username, password="x")
        CompanyMembership.objects.create(user=user, company=company, role=role)


@pytest.mark.parametrize(
    ("username", "approved_status", "calculated_status"),
    [
        ("marketer", 200, 404),  # own payout: once approved only
        ("marketer-b", 404, 404),  # another marketer's
        ("hr", 200, 200),
        ("finance", 200, 200),
        ("hr-other", 404, 404),  # another company's
        ("finance-other", 404, 404),
        ("nobody", 403, 403),  # signed in, no role
        ("anonymous", 302, 302),  # to sign in
    ],
)
def test_who_may_read_a_statement(demo, django_capture_on_commit_callbacks, elsewhere_hr, username, approved_status, calculated_status):
    # given: October approved, November calculated
    hr, hr2 = User.objects.get(username="hr"), User.objects.get(username="hr2")
    runs = {}
    for period in ("2026-10", NOVEMBER):
        with django_capture_on_commit_callbacks(execute=True):
            runs[period], _ = payroll_run_start(company=demo, period=Period.parse(period), started_by=hr)
        runs[period].refresh_from_db()
    payroll_run_approve(run=runs["2026-10"], approved_by=hr2)
    second_marketer(demo)
    User.objects.create_user("nobody", password="x")
    released = runs["2026-10"].payouts.get(employee=demo_a())
    unreleased = runs[NOVEMBER].payouts.get(employee=demo_a())
    client = Client() if username == "anonymous" else client_for(username)

    for payout, expected in ((released, approved_status), (unreleased, calculated_status)):
        response = client.get(reverse("portal:payout_statement", args=[payout.pk]))
        assert response.status_code == expected, (payout.run.period, expected)
        if expected == 302:
            assert response["Location"].startswith(reverse("portal:login"))


def test_a_statement_that_does_not_exist_is_404(demo):
    assert client_for("hr").get(reverse("portal:payout_statement", args=[999999])).status_code == 404


def test_a_run_being_calculated_has_no_statements_yet(calculated):
    payout = calculated.payouts.get(employee=demo_a())
    PayrollRun.objects.filter(pk=calculated.pk).update(status=RunStatus.CALCULATING)
    assert client_for("hr").get(reverse("portal:payout_statement", args=[payout.pk])).status_code == 404


def test_every_payout_of_the_demo_run_reads_as_a_statement(calculated):
    # the demo's 40 people: KPI sets with weights and caps, undefined KPIs, missing plans, a hire mid-month
    hr = client_for("hr")
    seen = set()
    for payout in calculated.payouts.select_related("employee"):
        page = hr.get(reverse("portal:payout_statement", args=[payout.pk]))
        assert page.status_code == 200, payout.employee.personnel_number
        html = page.content.decode()
        assert payout.employee.full_name in html
        seen |= {"set" for f in page.context["factors"] if f["kpi_set"]} | {"undefined" for k in page.context["kpis"] if k["undefined"]}
    assert seen == {"set", "undefined"}


def test_the_statement_reads_in_russian(approved):
    client = client_for("marketer")
    client.post(reverse("portal:set_language"), {"language": "ru", "next": DASHBOARD})
    payout = approved.payouts.get(employee=demo_a())

    dashboard = client.get(DASHBOARD, {"period": NOVEMBER}).content.decode()
    statement = client.get(reverse("portal:payout_statement", args=[payout.pk])).content.decode()

    assert "Утверждённый расчёт — Ноябрь 2026, утверждён" in dashboard
    assert "В месяце 21 рабочий день." in statement and "45\u00a0000,00\u00a0₽" in statement
