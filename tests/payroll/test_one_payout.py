"""One payout everywhere (spec §9): the preview, the projection and the what-if of the API and
the portal gather the run's inputs, adjustments included, and show the run's total; example E
(exact, not 28 digits) holds through `preview_payout` and a payroll run."""

import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from compensation.demo import seed_demo
from engine import Period
from kpis.models import MeasureValue, Plan
from organizations.models import Employee
from payroll.models import Payout
from payroll.outlook import PayoutOutlook
from payroll.services import adjustment_create, payroll_run_start

pytestmark = pytest.mark.django_db

NOVEMBER = "2026-11"
AFTER_NOVEMBER = date(2026, 12, 2)  # the run rate is 1 once the period is over


@pytest.fixture
def demo():
    return seed_demo()


@pytest.fixture
def demo_a(demo) -> Employee:
    return Employee.objects.get(company=demo, personnel_number="DEMO-A")


def preview(number: str) -> dict:
    out = StringIO()
    call_command("preview_payout", number, NOVEMBER, "--json", stdout=out)
    return json.loads(out.getvalue())


def preview_text(number: str) -> str:
    out = StringIO()
    call_command("preview_payout", number, NOVEMBER, stdout=out)
    return out.getvalue()


def run_payout(company, employee, django_capture_on_commit_callbacks) -> Payout:
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = payroll_run_start(company=company, period=Period.parse(NOVEMBER))
    run.refresh_from_db()
    assert run.status == "calculated", run.error
    return run.payouts.get(employee=employee)


def set_example_e(employee: Employee) -> None:
    """Spec example E: example A's marketer with plans 7 leads and CPL 1,428.50, recorded 7
    leads and 10,000.00 spend."""
    for code, value in {"leads": "7", "cpl": "1428.50"}.items():
        Plan.objects.filter(employee=employee, period=NOVEMBER, kpi__code=code).update(value=Decimal(value))
    for code, value in {"leads": "7", "marketing_spend": "10000.00"}.items():
        MeasureValue.objects.filter(employee=employee, period=NOVEMBER, measure__code=code).update(value=Decimal(value))


def test_example_e_through_preview_payout_and_a_run(demo, demo_a, eager_celery, django_capture_on_commit_callbacks):
    set_example_e(demo_a)
    payout = preview("DEMO-A")
    k1, k2 = payout["trace"]["bonus"]["factors"]
    assert (k1["percentage"], k1["coefficient"]) == ("100.00", "1.0000")
    assert (k2["percentage"], k2["coefficient"]) == ("100.00", "1.0000")  # exactly 99.995, not 99.99
    assert (payout["bonus"], payout["total"]) == ("30000.00", "60000.00")

    paid = run_payout(demo, demo_a, django_capture_on_commit_callbacks)
    assert (paid.bonus, paid.total) == (Decimal("30000.00"), Decimal("60000.00"))
    assert paid.trace["bonus"]["factors"][1]["percentage"] == "100.00"


@pytest.fixture
def adjusted(demo, demo_a) -> Employee:
    """DEMO-A (example A: total 45,000.00) with two November adjustments."""
    adjustment_create(employee=demo_a, period=NOVEMBER, amount=Decimal("-9298.99"), reason="Advance repaid")
    adjustment_create(employee=demo_a, period=NOVEMBER, amount=Decimal("500.00"), reason="Conference prize")
    return demo_a


ADJUSTED_TOTAL = "36201.01"  # 45,000.00 − 9,298.99 + 500.00


def test_preview_payout_shows_the_adjustments_and_the_runs_total(
    demo, adjusted, eager_celery, django_capture_on_commit_callbacks
):
    payout = preview("DEMO-A")
    assert payout["adjustments"] == "-8798.99"
    assert payout["total"] == ADJUSTED_TOTAL
    assert [(a["amount"], a["reason"]) for a in payout["trace"]["adjustments"]] == [
        ("-9298.99", "Advance repaid"),
        ("500.00", "Conference prize"),
    ]
    text = preview_text("DEMO-A")
    assert "Adjustment -9298.99: Advance repaid" in text
    assert f"Total {ADJUSTED_TOTAL}" in text

    paid = run_payout(demo, adjusted, django_capture_on_commit_callbacks)
    assert str(paid.total) == payout["total"]
    assert str(paid.adjustments) == payout["adjustments"]


def test_projection_and_what_if_carry_the_adjustments(adjusted):
    outlook = PayoutOutlook(employee=adjusted, period=Period.parse(NOVEMBER))
    assert str(outlook.recorded.total) == ADJUSTED_TOTAL
    assert outlook.projection(AFTER_NOVEMBER)["payout"]["total"] == ADJUSTED_TOTAL
    recorded = {code: str(value) for code, value in outlook.data.measures.items()}
    assert outlook.what_if({code: Decimal(value) for code, value in recorded.items()})["payout"]["total"] == ADJUSTED_TOTAL
    # More leads: the bonus changes, the adjustments stay in the total.
    better = outlook.what_if({"marketing_spend": Decimal("100000.00")})["payout"]
    assert Decimal(better["total"]) == Decimal(better["fixed"]) + Decimal(better["bonus"]) + Decimal("-8798.99")


def test_the_api_projection_and_what_if_show_the_runs_total(adjusted):
    api = APIClient()
    api.force_authenticate(User.objects.get(username="marketer"))
    projection = api.get("/api/v1/me/projection/", {"period": NOVEMBER})
    assert projection.status_code == 200, projection.content[:300]
    assert projection.json()["payout"]["adjustments"] == "-8798.99"
    what_if = api.post("/api/v1/me/what-if/", {"period": NOVEMBER, "measures": {"leads": "200"}}, format="json")
    assert what_if.status_code == 200, what_if.content[:300]
    assert what_if.json()["payout"]["total"] == ADJUSTED_TOTAL


def test_the_portal_dashboard_and_what_if_show_the_runs_total(adjusted):
    portal = Client()
    portal.force_login(User.objects.get(username="marketer"))
    page = portal.get(reverse("portal:dashboard"), {"period": NOVEMBER})
    assert page.status_code == 200
    assert page.context["adjustments"] == Decimal("-8798.99")
    assert page.context["total"] == Decimal(ADJUSTED_TOTAL)
    what_if = portal.get(reverse("portal:dashboard"), {"period": NOVEMBER, "m-leads": "200"})
    assert what_if.context["what_if"]["total"] == Decimal(ADJUSTED_TOTAL)
