"""Issue 10, items 4 and 13 through the API: the four-eyes rule cannot be switched off by the
person it checks, marking paid is finance's step, every change to a company is kept, and a
marketer sees a payout only once its run is approved."""

import pytest
from django.utils import timezone

from organizations.models import Company
from payroll.models import Payout, PayrollRun
from payroll.services import payroll_run_approve
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def company_url(world) -> str:
    return f"/api/v1/companies/{world.demo.ids['companies']}/"


@pytest.mark.parametrize("field", ["four_eyes_approval", "automatic_runs"])
def test_hr_cannot_change_a_superuser_setting(world, api, field):
    company = Company.objects.get(pk=world.demo.ids["companies"])
    before = getattr(company, field)
    response = api("hr").patch(company_url(world), {field: not before}, format="json")
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "permission_denied",
        "message": f"only an administrator may change {field}",
        "fields": {},
    }
    company.refresh_from_db()
    assert getattr(company, field) == before


def test_hr_still_edits_the_rest_of_the_company_and_may_resend_the_settings_unchanged(world, api):
    body = api("hr").get(company_url(world)).json()
    body.update(name="Demo Renamed")
    for nested in ("stages", "calendar_days"):
        body.pop(nested)
    response = api("hr").put(company_url(world), body, format="json")  # four-eyes sent as it is
    assert response.status_code == 200, response.json()
    assert Company.objects.get(pk=world.demo.ids["companies"]).name == "Demo Renamed"


def test_the_superuser_switches_four_eyes_and_history_tells_who_and_when(world, api):
    response = api("superuser").patch(company_url(world), {"four_eyes_approval": False}, format="json")
    assert response.status_code == 200
    history = api("hr").get(f"/api/v1/history/companies/{world.demo.ids['companies']}/")
    assert history.status_code == 200
    newest = history.json()[0]
    assert newest["user"] == world.superuser.username and newest["action"] == "changed"
    assert {"field": "four_eyes_approval", "old": "True", "new": "False"} in newest["changes"]
    assert "config_version" not in {change["field"] for change in newest["changes"]}


def test_a_companys_history_is_not_shown_to_another_company(world, api):
    assert api("hr", "other").get(f"/api/v1/history/companies/{world.demo.ids['companies']}/").status_code == 404
    assert api("marketer").get(f"/api/v1/history/companies/{world.demo.ids['companies']}/").status_code == 403


def test_an_approval_records_whether_four_eyes_was_in_force(world, api):
    october = PayrollRun.objects.get(pk=world.demo.ids["approved-run"])
    assert october.four_eyes_at_approval is True
    assert api("hr").get(f"/api/v1/payroll-runs/{october.pk}/").json()["four_eyes_at_approval"] is True

    Company.objects.filter(pk=world.demo.ids["companies"]).update(four_eyes_approval=False)
    november = PayrollRun.objects.select_related("company").get(pk=world.demo.ids["payroll-runs"])
    approved = payroll_run_approve(run=november, approved_by=november.started_by)  # allowed: the rule is off
    assert approved.four_eyes_at_approval is False
    assert approved.transitions.get(to_status="approved").note == "approved; four-eyes rule off"


def test_hr_cannot_mark_a_run_paid_but_finance_can(world, api):
    url = f"/api/v1/payroll-runs/{world.demo.ids['approved-run']}/mark-paid/"
    refused = api("hr").post(url)
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "only finance may mark a payroll paid"
    assert PayrollRun.objects.get(pk=world.demo.ids["approved-run"]).status == "approved"
    payment = {"payment_date": str(timezone.localdate()), "payment_reference": "BANK-2026-10"}
    assert api("finance").post(url, payment, format="json").json()["status"] == "paid"


@pytest.mark.parametrize("company", ["demo", "other"])
def test_a_marketer_sees_a_payout_only_once_its_run_is_approved(world, company):
    side = world.side(company)
    marketer = client_for(side.users["marketer"])
    calculated, released = side.ids["payouts"], side.ids["released-payout"]
    assert Payout.objects.get(pk=calculated).run.status == "calculated"

    assert marketer.get(f"/api/v1/payouts/{calculated}/").status_code == 404
    assert marketer.get(f"/api/v1/payouts/?run={side.ids['payroll-runs']}").json()["count"] == 0
    assert [row["id"] for row in marketer.get("/api/v1/me/payouts/").json()] == [released]
    assert "trace" in marketer.get(f"/api/v1/payouts/{released}/").json()

    run = PayrollRun.objects.select_related("company").get(pk=side.ids["payroll-runs"])
    approver = side.users["hr"] if run.started_by != side.users["hr"] else side.users["hr2"]
    payroll_run_approve(run=run, approved_by=approver)
    assert marketer.get(f"/api/v1/payouts/{calculated}/").status_code == 200
    assert {row["id"] for row in marketer.get("/api/v1/me/payouts/").json()} == {calculated, released}
