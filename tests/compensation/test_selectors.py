"""Gathering inputs in bulk: the query count does not grow with the number of employees."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compensation.demo import seed_demo
from compensation.selectors import _date, _decimal, employees_in_period, forget_compiled_configurations, payout_inputs
from engine import Period
from organizations.models import Employee

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("configuration", ["compiled now", "compiled before"])
def test_query_count_is_independent_of_employee_count(configuration):
    company = seed_demo()
    ids = list(Employee.objects.filter(company=company).values_list("pk", flat=True))
    period = Period.parse("2026-11")

    def queries(employee_ids) -> tuple[int, list]:
        if configuration == "compiled now":
            forget_compiled_configurations()
        else:
            payout_inputs(company=company, period=period, employee_ids=ids)
        with CaptureQueriesContext(connection) as captured:
            inputs = payout_inputs(company=company, period=period, employee_ids=employee_ids)
        return len(captured.captured_queries), inputs

    few, _ = queries(ids[:2])
    many, inputs = queries(ids)
    assert len(inputs) == len(ids) > 30
    assert many == few


def test_employees_in_period_excludes_leavers_and_future_joiners():
    company = seed_demo()
    period = Period.parse("2026-10")
    numbers = set(employees_in_period(company=company, period=period).values_list("personnel_number", flat=True))
    assert "DEMO-A" in numbers
    assert "DEMO-C" not in numbers  # hired 2026-11-09


@pytest.mark.parametrize(
    ("stored", "places", "read"),
    [
        (Decimal("30000.00"), 2, "30000.00"),  # PostgreSQL: as stored
        (30000, 2, "30000.00"),  # SQLite keeps a whole amount as an integer
        (0.1, 4, "0.1000"),  # and anything else as a float
        (14285.71, 2, "14285.71"),
    ],
)
def test_hand_read_decimals_come_back_as_the_orm_gives_them(stored, places, read):
    assert str(_decimal(stored, places)) == read


def test_hand_read_dates_come_back_as_dates():
    assert _date("2026-11-01") == _date(date(2026, 11, 1)) == date(2026, 11, 1)
