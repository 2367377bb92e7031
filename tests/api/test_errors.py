"""Every refusal comes back in one shape, {"error": {"code", "message", "fields"}}: domain
rules as 400 naming the field or row, state conflicts of a payroll run as 409 with the
service's code, unknown rows as 404."""

from __future__ import annotations

from decimal import Decimal

import pytest

from payroll.models import Adjustment, PayrollRun
from payroll.services import FOUR_EYES, PERIOD_CLOSED, RUN_FROZEN, RUN_NOT_APPROVED, RUN_NOT_CALCULATED
from tests.api.conftest import client_for
from tests.api.test_roles import catalogue_kpi, catalogue_measure, create_body

pytestmark = pytest.mark.django_db


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


@pytest.fixture
def hr(api):
    return api("hr")


def post(client, resource: str, body: dict):
    return client.post(f"/api/v1/{resource}/", body, format="json")


# (what is wrong, resource, body for the demo company, field named, words of the message)
INVALID = [
    (
        "weights sum to 0.95",
        "kpi-sets",
        lambda d: {**create_body("kpi-sets", d), "items": [
            {"kpi": catalogue_kpi("leads"), "weight": "0.5"}, {"kpi": catalogue_kpi("cpl"), "weight": "0.45"},
        ]},
        "__all__",
        "weights sum to 0.95, they must sum to 1",
    ),
    (
        "a KPI twice in a set",
        "kpi-sets",
        lambda d: {**create_body("kpi-sets", d), "items": [
            {"kpi": catalogue_kpi("leads"), "weight": "0.5"}, {"kpi": catalogue_kpi("leads"), "weight": "0.5"},
        ]},
        "items[1].kpi",
        "",
    ),
    (
        "a KPI set with no items",
        "kpi-sets",
        lambda d: {**create_body("kpi-sets", d), "items": []},
        "__all__",
        "",
    ),
    (
        "the third band below the second",
        "band-tables",
        lambda d: {**create_body("band-tables", d), "points": [
            {"lower_bound_pct": "0", "coefficient": "0"},
            {"lower_bound_pct": "80", "coefficient": "0.5"},
            {"lower_bound_pct": "70", "coefficient": "1"},
        ]},
        "points[2].lower_bound_pct",
        "row 3",
    ),
    (
        "a band table that does not start at 0",
        "band-tables",
        lambda d: {**create_body("band-tables", d), "points": [{"lower_bound_pct": "10", "coefficient": "0"}]},
        "points[0].lower_bound_pct",
        "",
    ),
    (
        "a negative coefficient",
        "band-tables",
        lambda d: {**create_body("band-tables", d), "points": [{"lower_bound_pct": "0", "coefficient": "-1"}]},
        "points[0].coefficient",
        "",
    ),
    (
        "a formula that does not parse",
        "kpis",
        lambda d: {"code": "broken", "name": "Broken", "formula": "leads / (orders"},
        "formula",
        "position",
    ),
    (
        "a formula over an unknown measure",
        "kpis",
        lambda d: {"code": "broken", "name": "Broken", "formula": "leads / unicorns"},
        "formula",
        "unicorns",
    ),
    (
        "a KPI with a measure and a formula",
        "kpis",
        lambda d: {"code": "both", "name": "Both", "formula": "leads", "measure": catalogue_measure("leads")},
        "formula",
        "not both",
    ),
    (
        "a factor on a KPI without the KPI",
        "bonus-schemes",
        lambda d: {**create_body("bonus-schemes", d), "factors": [
            {"name": "k1", "input_kind": "kpi", "band_table": d.ids["band-tables"]},
        ]},
        "factors[0].kpi",
        "choose the KPI",
    ),
    (
        "the second factor on a KPI set without the set",
        "bonus-schemes",
        lambda d: {**create_body("bonus-schemes", d), "factors": [
            {"name": "k1", "input_kind": "kpi", "kpi": catalogue_kpi("leads"), "band_table": d.ids["band-tables"]},
            {"name": "k2", "input_kind": "kpi_set", "band_table": d.ids["band-tables"]},
        ]},
        "factors[1].kpi_set",
        "",
    ),
    (
        "a scheme with no factors",
        "bonus-schemes",
        lambda d: {**create_body("bonus-schemes", d), "factors": []},
        "__all__",
        "at least one factor",
    ),
    (
        "a fixed-amount base without the amount",
        "bonus-schemes",
        lambda d: {**create_body("bonus-schemes", d), "base_kind": "fixed_amount"},
        "base_amount",
        "",
    ),
    ("a plan of 0", "plans", lambda d: {**create_body("plans", d), "value": "0"}, "value", "greater than 0"),
    ("a negative plan", "plans", lambda d: {**create_body("plans", d), "value": "-5"}, "value", "greater than 0"),
    ("month 13", "plans", lambda d: {**create_body("plans", d), "period": "2026-13"}, "period", ""),
    ("a period that is no month", "measure-values", lambda d: {**create_body("measure-values", d), "period": "Nov"}, "period", ""),
    (
        "a negative count",
        "measure-values",
        lambda d: {**create_body("measure-values", d), "value": "-1"},
        "value",
        "cannot be negative",
    ),
    (
        "a duplicate personnel number",
        "employees",
        lambda d: {**create_body("employees", d), "personnel_number": "DEMO-A"},
        "personnel_number",
        "",
    ),
    (
        "fired before hired",
        "employees",
        lambda d: {**create_body("employees", d), "termination_date": "2025-01-01"},
        "termination_date",
        "before the hire date",
    ),
    ("a negative salary", "salary-agreements", lambda d: {**create_body("salary-agreements", d), "monthly_amount": "-1"}, "monthly_amount", ""),
    ("stage 6", "company-stages", lambda d: {**create_body("company-stages", d), "stage": 6}, "stage", ""),
    ("an adjustment of 0", "adjustments", lambda d: {**create_body("adjustments", d), "amount": "0"}, "__all__", ""),
    ("a run of a bad period", "payroll-runs", lambda d: {"period": "2026-00"}, "period", ""),
    ("a currency in lower case", "companies", lambda d: {"name": "X", "slug": "x", "currency": "rub"}, "currency", "three capitals"),
]


