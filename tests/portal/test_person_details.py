"""An employee's details on their People page (issue 14: everything HR did in the admin): the
personnel number, name, position and hire date, by the model's rules and the closed-period
rule, for HR of the employee's company only."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from organizations.models import Employee
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def details(employee: Employee, **changes) -> dict:
    data = {
        "personnel_number": employee.personnel_number,
        "full_name": employee.full_name,
        "position": employee.position,
        "hire_date": employee.hire_date.isoformat(),
    }
    return {**data, **changes}


def test_hr_changes_an_employees_name_position_and_number(demo):
    employee = Employee.objects.get(company=demo, personnel_number="DEMO-B")
    url = reverse("portal:person_details", args=[employee.pk])

    page = signed_in("hr").post(url, details(employee, full_name=" Bella Nova ", position="Lead", personnel_number="DEMO-B2"), follow=True)

    employee.refresh_from_db()
    assert (employee.full_name, employee.position, employee.personnel_number) == ("Bella Nova", "Lead", "DEMO-B2")
    assert "Bella Nova&#x27;s details are saved." in page.content.decode()


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"personnel_number": "DEMO-A"}, "personnel_number: "),
        ({"full_name": ""}, "full_name: "),
        ({"hire_date": ""}, "the hire date is missing"),
        ({"hire_date": "2026-13-01"}, "write the date as YYYY-MM-DD"),
    ],
    ids=["number-taken", "no-name", "no-date", "bad-date"],
)
def test_bad_details_are_named_and_nothing_changes(demo, changes, said):
    employee = Employee.objects.get(company=demo, personnel_number="DEMO-B")
    before = Employee.objects.filter(pk=employee.pk).values().get()

    page = signed_in("hr").post(reverse("portal:person_details", args=[employee.pk]), details(employee, **changes), follow=True)

    assert said in page.content.decode()
    assert Employee.objects.filter(pk=employee.pk).values().get() == before


def test_a_hire_date_moved_into_a_closed_month_is_refused(demo, eager_celery, django_capture_on_commit_callbacks):
    from engine import Period
    from payroll.services import payroll_run_approve, payroll_run_start

    with django_capture_on_commit_callbacks(execute=True):
        run, _ = payroll_run_start(company=demo, period=Period(2026, 11), started_by=User.objects.get(username="hr"))
    run.refresh_from_db()
    payroll_run_approve(run=run, approved_by=User.objects.get(username="hr2"))
    employee = Employee.objects.get(company=demo, personnel_number="DEMO-B")
    hired = employee.hire_date

    page = signed_in("hr").post(reverse("portal:person_details", args=[employee.pk]), details(employee, hire_date="2026-11-20"), follow=True)

    employee.refresh_from_db()
    assert employee.hire_date == hired and "record a correction" in page.content.decode()


@pytest.mark.parametrize("username", ["marketer", "finance", None])
def test_only_hr_changes_details(demo, username):
    employee = Employee.objects.get(company=demo, personnel_number="DEMO-B")
    client = signed_in(username) if username else Client()
    response = client.post(reverse("portal:person_details", args=[employee.pk]), details(employee, full_name="Changed"))
    assert response.status_code == (302 if username is None else 403)
    employee.refresh_from_db()
    assert employee.full_name != "Changed"


def test_another_companys_employee_does_not_exist_for_hr(demo):
    stranger = EmployeeFactory(full_name="Someone Elsewhere")
    response = signed_in("hr").post(reverse("portal:person_details", args=[stranger.pk]), details(stranger, full_name="Changed"))
    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.full_name == "Someone Elsewhere"
