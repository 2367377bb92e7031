"""The portal's edges (issue 14, item 4): a marketer whose login has no employee record, a
month written wrong, an address that is not there — each a page in the portal's look and
language that says what is wrong, with DEBUG on (as `make run` runs) as well as off."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from organizations.models import CompanyMembership

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def unlinked(demo) -> User:
    """A marketer's login of the demo company that no employee record points to."""
    user = User.objects.create_user("new-marketer", password="x")
    CompanyMembership.objects.create(user=user, company=demo, role=CompanyMembership.Role.MARKETER)
    return user


@pytest.mark.parametrize("debug", [True, False], ids=["debug-on", "debug-off"])
def test_a_marketer_without_an_employee_record_is_told_who_links_it(unlinked, settings, debug):
    settings.DEBUG = debug
    hr = [m.user for m in CompanyMembership.objects.filter(company=unlinked.membership.company, role="hr")]

    response = signed_in(unlinked).get(reverse("portal:dashboard"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="no-employee"' in html and "not linked to an employee record" in html
    assert hr and all((user.get_full_name() or user.username) in html for user in hr)
    assert "Technical" not in html and "Traceback" not in html


def test_the_missing_employee_page_speaks_russian(unlinked):
    html = signed_in(unlinked).get(reverse("portal:dashboard"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "не привязан" in html


@pytest.mark.parametrize("debug", [True, False], ids=["debug-on", "debug-off"])
@pytest.mark.parametrize("period", ["2026-13", "november", "1899-12"])
def test_a_month_written_wrong_is_a_portal_page_saying_how_to_write_it(demo, settings, debug, period):
    settings.DEBUG = debug
    marketer = User.objects.get(username="marketer")

    response = signed_in(marketer).get(reverse("portal:dashboard"), {"period": period})

    assert response.status_code == 400
    html = response.content.decode()
    assert "portal/portal" in html  # the portal's stylesheet: its look, not a bare text page
    assert 'data-testid="bad-request">Write the month as YYYY-MM, for example 2026-11.<' in html
    ru = signed_in(marketer).get(reverse("portal:dashboard"), {"period": period}, HTTP_ACCEPT_LANGUAGE="ru")
    assert ru.status_code == 400 and "ГГГГ-ММ" in ru.content.decode()


@pytest.mark.parametrize("debug", [True, False], ids=["debug-on", "debug-off"])
@pytest.mark.parametrize("path", ["/portal/no-such-page/", "/portal/hr/runs/999999/"], ids=["no-url", "no-row"])
def test_a_page_not_there_is_the_portals_404_even_with_debug_on(demo, settings, debug, path):
    settings.DEBUG = debug

    response = signed_in(User.objects.get(username="hr")).get(path)

    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and "portal/portal" in html
    assert "technical" not in html.lower() and "URLconf" not in html and "Raised by" not in html


@pytest.fixture
def november_approved(demo, eager_celery, django_capture_on_commit_callbacks):
    from engine import Period
    from payroll.services import payroll_run_approve, payroll_run_start

    with django_capture_on_commit_callbacks(execute=True):
        run, _ = payroll_run_start(company=demo, period=Period(2026, 11), started_by=User.objects.get(username="hr"))
    run.refresh_from_db()
    return payroll_run_approve(run=run, approved_by=User.objects.get(username="hr2"))


def test_a_month_without_a_plan_says_so_and_shows_the_last_approved_statement(november_approved):
    from kpis.models import Plan
    from organizations.models import Employee
    from payroll.models import Payout

    marketer = User.objects.get(username="marketer")
    employee = Employee.objects.get(user=marketer)
    Plan.objects.filter(employee=employee, period="2026-12").delete()
    approved = Payout.objects.get(run=november_approved, employee=employee)

    html = signed_in(marketer).get(reverse("portal:dashboard"), {"period": "2026-12"}).content.decode()

    assert 'data-testid="plan-not-published"' in html and "The plan for December 2026 is not published yet" in html
    assert "Harry HR" in html  # who enters it
    assert 'data-testid="last-statement"' in html and "November 2026" in html
    assert reverse("portal:payout_statement", args=[approved.pk]) in html
    assert "message--warning" not in html  # no wall of "no plan for this KPI"
    assert 'data-testid="projected-total"' not in html  # no zeros
    # with a plan entered, the month is projected as before
    november = signed_in(marketer).get(reverse("portal:dashboard"), {"period": "2026-11"}).content.decode()
    assert 'data-testid="plan-not-published"' not in november