@pytest.mark.parametrize(("resource", "body", "field", "words"), [row[1:] for row in INVALID], ids=[row[0] for row in INVALID])
def test_a_broken_rule_is_a_400_naming_the_field(world, api, resource, body, field, words):
    client = api("superuser") if resource == "companies" else api("hr")

    error = error_of(post(client, resource, body(world.demo)), 400)

    assert error["code"] == "invalid"
    assert field in error["fields"], error["fields"]
    assert words in " ".join(error["fields"][field])
    assert error["message"]


def test_the_weights_message_is_the_domains(world, hr):
    body = {**create_body("kpi-sets", world.demo), "items": [
        {"kpi": catalogue_kpi("leads"), "weight": "0.5"}, {"kpi": catalogue_kpi("cpl"), "weight": "0.45"},
    ]}
    error = error_of(post(hr, "kpi-sets", body), 400)
    assert error["fields"]["__all__"] == ["weights sum to 0.95, they must sum to 1"]
    assert error["message"] == "weights sum to 0.95, they must sum to 1"


def test_a_formula_error_says_where(world, hr):
    error = error_of(post(hr, "kpis", {"code": "broken", "name": "Broken", "formula": "leads / (orders"}), 400)
    (message,) = error["fields"]["formula"]
    assert "position" in message and any(ch.isdigit() for ch in message)


def test_an_update_is_checked_like_a_create(world, hr):
    plan = world.demo.ids["plans"]
    error = error_of(hr.patch(f"/api/v1/plans/{plan}/", {"value": "0"}, format="json"), 400)
    assert "value" in error["fields"]


def test_renaming_to_a_taken_number_is_refused_and_keeping_ones_own_is_not(world, hr):
    employee = world.demo.ids["employees"]
    taken = error_of(hr.patch(f"/api/v1/employees/{employee}/", {"personnel_number": "DEMO-B"}, format="json"), 400)
    assert "personnel_number" in taken["fields"]
    same = hr.patch(f"/api/v1/employees/{employee}/", {"personnel_number": "DEMO-A", "full_name": "A"}, format="json")
    assert same.status_code == 200


def test_what_if_names_the_measure_that_is_no_number(world, api):
    response = api("marketer").post(
        "/api/v1/me/what-if/", {"period": "2026-11", "measures": {"leads": "many"}}, format="json"
    )
    error = error_of(response, 400)
    assert "measures.leads" in error["fields"]


