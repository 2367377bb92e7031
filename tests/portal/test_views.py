"""The portal's pages and JSON endpoints through Django's test client: who may see what, the
what-if and run-status endpoints, CSRF, languages."""

import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from engine import Period
from organizations.models import CompanyMembership, Employee
from payroll.models import PayrollRun, RunStatus
from payroll.outlook import payout_projection
from payroll.services import payroll_run_approve, payroll_run_start
from tests.factories import CompanyFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]
NOVEMBER = "2026-11"
WHAT_IF = reverse("portal:what_if")


def client_for(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


@pytest.fixture
def start(django_capture_on_commit_callbacks):
    def start(company, by="hr", period=NOVEMBER) -> PayrollRun:
        with django_capture_on_commit_callbacks(execute=True):
            run, _ = payroll_run_start(company=company, period=Period.parse(period), started_by=User.objects.get(username=by))
        run.refresh_from_db()
        return run

    return start


@pytest.fixture
def elsewhere():
    """Another company, with an HR user, a finance user and a calculated run."""
    company = CompanyFactory()
    for username, role in (("hr-other", "hr"), ("finance-other", "finance")):
        user = User.objects.create_user(username, password="x")
        CompanyMembership.objects.create(user=user, company=company, role=role)
    return PayrollRun.objects.create(company=company, period=NOVEMBER, status=RunStatus.APPROVED)


def what_if(client: Client, measures: dict, period: str = NOVEMBER, **extra):
    return client.post(WHAT_IF, json.dumps({"period": period, "measures": measures}), content_type="application/json", **extra)


# --- who goes where -----------------------------------------------------------------------


def test_the_site_root_leads_to_the_portal(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")


@pytest.mark.parametrize(
    ("username", "home"),
    [("marketer", "portal:dashboard"), ("hr", "portal:hr_home"), ("finance", "portal:finance")],
    ids=["marketer", "hr", "finance"],
)
def test_signing_in_leads_each_role_home(demo, username, home):
    client = Client()
    response = client.post(reverse("portal:login"), {"username": username, "password": "demo12345"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse(home)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url",
    [reverse("portal:dashboard"), reverse("portal:runs"), reverse("portal:finance"), reverse("portal:run", args=[1])],
    ids=["dashboard", "runs", "run", "finance"],
)
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))


def test_signing_in_returns_to_the_page_asked_for_with_its_query(demo):
    client = Client()
    asked = f"{reverse('portal:dashboard')}?period=2026-10&m-leads=5"
    login_url = client.get(asked)["Location"]
    response = client.post(login_url, {"username": "marketer", "password": "demo12345"})
    assert response["Location"] == asked


@pytest.mark.parametrize(
    ("username", "url", "status"),
    [
        ("marketer", reverse("portal:runs"), 403),
        ("marketer", reverse("portal:finance"), 403),
        ("hr", reverse("portal:dashboard"), 403),
        ("hr", reverse("portal:finance"), 403),
        ("finance", reverse("portal:runs"), 403),
        ("finance", reverse("portal:dashboard"), 403),
    ],
    ids=["marketer-runs", "marketer-finance", "hr-dashboard", "hr-finance", "finance-runs", "finance-dashboard"],
)
def test_each_role_sees_only_its_own_pages(demo, username, url, status):
    assert client_for(username).get(url).status_code == status


def test_a_user_without_a_role_is_refused(demo):
    User.objects.create_user("nobody", password="x")
    client = client_for("nobody")
    assert client.get(reverse("portal:home")).status_code == 403
    assert client.get(reverse("portal:dashboard")).status_code == 403


def test_hr_and_finance_never_see_another_companys_runs(demo, elsewhere):
    assert client_for("hr").get(reverse("portal:run", args=[elsewhere.pk])).status_code == 404
    assert client_for("hr").get(reverse("portal:run_status", args=[elsewhere.pk])).status_code == 404
    assert client_for("hr").post(reverse("portal:run_action", args=[elsewhere.pk, "approve"])).status_code == 404
    assert client_for("finance").post(reverse("portal:run_action", args=[elsewhere.pk, "paid"])).status_code == 404
    assert elsewhere.period not in client_for("finance").get(reverse("portal:finance")).content.decode().split("Paid")[0]
    elsewhere.refresh_from_db()
    assert elsewhere.status == RunStatus.APPROVED


def test_the_other_company_sees_its_own_run_and_not_the_demo(demo, elsewhere, start):
    demo_run = start(demo)
    client = client_for("finance-other")
    page = client.get(reverse("portal:finance"))
    assert page.status_code == 200 and f'data-run="{elsewhere.pk}"' in page.content.decode()
    assert f'data-run="{demo_run.pk}"' not in page.content.decode()


# --- the marketer's dashboard and what-if -------------------------------------------------


def test_the_dashboard_shows_the_projection_and_the_next_band(demo):
    employee = Employee.objects.get(personnel_number="DEMO-A")
    projected = payout_projection(employee=employee, period=Period.parse(NOVEMBER), today=timezone.localdate())

    response = client_for("marketer").get(reverse("portal:dashboard"), {"period": NOVEMBER})

    assert response.status_code == 200
    context = response.context
    assert context["bonus"] == Decimal(projected["payout"]["bonus"])
    assert [card["code"] for card in context["cards"]] == ["leads", "cpl"]
    assert [factor["name"] for factor in context["factors"]] == ["k1", "k2"]
    assert [m["code"] for m in context["measures"]] == ["leads", "marketing_spend"]
    assert context["history"]["bars"][-1]["period"] == NOVEMBER and len(context["history"]["bars"]) == 12


def test_a_companys_own_kpi_name_wins_over_the_catalogues(demo):
    from kpis.models import Kpi

    catalogue = Kpi.objects.get(company=None, code="leads")
    Kpi.objects.create(company=demo, code="leads", name="Qualified leads", measure=catalogue.measure, unit="count")
    page = client_for("marketer").get(reverse("portal:dashboard"), {"period": NOVEMBER})
    assert page.context["cards"][0]["name"] == "Qualified leads"


def test_the_dashboard_refuses_a_malformed_period(demo):
    assert client_for("marketer").get(reverse("portal:dashboard"), {"period": "11/2026"}).status_code == 400


def test_the_what_if_recomputes_the_bonus(demo):
    # given: 200 leads at 500 ₽ each reach both plans: k1 = k2 = 1
    response = what_if(client_for("marketer"), {"leads": "200", "marketing_spend": "100 000,00"})

    assert response.status_code == 200
    body = response.json()
    assert (body["bonus"], body["total"]) == ("30000.00", "60000.00")
    assert [(c["factor"], c["coefficient"]) for c in body["coefficients"]] == [("k1", "1.0000"), ("k2", "1.0000")]
    assert body["display"]["bonus"] == "₽30,000.00"


def test_the_what_if_answers_in_the_users_language(demo):
    client = client_for("marketer")
    response = what_if(client, {"leads": "200", "marketing_spend": "100000"}, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.json()["display"]["bonus"] == "30\u00a0000,00\u00a0₽"


def test_the_what_if_starting_values_give_the_projection_exactly(demo):
    # the form starts at the projected measures rounded to cents; sent back unchanged, they
    # must give the projection itself (not 130.44 % for 130.43 %)
    client = client_for("marketer")
    page = client.get(reverse("portal:dashboard"), {"period": NOVEMBER})
    from portal.formatting import input_value

    start = {m["code"]: input_value(m["projected"], "en") for m in page.context["measures"]}
    body = what_if(client, start).json()
    assert body["difference"] == "0.00"
    projected = {f["name"]: str(f["percentage"]) for f in page.context["factors"]}
    assert {c["factor"]: c["percentage"] for c in body["coefficients"]} == projected


@pytest.mark.parametrize(
    ("measures", "field"),
    [
        ({"leads": "many"}, "leads"),
        ({"leads": "-5"}, "leads"),
        ({"visits": "100"}, "visits"),
        ({"leads": "NaN"}, "leads"),
    ],
    ids=["not-a-number", "negative-count", "not-my-measure", "nan"],
)
def test_the_what_if_refuses_bad_values_by_field(demo, measures, field):
    response = what_if(client_for("marketer"), measures)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_the_what_if_refuses_what_is_not_json(demo):
    response = client_for("marketer").post(WHAT_IF, "leads=5", content_type="application/json")
    assert response.status_code == 400 and "__all__" in response.json()["errors"]


def test_the_what_if_is_a_post_for_marketers_only(demo):
    assert client_for("marketer").get(WHAT_IF).status_code == 405
    assert what_if(client_for("hr"), {"leads": "1"}).status_code == 403


def test_the_what_if_without_javascript_renders_on_the_page(demo):
    response = client_for("marketer").get(
        reverse("portal:dashboard"), {"period": NOVEMBER, "m-leads": "200", "m-marketing_spend": "100000"}
    )
    assert response.context["what_if"]["bonus"] == Decimal("30000.00")
    assert 'data-testid="what-if-bonus">₽30,000.00<' in response.content.decode()


def test_posts_need_the_csrf_token(demo, start):
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="marketer"))
    assert what_if(client, {"leads": "1"}).status_code == 403
    hr = Client(enforce_csrf_checks=True)
    hr.force_login(User.objects.get(username="hr"))
    assert hr.post(reverse("portal:run_start"), {"period": NOVEMBER}).status_code == 403
    assert not PayrollRun.objects.exists()


