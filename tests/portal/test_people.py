"""HR's people page (issue 14, item 1): the company's employees with salary, scheme and
login; HR creates a marketer's login, which then signs in to the marketer's own page."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from organizations.models import CompanyMembership, Employee
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db
STRONG = "Plan-2026-leads!"


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


@pytest.fixture
def newcomer(demo) -> Employee:
    """DEMO-B without a login (the demo links only DEMO-A's)."""
    employee = Employee.objects.get(company=demo, personnel_number="DEMO-B")
    assert employee.user is None
    return employee


def test_hr_sees_its_people_with_salary_scheme_and_login_and_no_one_elses(demo):
    stranger = EmployeeFactory(full_name="Someone Elsewhere")

    html = signed_in("hr").get(reverse("portal:people")).content.decode()

    assert html.count("<tr data-person=") == Employee.objects.filter(company=demo).count()
    row = html[html.index('data-person="DEMO-A"') :].split("</tr>")[0]
    assert "Alexei Seedov" in row and "30,000.00" in row and 'data-testid="login">marketer<' in row
    demo_a = Employee.objects.get(company=demo, personnel_number="DEMO-A")
    page = signed_in("hr").get(reverse("portal:person", args=[demo_a.pk]))
    assert page.status_code == 200 and "30,000.00" in page.content.decode()
    assert signed_in("hr").get(reverse("portal:person", args=[stranger.pk])).status_code == 404
    assert "Someone Elsewhere" not in html and stranger.personnel_number not in html


def test_hr_creates_a_marketers_login_that_opens_their_own_page(demo, newcomer):
    response = signed_in("hr").post(
        reverse("portal:person_login", args=[newcomer.pk]), {"username": "bella", "password": STRONG}, follow=True
    )

    assert "signs in as bella" in response.content.decode()
    newcomer.refresh_from_db()
    user = newcomer.user
    assert user is not None and user.username == "bella" and user.check_password(STRONG)
    assert CompanyMembership.objects.get(user=user).company == demo
    assert CompanyMembership.objects.get(user=user).role == "marketer"
    client = Client()  # signs in through the portal's own form (django-axes checks every login)
    signed = client.post(reverse("portal:login"), {"username": "bella", "password": STRONG})
    assert signed.status_code == 302
    page = client.get(reverse("portal:dashboard"), {"period": "2026-11"}).content.decode()
    assert newcomer.full_name in page and newcomer.personnel_number in page


@pytest.mark.parametrize(
    ("username", "password", "said"),
    [
        ("marketer", STRONG, "username: the username marketer is taken"),
        ("MARKETER", STRONG, "username: the username MARKETER is taken"),
        ("", STRONG, "username: the username is missing"),
        ("bella", "123", "password: This password is too short"),
        ("bad name!", STRONG, "username: Enter a valid username"),
    ],
)
def test_a_login_refused_says_why_and_creates_nothing(demo, newcomer, username, password, said):
    users = User.objects.count()

    response = signed_in("hr").post(
        reverse("portal:person_login", args=[newcomer.pk]), {"username": username, "password": password}, follow=True
    )

    assert said in response.content.decode()
    newcomer.refresh_from_db()
    assert newcomer.user is None and User.objects.count() == users


def test_an_employee_who_already_signs_in_gets_no_second_login(demo):
    employee = Employee.objects.get(company=demo, personnel_number="DEMO-A")
    response = signed_in("hr").post(
        reverse("portal:person_login", args=[employee.pk]), {"username": "alexei2", "password": STRONG}, follow=True
    )
    assert "DEMO-A already signs in as marketer" in response.content.decode()
    assert not User.objects.filter(username="alexei2").exists()


def test_only_hr_of_the_company_reaches_the_people(demo, newcomer):
    stranger = EmployeeFactory()
    hr = signed_in("hr")
    assert hr.post(reverse("portal:person_login", args=[stranger.pk]), {"username": "x1", "password": STRONG}).status_code == 404
    stranger.refresh_from_db()
    assert stranger.user is None
    for role in ("finance", "marketer"):
        assert signed_in(role).get(reverse("portal:people")).status_code == 403
        assert signed_in(role).post(reverse("portal:person_login", args=[newcomer.pk]), {"username": "x2", "password": STRONG}).status_code == 403
    assert Client().get(reverse("portal:people")).status_code == 302
    assert not User.objects.filter(username__in=["x1", "x2"]).exists()


def test_hr_records_a_last_working_day_and_takes_it_back(demo, newcomer):
    hr = signed_in("hr")
    url = reverse("portal:person_terminate", args=[newcomer.pk])

    done = hr.post(url, {"termination_date": "2026-12-15"}, follow=True).content.decode()
    newcomer.refresh_from_db()
    assert str(newcomer.termination_date) == "2026-12-15" and "last working day is 2026-12-15" in done
    assert 'value="2026-12-15"' in done

    hr.post(url, {"termination_date": ""})
    newcomer.refresh_from_db()
    assert newcomer.termination_date is None


@pytest.mark.parametrize(
    ("day", "said"),
    [("2020-01-01", "is before the hire date"), ("15.12.2026", "write the date as YYYY-MM-DD")],
)
def test_a_last_day_refused_says_why(demo, newcomer, day, said):
    response = signed_in("hr").post(reverse("portal:person_terminate", args=[newcomer.pk]), {"termination_date": day}, follow=True)
    assert said in response.content.decode()
    newcomer.refresh_from_db()
    assert newcomer.termination_date is None


def test_a_last_day_inside_a_closed_month_is_refused_with_where_a_correction_goes(demo, newcomer, eager_celery, django_capture_on_commit_callbacks):
    from engine import Period
    from payroll.services import payroll_run_approve, payroll_run_start

    with django_capture_on_commit_callbacks(execute=True):
        run, _ = payroll_run_start(company=demo, period=Period(2026, 11), started_by=User.objects.get(username="hr"))
    run.refresh_from_db()
    payroll_run_approve(run=run, approved_by=User.objects.get(username="hr2"))

    response = signed_in("hr").post(reverse("portal:person_terminate", args=[newcomer.pk]), {"termination_date": "2026-11-10"}, follow=True)

    html = response.content.decode()
    assert "November 2026 was approved by" in html and "record a correction" in html
    newcomer.refresh_from_db()
    assert newcomer.termination_date is None


def test_hr_adds_an_employee_with_salary_scheme_and_login_without_the_admin(demo):
    from compensation.models import BonusScheme

    hr = signed_in("hr")
    added = hr.post(
        reverse("portal:person_create"),
        {"personnel_number": "M-900", "full_name": "Nodira Karimova", "position": "Marketer", "hire_date": "2026-12-01"},
        follow=True,
    )
    employee = Employee.objects.get(company=demo, personnel_number="M-900")
    assert added.redirect_chain[-1][0] == reverse("portal:person", args=[employee.pk])
    scheme = BonusScheme.objects.filter(company=demo).first()

    hr.post(reverse("portal:person_salary", args=[employee.pk]), {"effective_from": "2026-12-01", "monthly_amount": "30 000,50"})
    hr.post(reverse("portal:person_scheme", args=[employee.pk]), {"effective_from": "2026-12-01", "scheme": scheme.pk})
    hr.post(reverse("portal:person_login", args=[employee.pk]), {"username": "nodira", "password": STRONG})

    employee.refresh_from_db()
    assert [(str(s.effective_from), s.monthly_amount) for s in employee.salary_agreements.all()] == [("2026-12-01", Decimal("30000.50"))]
    assert [a.scheme for a in employee.scheme_assignments.all()] == [scheme]
    assert employee.user.username == "nodira"
    page = hr.get(reverse("portal:person", args=[employee.pk])).content.decode()
    assert "30,000.50" in page and scheme.name in page and 'data-testid="login">nodira<' in page


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ({"personnel_number": "DEMO-A", "full_name": "Twin", "hire_date": "2026-12-01"}, "personnel"),
        ({"personnel_number": "M-901", "full_name": "", "hire_date": "2026-12-01"}, "full_name"),
        ({"personnel_number": "M-902", "full_name": "No Date", "hire_date": ""}, "the hire date is missing"),
        ({"personnel_number": "M-903", "full_name": "Bad Date", "hire_date": "1.12.2026"}, "YYYY-MM-DD"),
    ],
    ids=["taken-number", "no-name", "no-date", "bad-date"],
)
def test_an_employee_refused_says_why_and_is_not_added(demo, data, said):
    count = Employee.objects.count()
    response = signed_in("hr").post(reverse("portal:person_create"), data, follow=True)
    assert said in response.content.decode()
    assert Employee.objects.count() == count