@pytest.mark.parametrize("url", ["me/projection/?period=2026-13", "me/plans/?period=soon", "me/measures/?period=2026"])
def test_a_bad_period_in_the_query_is_a_400(world, api, url):
    error = error_of(api("marketer").get(f"/api/v1/{url}"), 400)
    assert "period" in error["fields"]


# --- a payroll run's state ------------------------------------------------------------


def test_an_approved_run_is_not_recalculated(world, hr):
    error = error_of(hr.post(f"/api/v1/payroll-runs/{world.demo.ids['approved-run']}/recalculate/"), 409)
    assert error["code"] == RUN_FROZEN


def test_an_approved_run_is_not_cancelled(world, hr):
    error = error_of(hr.post(f"/api/v1/payroll-runs/{world.demo.ids['approved-run']}/cancel/"), 409)
    assert error["code"] == RUN_FROZEN


def test_an_approved_run_is_not_approved_again(world, hr):
    error = error_of(hr.post(f"/api/v1/payroll-runs/{world.demo.ids['approved-run']}/approve/"), 409)
    assert error["code"] == RUN_FROZEN


def test_a_calculated_run_is_not_marked_paid(world, api):
    error = error_of(api("finance").post(f"/api/v1/payroll-runs/{world.demo.ids['payroll-runs']}/mark-paid/"), 409)
    assert error["code"] == RUN_NOT_APPROVED


def test_no_adjustment_for_an_approved_period(world, hr):
    body = {**create_body("adjustments", world.demo), "period": "2026-10"}
    error = error_of(post(hr, "adjustments", body), 409)
    assert error["code"] == PERIOD_CLOSED
    assert not Adjustment.objects.filter(period="2026-10").exists()


def test_an_adjustment_of_an_approved_period_is_not_deleted(world, hr):
    employee_id = world.demo.ids["employees"]
    adjustment = Adjustment.objects.create(employee_id=employee_id, period="2026-10", amount=Decimal(1), reason="before")
    error = error_of(hr.delete(f"/api/v1/adjustments/{adjustment.pk}/"), 409)
    assert error["code"] == PERIOD_CLOSED
    assert Adjustment.objects.filter(pk=adjustment.pk).exists()


def test_four_eyes_the_starter_does_not_approve(world):
    run = world.demo.ids["payroll-runs"]  # started by hr2
    error = error_of(client_for(world.demo.users["hr2"]).post(f"/api/v1/payroll-runs/{run}/approve/"), 409)
    assert error["code"] == FOUR_EYES
    assert PayrollRun.objects.get(pk=run).status == "calculated"


def test_four_eyes_the_one_who_recalculated_does_not_approve(world, hr, django_capture_on_commit_callbacks):
    run = world.demo.ids["payroll-runs"]
    with django_capture_on_commit_callbacks(execute=True):
        assert hr.post(f"/api/v1/payroll-runs/{run}/recalculate/").status_code == 200

    error = error_of(hr.post(f"/api/v1/payroll-runs/{run}/approve/"), 409)

    assert error["code"] == FOUR_EYES


def test_starting_a_run_that_exists_returns_it(world, hr):
    response = hr.post("/api/v1/payroll-runs/", {"period": "2026-11"}, format="json")
    assert response.status_code == 200 and response.json()["id"] == world.demo.ids["payroll-runs"]


def test_the_sheet_of_a_run_not_yet_calculated_is_a_409(world, hr):
    started = hr.post("/api/v1/payroll-runs/", {"period": "2027-01"}, format="json")  # queued: nothing ran it
    assert started.status_code == 201 and started.json()["status"] == "queued"

    error = error_of(hr.get(f"/api/v1/payroll-runs/{started.json()['id']}/sheet/"), 409)

    assert error["code"] == RUN_NOT_CALCULATED


def test_a_marketers_payslip_waits_for_approval(world, api):
    error = error_of(api("marketer").get(f"/api/v1/payouts/{world.demo.ids['payouts']}/payslip/"), 404)
    assert error["code"] == "not_found"


def test_the_superuser_names_the_company_of_a_run(world, api):
    error = error_of(api("superuser").post("/api/v1/payroll-runs/", {"period": "2027-02"}, format="json"), 400)
    assert "company" in error["fields"]


# --- requests that are not understood, rows that are not there --------------------------


def test_malformed_json_is_a_400_in_the_error_shape(world, hr):
    response = hr.generic("POST", "/api/v1/employees/", "{not json", content_type="application/json")
    error = error_of(response, 400)
    assert error["code"] == "parse_error"


