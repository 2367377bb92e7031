"""HR's work calendar (`/portal/hr/calendar/?year=YYYY`): the company's holidays and
transferred working days by month, each month's working days as the run counts them
(`compensation.selectors.work_calendar`); a day added or removed through
`organizations.services`; bad input named with what was typed kept; a closed month refused
with its reason; only HR of the company."""

import re
from datetime import date

import pytest
from django.contrib.auth.models import User
from django.test import Client, TestCase
from django.urls import reverse

from compensation.selectors import work_calendar
from engine import Period
from organizations.models import CalendarDay, CompanyMembership
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db
URL = reverse("portal:calendar")
ADD = reverse("portal:calendar_add")


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def month_html(html: str, period: str) -> str:
    return html[html.index(f'data-month="{period}"') :].split("</section>")[0]


def working_days_shown(html: str, period: str) -> int:
    shown = re.search(r'data-testid="working-days">(\d+) working day', month_html(html, period))
    assert shown, period
    return int(shown.group(1))


@pytest.fixture
def other():
    """Another company with its HR user and a holiday of its own."""
    company = CompanyFactory(name="Other Co")
    user = User.objects.create_user("other-hr")
    CompanyMembership.objects.create(user=user, company=company, role=CompanyMembership.Role.HR)
    day = CalendarDay.objects.create(company=company, date=date(2027, 3, 8), kind="holiday", name="Theirs")
    return user, day


def test_the_year_by_month_with_the_engines_working_days_and_the_companys_days_only(demo, other):
    html = signed_in("hr").get(URL, {"year": "2027"}).content.decode()

    for month in range(1, 13):
        period = Period(2027, month)
        assert working_days_shown(html, str(period)) == work_calendar(company=demo, period=period).count
    january = month_html(html, "2027-01")
    assert working_days_shown(html, "2027-01") == 15  # 21 weekdays, 6 of the 8 New Year holidays on weekdays
    assert january.count("data-day=") == 8 and "New Year" in january
    assert "Theirs" not in html
    assert f'href="{URL}" aria-current="page"' in html


def test_hr_adds_a_holiday_and_the_month_has_one_working_day_less(demo):
    client = signed_in("hr")
    before = working_days_shown(client.get(URL, {"year": "2027"}).content.decode(), "2027-03")

    response = client.post(ADD, {"date": "2027-03-08", "kind": "holiday", "name": "Women's Day", "year": "2027"}, follow=True)

    html = response.content.decode()
    assert working_days_shown(html, "2027-03") == before - 1
    assert "March 2027 has 22 working days" in html
    assert CalendarDay.objects.filter(company=demo, date=date(2027, 3, 8), kind="holiday", name="Women's Day").exists()


def test_hr_removes_a_day_and_gets_the_working_day_back(demo):
    client = signed_in("hr")
    entry = CalendarDay.objects.get(company=demo, date=date(2027, 1, 4))

    response = client.post(reverse("portal:calendar_remove", args=[entry.pk]), follow=True)

    assert not CalendarDay.objects.filter(pk=entry.pk).exists()
    assert working_days_shown(response.content.decode(), "2027-01") == 16


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"date": "2027-02-30", "kind": "holiday"}, "date", "write the date as YYYY-MM-DD"),
        ({"date": "08.03.2027", "kind": "holiday"}, "date", "write the date as YYYY-MM-DD"),
        ({"date": "", "kind": "holiday"}, "date", "the date is missing"),
        ({"date": "2027-03-08", "kind": "vacation"}, "kind", "choose a holiday or a transferred working day"),
        ({"date": "2027-01-04", "kind": "holiday"}, "date", "2027-01-04 is already in the calendar"),
    ],
    ids=["no-such-day", "dotted", "empty", "unknown-kind", "taken"],
)
def test_bad_input_is_named_kept_and_nothing_written(demo, data, field, words):
    days = CalendarDay.objects.count()

    response = signed_in("hr").post(ADD, {**data, "name": "Typed name", "year": "2027"})

    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="day-{field}-error">{words}' in html
    assert 'value="Typed name"' in html
    assert CalendarDay.objects.count() == days


def test_a_bad_year_is_a_page_saying_how(demo):
    response = signed_in("hr").get(URL, {"year": "20x7"})
    assert response.status_code == 400 and "Write the year as four digits" in response.content.decode()


def test_a_day_of_an_approved_month_is_refused_with_the_reason(demo, eager_celery):
    from payroll.services import payroll_run_approve, payroll_run_start

    entry = CalendarDay.objects.create(company=demo, date=date(2026, 11, 4), kind="holiday", name="Unity Day")
    with TestCase.captureOnCommitCallbacks(execute=True):
        run, _ = payroll_run_start(company=demo, period=Period(2026, 11), started_by=User.objects.get(username="hr"))
    run.refresh_from_db()
    payroll_run_approve(run=run, approved_by=User.objects.get(username="hr2"))
    client = signed_in("hr")

    added = client.post(ADD, {"date": "2026-11-05", "kind": "holiday", "name": "Bridge"})
    assert added.status_code == 400
    html = added.content.decode()
    assert 'id="day-date-error">the calendar day reaches a closed period: November 2026 was approved by Harry HR' in html
    assert not CalendarDay.objects.filter(company=demo, date=date(2026, 11, 5)).exists()

    removed = client.post(reverse("portal:calendar_remove", args=[entry.pk]), follow=True)
    assert removed.status_code == 200 and "record a correction" in removed.content.decode()
    assert CalendarDay.objects.filter(pk=entry.pk).exists()


def test_hr_of_another_company_neither_sees_nor_touches_demos_days(demo, other):
    user, theirs = other
    client = Client()
    client.force_login(user)
    ours = CalendarDay.objects.get(company=demo, date=date(2027, 1, 4))

    html = client.get(URL, {"year": "2027"}).content.decode()
    days = html[html.index('data-testid="calendar"') :]
    assert "Theirs" in days and "New Year" not in days and working_days_shown(html, "2027-01") == 21
    assert client.post(reverse("portal:calendar_remove", args=[ours.pk])).status_code == 404
    assert CalendarDay.objects.filter(pk=ours.pk).exists()
    client.post(ADD, {"date": "2027-03-09", "kind": "holiday"})
    assert CalendarDay.objects.get(date=date(2027, 3, 9)).company_id == theirs.company_id  # their own calendar


@pytest.mark.parametrize("username", ["marketer", "finance"])
def test_marketer_and_finance_get_403_and_write_nothing(demo, username):
    client = signed_in(username)
    entry = CalendarDay.objects.filter(company=demo).first()
    days = CalendarDay.objects.count()
    assert client.get(URL).status_code == 403
    assert client.post(ADD, {"date": "2027-03-08", "kind": "holiday"}).status_code == 403
    assert client.post(reverse("portal:calendar_remove", args=[entry.pk])).status_code == 403
    assert CalendarDay.objects.count() == days


def test_anonymous_is_sent_to_sign_in(demo):
    entry = CalendarDay.objects.filter(company=demo).first()
    days = CalendarDay.objects.count()
    for response in (
        Client().get(URL),
        Client().post(ADD, {"date": "2027-03-08", "kind": "holiday"}),
        Client().post(reverse("portal:calendar_remove", args=[entry.pk])),
    ):
        assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))
    assert CalendarDay.objects.count() == days