def test_payslips_are_listed_once_the_run_is_approved(demo, start):
    run = start(demo)
    page = client_for("marketer").get(reverse("portal:dashboard"), {"period": NOVEMBER})
    assert list(page.context["payslips"]) == []

    payroll_run_approve(run=run, approved_by=User.objects.get(username="hr2"))
    page = client_for("marketer").get(reverse("portal:dashboard"), {"period": NOVEMBER})

    (payout,) = page.context["payslips"]
    assert payout.employee.personnel_number == "DEMO-A"
    assert reverse("payroll:payslip", args=[payout.pk]) in page.content.decode()
    bar = page.context["history"]["bars"][-1]
    assert (bar["fixed"], bar["bonus"], bar["total"]) == (payout.fixed, payout.bonus, payout.total)


# --- HR: runs ---------------------------------------------------------------------------


def test_hr_starts_a_run_and_lands_on_it(demo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("hr").post(reverse("portal:run_start"), {"period": NOVEMBER})
    run = PayrollRun.objects.get()
    assert response["Location"] == reverse("portal:run", args=[run.pk])
    assert (run.status, run.started_by.username) == (RunStatus.CALCULATED, "hr")


def test_starting_a_month_under_way_opens_the_run(demo, start):
    run = start(demo)
    response = client_for("hr2").post(reverse("portal:run_start"), {"period": NOVEMBER})
    assert response["Location"] == reverse("portal:run", args=[run.pk])
    assert PayrollRun.objects.count() == 1


def test_the_status_endpoint_reports_progress(demo, start):
    run = start(demo)
    body = client_for("hr").get(reverse("portal:run_status", args=[run.pk])).json()
    assert body == {
        "id": run.pk, "period": NOVEMBER, "status": "calculated", "status_label": "Calculated",
        "employees": run.employees_total, "employees_done": run.employees_total, "progress_pct": 100, "working": False,
    }
    PayrollRun.objects.filter(pk=run.pk).update(status=RunStatus.CALCULATING, employees_done=13)
    body = client_for("hr").get(reverse("portal:run_status", args=[run.pk])).json()
    assert (body["working"], body["progress_pct"]) == (True, 13 * 100 // run.employees_total)
    assert client_for("finance").get(reverse("portal:run_status", args=[run.pk])).status_code == 403


def test_four_eyes_the_starter_sees_a_disabled_button_and_is_refused(demo, start):
    run = start(demo, by="hr")
    page = client_for("hr").get(reverse("portal:run", args=[run.pk]))
    assert page.context["four_eyes_blocks"] is True
    assert 'data-testid="approve" disabled' in page.content.decode()

    response = client_for("hr").post(reverse("portal:run_action", args=[run.pk, "approve"]), follow=True)

    assert "Four-eyes rule" in response.content.decode()
    run.refresh_from_db()
    assert run.status == RunStatus.CALCULATED
    assert client_for("hr2").get(reverse("portal:run", args=[run.pk])).context["four_eyes_blocks"] is False


def test_a_second_hr_user_approves(demo, start):
    run = start(demo, by="hr")
    hr2 = client_for("hr2")
    hr2.post(reverse("portal:run_action", args=[run.pk, "approve"]))  # the button opens the summary
    run.refresh_from_db()
    assert run.status == RunStatus.CALCULATED
    hr2.post(reverse("portal:run_approve", args=[run.pk]), {"confirm": "1", "calculation": run.calculation})
    run.refresh_from_db()
    assert (run.status, run.approved_by.username) == (RunStatus.APPROVED, "hr2")


def test_the_run_page_lists_the_warnings(demo, start):
    run = start(demo)
    page = client_for("hr").get(reverse("portal:run", args=[run.pk]))
    groups = page.context["warning_groups"]  # by kind and KPI (issue 13): tests/portal/test_review.py
    assert any(g["code"] == "kpi_undefined" and "M-035" in {e["personnel_number"] for e in g["employees"]} for g in groups)
    assert "M-035" in page.content.decode()


def test_recalculate_and_cancel(demo, start, django_capture_on_commit_callbacks):
    run = start(demo, by="hr")
    with django_capture_on_commit_callbacks(execute=True):
        client_for("hr2").post(reverse("portal:run_action", args=[run.pk, "recalculate"]))
    run.refresh_from_db()
    assert (run.status, run.calculation, run.calculated_by.username) == (RunStatus.CALCULATED, 2, "hr2")
    # hr started it, hr2 recalculated it: neither may approve
    for username in ("hr", "hr2"):
        assert client_for(username).get(reverse("portal:run", args=[run.pk])).context["four_eyes_blocks"] is True

    client_for("hr").post(reverse("portal:run_action", args=[run.pk, "cancel"]))
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED


def test_an_approved_run_cannot_be_cancelled_and_says_why(demo, start):
    run = start(demo, by="hr")
    payroll_run_approve(run=run, approved_by=User.objects.get(username="hr2"))
    response = client_for("hr").post(reverse("portal:run_action", args=[run.pk, "cancel"]), follow=True)
    assert "can no longer change" in response.content.decode()
    run.refresh_from_db()
    assert run.status == RunStatus.APPROVED


# --- finance --------------------------------------------------------------------------------


def test_finance_sees_approved_runs_with_their_sheet_and_marks_them_paid(demo, start):
    run = start(demo, by="hr")
    assert list(client_for("finance").get(reverse("portal:finance")).context["ready"]) == []
    payroll_run_approve(run=run, approved_by=User.objects.get(username="hr2"))

    page = client_for("finance").get(reverse("portal:finance"))
    assert list(page.context["ready"]) == [run]
    assert reverse("payroll:payroll-sheet", args=[run.pk]) in page.content.decode()

    payment = {"payment_date": timezone.localdate().isoformat(), "payment_reference": "BANK-2026-11"}
    client_for("finance").post(reverse("portal:run_action", args=[run.pk, "paid"]), payment)
    run.refresh_from_db()
    assert (run.status, run.payment_reference) == (RunStatus.PAID, "BANK-2026-11")
    assert list(client_for("finance").get(reverse("portal:finance")).context["paid"]) == [run]


def test_hr_cannot_mark_paid_and_finance_cannot_approve(demo, start):
    run = start(demo, by="hr")
    assert client_for("hr").post(reverse("portal:run_action", args=[run.pk, "paid"])).status_code == 403
    assert client_for("finance").post(reverse("portal:run_action", args=[run.pk, "approve"])).status_code == 403
    assert client_for("hr").post(reverse("portal:run_action", args=[run.pk, "delete"])).status_code == 404
    assert client_for("hr").get(reverse("portal:run_action", args=[run.pk, "cancel"])).status_code == 405
    assert client_for("hr").get(reverse("portal:run_action", args=[run.pk, "approve"])).status_code == 200  # the summary


def test_marking_a_calculated_run_paid_is_refused_with_the_reason(demo, start):
    run = start(demo, by="hr")
    response = client_for("finance").post(reverse("portal:run_action", args=[run.pk, "paid"]), follow=True)
    assert "Only an approved run can be marked paid" in response.content.decode()


# --- languages ------------------------------------------------------------------------------


def test_the_language_switch_turns_the_pages_russian(demo):
    client = client_for("marketer")
    response = client.post(reverse("portal:set_language"), {"language": "ru", "next": reverse("portal:dashboard")})
    assert response.status_code == 302

    page = client.get(reverse("portal:dashboard"), {"period": NOVEMBER}).content.decode()

    assert '<html lang="ru">' in page
    assert "Моя премия" in page and "Ноябрь 2026" in page
    assert "30\u00a0000,00\u00a0₽" in page  # fixed pay, Russian style
