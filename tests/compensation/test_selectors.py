"""Gathering inputs in bulk: the query count does not grow with the number of employees."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compensation.demo import seed_demo
from compensation.engine import Period
from compensation.models import Employee
from compensation.selectors import employees_in_period, payout_inputs

pytestmark = pytest.mark.django_db


def test_query_count_is_independent_of_employee_count():
    company = seed_demo()
    ids = list(Employee.objects.filter(company=company).values_list("pk", flat=True))
    period = Period.parse("2026-11")

    with CaptureQueriesContext(connection) as few:
        payout_inputs(company=company, period=period, employee_ids=ids[:2])
    with CaptureQueriesContext(connection) as many:
        inputs = payout_inputs(company=company, period=period, employee_ids=ids)

    assert len(inputs) == len(ids) > 30
    assert len(many.captured_queries) == len(few.captured_queries)


def test_employees_in_period_excludes_leavers_and_future_joiners():
    company = seed_demo()
    period = Period.parse("2026-10")
    numbers = set(employees_in_period(company=company, period=period).values_list("personnel_number", flat=True))
    assert "DEMO-A" in numbers
    assert "DEMO-C" not in numbers  # hired 2026-11-09