def test_a_body_that_is_no_object_is_a_400(world, hr):
    response = hr.generic("POST", "/api/v1/band-tables/", "[1, 2]", content_type="application/json")
    assert error_of(response, 400)["code"] == "invalid"


@pytest.mark.parametrize(
    "url",
    [
        "employees/999999/",
        "payroll-runs/999999/",
        "payouts/999999/",
        "payroll-runs/999999/warnings/",
        "history/employees/999999/",
        "history/unicorns/1/",
        "employees/?page=99",
    ],
)
def test_an_unknown_row_is_a_404_in_the_error_shape(world, hr, url):
    assert error_of(hr.get(f"/api/v1/{url}"), 404)["code"] == "not_found"


def test_a_row_still_in_use_is_not_deleted(world, hr):
    error = error_of(hr.delete(f"/api/v1/employees/{world.demo.ids['employees']}/"), 409)
    assert error["code"] == "in_use"
    assert "payout" in error["message"]


def test_a_filter_value_of_the_wrong_kind_is_a_400(world, hr):
    error = error_of(hr.get("/api/v1/plans/", {"employee": "abc"}), 400)
    assert "employee" in error["fields"]


def test_an_unknown_method_is_a_405_in_the_error_shape(world, hr):
    response = hr.put(f"/api/v1/adjustments/{world.demo.ids['adjustments']}/", {}, format="json")
    assert error_of(response, 405)["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/history/employees/abc/"),
        ("put", "/api/v1/employees/1.5/"),
        ("get", "/api/v1/unicorns/"),
        ("post", "/api/v2/employees/"),
    ],
)
def test_an_address_no_route_serves_is_a_404_in_the_error_shape(world, hr, method, url):
    response = getattr(hr, method)(url, {}, format="json") if method != "get" else hr.get(url)
    assert error_of(response, 404)["code"] == "not_found"


def test_a_get_without_the_final_slash_is_redirected(world, hr):
    response = hr.get("/api/v1/employees", {"page": 1})
    assert response.status_code == 301 and response["Location"] == "/api/v1/employees/?page=1"


def test_a_post_without_the_final_slash_is_told_so(world, hr):
    error = error_of(hr.post("/api/v1/employees", {}, format="json"), 404)
    assert "slash" in error["message"]


@pytest.mark.parametrize("kind", ["plans", "measure-values"])
@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"personnel_number": "DEMO-A\\u0000", "period": "2026-12", "code": "leads", "value": "1"}', "items[0].personnel_number"),
        ('{"personnel_number": "DEMO-A\\ud800", "period": "2026-12", "code": "leads", "value": "1"}', "items[0].personnel_number"),
        ('{"personnel_number": "DEMO-A", "period": "2026-12", "code": "leads", "value": "1", "x\\u0000": "1"}', "items[0]"),
    ],
    ids=["a NUL in a value", "a lone surrogate", "a NUL in a column name"],
)
def test_bulk_refuses_text_the_database_cannot_hold(world, hr, kind, raw, field):
    body = '{"items": [' + raw + "]}"
    response = hr.generic("POST", f"/api/v1/{kind}/bulk/", body, content_type="application/json")
    assert field in error_of(response, 400)["fields"]


def test_the_superuser_adds_to_the_catalogue_with_no_company(world, api):
    response = post(api("superuser"), "measures", {"company": None, "code": "calls", "name": "Calls"})
    assert response.status_code == 201 and response.json()["company"] is None


def test_the_superuser_names_the_company_of_a_row(world, api):
    error = error_of(post(api("superuser"), "employees", {**create_body("employees", world.demo), "company": None}), 400)
    assert "company" in error["fields"]


@pytest.mark.parametrize(
    ("credentials", "code"),
    [({}, "not_authenticated"), ({"HTTP_AUTHORIZATION": "Token 0123456789abcdef"}, "authentication_failed")],
    ids=["none", "unknown token"],
)
def test_a_request_without_valid_credentials_is_told_to_authenticate(world, credentials, code):
    from rest_framework.test import APIClient

    response = APIClient().get("/api/v1/me/projection/", **credentials)

    assert error_of(response, 401)["code"] == code
    assert response["WWW-Authenticate"] == "Token"


def test_a_signed_in_session_still_reaches_the_api(world, api):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(world.user("marketer"))
    assert client.get("/api/v1/me/").status_code == 200
