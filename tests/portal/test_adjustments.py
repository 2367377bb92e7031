"""HR's adjustments page: a month's one-off additions and deductions per person, one added
("−1 500,50" or "1500.50") or removed through payroll.services, an approved month read-only
and refused by the closed-period rule; only HR of the company reaches it."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from core.periods import PeriodClosedError
from engine import Period
from organizations.models import Employee
from payroll.models import Adjustment, PayrollRun, RunStatus
from payroll.outlook import payout_preview
from payroll.services import adjustment_create, adjustment_delete
from tests.factories import CompanyFactory, EmployeeFactory

pytestmark = pytest.mark.django_db
PAGE = reverse("portal:adjustments")
ADD = reverse("portal:adjustment_add")
MONTH = "2026-11"


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def person(demo) -> Employee:
    return Employee.objects.filter(company=demo).order_by("personnel_number").first()


def add_form(employee, amount="−1 500,50", reason="Late report", period=MONTH) -> dict:
    return {"period": period, "employee": str(employee.pk), "amount": amount, "reason": reason}


def close(company, period=MONTH) -> PayrollRun:
    return PayrollRun.objects.create(
        company=company, period=period, status=RunStatus.APPROVED, approved_by=User.objects.get(username="hr2")
    )


@pytest.mark.parametrize(("typed", "amount"), [("−1 500,50", Decimal("-1500.50")), ("1500.50", Decimal("1500.50"))])
def test_hr_adds_an_adjustment_with_comma_or_dot_and_a_minus_and_the_preview_counts_it(demo, typed, amount):
    employee = person(demo)
    before = payout_preview(employee=employee, period=Period.parse(MONTH))

    response = signed_in("hr").post(ADD, add_form(employee, amount=typed), follow=True)

    stored = Adjustment.objects.get(employee=employee, period=MONTH)
    assert (stored.amount, stored.reason, stored.created_by.username) == (amount, "Late report", "hr")
    html = response.content.decode()
    assert f"Added for {employee.full_name} in {MONTH}" in html  # what was understood, echoed
    rows = html[html.index('data-testid="adjustments"') :]
    assert employee.full_name in rows and "Late report" in rows
    after = payout_preview(employee=employee, period=Period.parse(MONTH))
    assert after.adjustments - before.adjustments == amount
    assert after.total - before.total == amount


def test_the_month_lists_only_its_own_adjustments_with_who_and_the_total(demo):
    employee = person(demo)
    hr = User.objects.get(username="hr")
    adjustment_create(employee=employee, period=MONTH, amount=Decimal("250"), reason="Bonus for the fair", created_by=hr)
    adjustment_create(employee=employee, period=MONTH, amount=Decimal("-50.5"), reason="Phone", created_by=hr)
    adjustment_create(employee=employee, period="2026-10", amount=Decimal("999"), reason="October's", created_by=hr)

    html = signed_in("hr").get(PAGE, {"period": MONTH}).content.decode()

    assert "Bonus for the fair" in html and "Phone" in html and "October's" not in html
    total = html[html.index('data-testid="total"') :].split("</td>")[0]
    assert "199" in total and "50" in total


def test_bad_input_is_named_kept_and_saves_nothing(demo):
    employee = person(demo)
    response = signed_in("hr").post(ADD, add_form(employee, amount="12,3.4", reason=""))
    assert response.status_code == 400
    html = response.content.decode()
    assert "is not an amount" in html and "say what the adjustment is for" in html
    assert 'value="12,3.4"' in html and f'<option value="{employee.pk}" selected>' in html
    zero = signed_in("hr").post(ADD, add_form(employee, amount="0,00"))
    assert zero.status_code == 400 and "the amount is 0" in zero.content.decode()
    assert not Adjustment.objects.exists()


def test_hr_removes_an_adjustment(demo):
    adjustment = adjustment_create(employee=person(demo), period=MONTH, amount=Decimal("100"), reason="Typo")
    response = signed_in("hr").post(reverse("portal:adjustment_remove", args=[adjustment.pk]), follow=True)
    assert "Removed:" in response.content.decode()
    assert not Adjustment.objects.filter(pk=adjustment.pk).exists()


def test_a_closed_month_is_read_only_and_refuses_writes_with_its_message(demo):
    employee = person(demo)
    adjustment = adjustment_create(employee=employee, period=MONTH, amount=Decimal("100"), reason="Kept")
    close(demo)
    hr = signed_in("hr")

    html = hr.get(PAGE, {"period": MONTH}).content.decode()
    closed = html[html.index('data-testid="closed"') :]
    assert "November 2026 was approved by" in closed and reverse("portal:corrections") in closed
    assert 'data-testid="adjustment-form"' not in html
    assert reverse("portal:adjustment_remove", args=[adjustment.pk]) not in html

    added = hr.post(ADD, add_form(employee))
    assert added.status_code == 400 and "reaches a closed period: November 2026 was approved" in added.content.decode()
    removed = hr.post(reverse("portal:adjustment_remove", args=[adjustment.pk]), follow=True)
    assert "reaches a closed period" in removed.content.decode()
    assert list(Adjustment.objects.values_list("reason", flat=True)) == ["Kept"]


def test_the_services_refuse_a_closed_month(demo):
    employee = person(demo)
    adjustment = adjustment_create(employee=employee, period=MONTH, amount=Decimal("1"), reason="Before")
    close(demo)
    with pytest.raises(PeriodClosedError):
        adjustment_create(employee=employee, period=MONTH, amount=Decimal("1"), reason="After")
    with pytest.raises(PeriodClosedError):
        adjustment_delete(adjustment=adjustment)
    assert Adjustment.objects.count() == 1


def test_a_bad_month_is_a_400_page(demo):
    assert signed_in("hr").get(PAGE, {"period": "2026-13"}).status_code == 400


# --- who reaches it -------------------------------------------------------------------------


@pytest.fixture
def ours(demo) -> Adjustment:
    return adjustment_create(employee=person(demo), period=MONTH, amount=Decimal("10"), reason="Ours")


@pytest.fixture
def theirs() -> Adjustment:
    company = CompanyFactory()
    return adjustment_create(employee=EmployeeFactory(company=company), period=MONTH, amount=Decimal("7"), reason="Theirs")


def _pages(adjustment: Adjustment) -> list[tuple[str, str, dict]]:
    return [
        ("get", PAGE, {"period": MONTH}),
        ("post", ADD, add_form(adjustment.employee, reason="Forbidden")),
        ("post", reverse("portal:adjustment_remove", args=[adjustment.pk]), {}),
    ]


@pytest.mark.parametrize("role", ["marketer", "finance"])
def test_marketer_and_finance_get_403_and_change_nothing(ours, role):
    client = signed_in(role)
    for method, url, data in _pages(ours):
        assert getattr(client, method)(url, data).status_code == 403, (method, url)
    assert list(Adjustment.objects.values_list("reason", flat=True)) == ["Ours"]


def test_anonymous_is_sent_to_sign_in(ours):
    for method, url, data in _pages(ours):
        response = getattr(Client(), method)(url, data)
        assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login")), (method, url)
    assert Adjustment.objects.count() == 1


def test_another_companys_adjustments_and_people_are_out_of_reach(ours, theirs):
    hr = signed_in("hr")
    html = hr.get(PAGE, {"period": MONTH}).content.decode()
    assert "Theirs" not in html and theirs.employee.full_name not in html
    assert f'value="{theirs.employee.pk}"' not in html
    assert hr.post(reverse("portal:adjustment_remove", args=[theirs.pk])).status_code == 404
    forged = hr.post(ADD, add_form(theirs.employee, reason="Forged"))
    assert forged.status_code == 400 and "choose a person from the list" in forged.content.decode()
    assert not Adjustment.objects.filter(reason="Forged").exists() and Adjustment.objects.filter(pk=theirs.pk).exists()
