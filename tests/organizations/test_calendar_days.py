"""`organizations.services.calendar_day_add` / `calendar_day_remove`: a holiday or a
transferred working day changes its month's working days as the run counts them
(`compensation.selectors.work_calendar`); bad input is named; a closed month is refused."""

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import TestCase

from compensation.demo import seed_demo
from compensation.selectors import work_calendar
from core.periods import PeriodClosedError
from engine import Period
from organizations.models import CalendarDay
from organizations.services import calendar_day_add, calendar_day_remove
from payroll.services import payroll_run_approve, payroll_run_start
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db
MARCH = Period(2027, 3)  # 23 weekdays


def test_a_holiday_on_a_weekday_takes_a_working_day_and_removing_it_gives_it_back():
    company = CompanyFactory()
    assert work_calendar(company=company, period=MARCH).count == 23

    entry = calendar_day_add(company=company, day=date(2027, 3, 8), kind=CalendarDay.Kind.HOLIDAY, name=" Women's Day ")

    assert entry.name == "Women's Day"
    assert work_calendar(company=company, period=MARCH).count == 22
    calendar_day_remove(entry=entry)
    assert work_calendar(company=company, period=MARCH).count == 23
    assert not CalendarDay.objects.filter(company=company).exists()


def test_a_transferred_working_day_on_a_saturday_adds_one():
    company = CompanyFactory()
    calendar_day_add(company=company, day=date(2027, 3, 6), kind=CalendarDay.Kind.WORKING_DAY)
    assert work_calendar(company=company, period=MARCH).count == 24


@pytest.mark.parametrize(
    ("day", "kind", "name", "field"),
    [
        (None, "holiday", "", "date"),
        (date(2027, 3, 8), "vacation", "", "kind"),
        (date(2027, 3, 8), "holiday", "x" * 201, "name"),
    ],
    ids=["no-date", "unknown-kind", "name-too-long"],
)
def test_bad_input_is_named_and_nothing_is_written(day, kind, name, field):
    company = CompanyFactory()
    with pytest.raises(ValidationError) as refused:
        calendar_day_add(company=company, day=day, kind=kind, name=name)
    assert field in refused.value.message_dict
    assert not CalendarDay.objects.filter(company=company).exists()


def test_a_day_already_in_the_calendar_is_named_by_its_date():
    company = CompanyFactory()
    calendar_day_add(company=company, day=date(2027, 3, 8), kind="holiday")
    with pytest.raises(ValidationError) as refused:
        calendar_day_add(company=company, day=date(2027, 3, 8), kind="working_day")
    assert refused.value.message_dict == {"date": ["2027-03-08 is already in the calendar"]}
    assert CalendarDay.objects.get(company=company).kind == "holiday"


def test_another_company_may_have_the_same_day():
    calendar_day_add(company=CompanyFactory(), day=date(2027, 3, 8), kind="holiday")
    calendar_day_add(company=CompanyFactory(), day=date(2027, 3, 8), kind="holiday")
    assert CalendarDay.objects.filter(date=date(2027, 3, 8)).count() == 2


def test_a_day_of_an_approved_month_is_neither_added_nor_removed(eager_celery):
    company = seed_demo()
    kept = CalendarDay.objects.create(company=company, date=date(2026, 11, 4), kind="holiday", name="Unity Day")
    with TestCase.captureOnCommitCallbacks(execute=True):
        run, _ = payroll_run_start(company=company, period=Period(2026, 11), started_by=User.objects.get(username="hr"))
    run.refresh_from_db()
    payroll_run_approve(run=run, approved_by=User.objects.get(username="hr2"))

    with pytest.raises(PeriodClosedError) as refused:
        calendar_day_add(company=company, day=date(2026, 11, 5), kind="holiday")
    assert "November 2026 was approved by Harry HR" in refused.value.message
    assert refused.value.message.startswith("the calendar day reaches a closed period")
    assert not CalendarDay.objects.filter(company=company, date=date(2026, 11, 5)).exists()

    with pytest.raises(PeriodClosedError):
        calendar_day_remove(entry=kept)
    assert CalendarDay.objects.filter(pk=kept.pk).exists()

    calendar_day_add(company=company, day=date(2026, 12, 31), kind="holiday")  # December is open