@pytest.mark.parametrize(
    ("amount", "said"),
    [("abc", "is not a number"), ("-5", "greater than or equal to 0"), ("1,2.3", "one decimal separator"), ("10.123", "decimal")],
)
def test_a_salary_refused_says_why(demo, newcomer, amount, said):
    before = list(newcomer.salary_agreements.values_list("pk", "monthly_amount"))
    response = signed_in("hr").post(
        reverse("portal:person_salary", args=[newcomer.pk]), {"effective_from": "2026-12-01", "monthly_amount": amount}, follow=True
    )
    assert said in response.content.decode()
    assert list(newcomer.salary_agreements.values_list("pk", "monthly_amount")) == before


def test_a_raise_backdated_into_a_closed_month_is_refused(demo, newcomer, eager_celery, django_capture_on_commit_callbacks):
    from engine import Period
    from payroll.services import payroll_run_approve, payroll_run_start

    with django_capture_on_commit_callbacks(execute=True):
        run, _ = payroll_run_start(company=demo, period=Period(2026, 11), started_by=User.objects.get(username="hr"))
    run.refresh_from_db()
    payroll_run_approve(run=run, approved_by=User.objects.get(username="hr2"))
    before = list(newcomer.salary_agreements.values_list("pk", "effective_from", "monthly_amount"))

    response = signed_in("hr").post(
        reverse("portal:person_salary", args=[newcomer.pk]), {"effective_from": "2026-11-15", "monthly_amount": "99999"}, follow=True
    )

    assert "record a correction" in response.content.decode()
    assert list(newcomer.salary_agreements.values_list("pk", "effective_from", "monthly_amount")) == before
    ok = signed_in("hr").post(reverse("portal:person_salary", args=[newcomer.pk]), {"effective_from": "2026-12-01", "monthly_amount": "99999"}, follow=True)
    assert "a month from 2026-12-01" in ok.content.decode()
