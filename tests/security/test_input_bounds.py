"""Hostile input to the API and the portal gets a 400 in the one error shape, fast, never a
500 (issue 10, items 5 and 9): huge exponents in rows and bulk requests, hostile numbers in
the what-if, periods past year 2100, JSON nested 1,000 deep, bodies over the limit; and the
bulk endpoints' documented maximum is one a client can send."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from core.parsers import json_loads_bounded
from kpis.apis import BULK_MAX_ITEMS
from kpis.models import Measure, MeasureValue, Plan
from organizations.models import Employee
from tests.factories import EmployeeFactory
from tests.security.support import HUGE, TINY, client_for, error_of, fast, item

pytestmark = pytest.mark.django_db


# --- item 5: huge exponents --------------------------------------------------------------


@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize("resource", ["measure-values", "plans"])
def test_the_bulk_api_refuses_a_huge_exponent_fast_with_a_short_body(demo, resource, value):
    with fast(2):
        response = client_for("hr").post(f"/api/v1/{resource}/bulk/", {"items": [item(value=value)]}, format="json")
    error = error_of(response, 400)
    assert list(error["fields"]) == ["items[0].value"]
    assert value[:12] in error["fields"]["items[0].value"][0]
    assert len(response.content) < 1_000
    assert not MeasureValue.objects.filter(period="2026-12").exists() and not Plan.objects.filter(period="2026-12").exists()


@pytest.mark.parametrize("value", [*HUGE, *TINY, "1" * 5_000])
def test_a_measure_value_row_refuses_what_its_column_cannot_hold(demo, value):
    body = {
        "employee": Employee.objects.get(company=demo, personnel_number="DEMO-A").pk,
        "period": "2026-12",
        "measure": Measure.objects.get(company=None, code="leads").pk,
        "value": value,
    }
    with fast(2):
        response = client_for("hr").post("/api/v1/measure-values/", body, format="json")
    error = error_of(response, 400)
    assert list(error["fields"]) == ["value"]
    assert len(response.content) < 1_000


def test_a_measure_value_row_keeps_reading_plain_numbers(demo):
    body = {
        "employee": Employee.objects.get(company=demo, personnel_number="DEMO-A").pk,
        "period": "2026-12",
        "measure": Measure.objects.get(company=None, code="leads").pk,
        "value": "12.50000",
    }
    response = client_for("hr").post("/api/v1/measure-values/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["value"] == "12.5000"



# --- item 9: the what-if, periods, JSON depth, bodies ---------------------------------------


@pytest.mark.parametrize("value", [*TINY, "1e999999999", "-1e999999999"])
def test_the_api_what_if_refuses_hostile_numbers_with_a_400(demo, value):
    response = client_for("marketer").post(
        "/api/v1/me/what-if/", {"period": "2026-11", "measures": {"leads": value}}, format="json"
    )
    error = error_of(response, 400)
    assert list(error["fields"]) == ["measures.leads"]
    assert len(response.content) < 1_000


LARGEST = Decimal("99999999999999.9999")
column_values = st.one_of(
    st.sampled_from([Decimal(0), Decimal("0.0001"), Decimal("-0.0001"), LARGEST, -LARGEST]),
    st.decimals(min_value=-LARGEST, max_value=LARGEST, places=4, allow_nan=False, allow_infinity=False),
)


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(leads=column_values, spend=column_values, period=st.sampled_from(["1900-01", "2026-11", "2026-12", "2100-12"]))
def test_the_what_if_answers_every_value_a_measure_column_holds(demo, leads, spend, period):
    """Whatever the engine makes of it (a CPL of 10^18), never a 500; a negative count, or a
    measure in a month the marketer has no KPIs (1900), is refused by the API and the portal alike."""
    measures = {"leads": f"{leads:f}", "marketing_spend": f"{spend:f}"}
    response = client_for("marketer").post("/api/v1/me/what-if/", {"period": period, "measures": measures}, format="json")
    refused = leads < 0 or period == "1900-01"
    assert response.status_code == (400 if refused else 200), response.content[:300]
    portal = Client()
    portal.force_login(User.objects.get(username="marketer"))
    body = json.dumps({"period": period, "measures": measures})
    assert portal.post(reverse("portal:what_if"), body, content_type="application/json").status_code == response.status_code


def test_the_api_what_if_still_works_at_the_columns_extremes(demo):
    client = client_for("marketer")
    for measures in ({"leads": "0.0001", "marketing_spend": "99999999999999.9999"}, {"leads": "99999999999999.9999"}):
        response = client.post("/api/v1/me/what-if/", {"period": "2026-11", "measures": measures}, format="json")
        assert response.status_code == 200, response.content[:300]


@pytest.mark.parametrize("value", [*TINY, "1e999999999", "-1e999999999"])
def test_the_portal_what_if_refuses_hostile_numbers_by_field(demo, value):
    client = Client()
    client.force_login(User.objects.get(username="marketer"))
    body = json.dumps({"period": "2026-11", "measures": {"leads": value}})
    response = client.post(reverse("portal:what_if"), body, content_type="application/json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["leads"]
    page = client.get(reverse("portal:dashboard"), {"period": "2026-11", "m-leads": value})
    assert page.status_code == 200
    assert list(page.context["what_if_errors"]) == ["leads"] and page.context["what_if"] is None


def test_the_portal_what_if_reads_the_users_number_formats_and_bounds_codes(demo):
    client = Client()
    client.force_login(User.objects.get(username="marketer"))
    body = json.dumps({"period": "2026-11", "measures": {"leads": "200", "marketing_spend": "100,000.00"}})
    assert client.post(reverse("portal:what_if"), body, content_type="application/json").status_code == 200
    body = json.dumps({"period": "2026-11", "measures": {"x" * 100_000: "1"}})
    response = client.post(reverse("portal:what_if"), body, content_type="application/json")
    assert response.status_code == 400 and len(response.content) < 1_000


@pytest.mark.parametrize("period", ["9999-12", "0000-01", "2101-01"])
def test_a_period_out_of_range_is_a_400_on_the_projection_and_the_what_if(demo, period):
    client = client_for("marketer")
    error = error_of(client.get("/api/v1/me/projection/", {"period": period}), 400)
    assert list(error["fields"]) == ["period"] and "out of range" in error["message"]
    response = client.post("/api/v1/me/what-if/", {"period": period, "measures": {"leads": "1"}}, format="json")
    assert list(error_of(response, 400)["fields"]) == ["period"]
    portal = Client()
    portal.force_login(User.objects.get(username="marketer"))
    assert portal.get(reverse("portal:dashboard"), {"period": period}).status_code == 400
    response = portal.post(
        reverse("portal:what_if"), json.dumps({"period": period, "measures": {}}), content_type="application/json"
    )
    assert response.status_code == 400 and "period" in response.json()["errors"]


def test_the_last_period_in_range_still_answers(demo):
    client = client_for("marketer")
    assert client.get("/api/v1/me/projection/", {"period": "2100-12"}).status_code == 200
    response = client.post("/api/v1/me/what-if/", {"period": "2100-12", "measures": {"leads": "1"}}, format="json")
    assert response.status_code == 200


DEEP = "[" * 1_000 + "]" * 1_000


@pytest.mark.parametrize(
    ("path", "username"),
    [
        ("/api/v1/me/what-if/", "marketer"),
        ("/api/v1/measure-values/bulk/", "hr"),
        ("/api/v1/employees/", "hr"),
        ("/api/v1/auth/token/", None),  # DRF's own view with DRF's own JSON parser: the handler's RecursionError
    ],
)
def test_json_nested_a_thousand_deep_is_a_400(demo, path, username):
    client = client_for(username) if username else APIClient()
    error = error_of(client.post(path, DEEP, content_type="application/json"), 400)
    assert error["code"] == "parse_error"


def test_json_nesting_is_bounded_by_the_setting():
    limit = settings.INPUT_MAX_JSON_DEPTH
    assert json_loads_bounded("[" * limit + "]" * limit) is not None
    for text in ("[" * (limit + 1) + "]" * (limit + 1), '{"a": ' * (limit + 1) + "1" + "}" * (limit + 1), DEEP, "NaN"):
        with pytest.raises(ValueError):
            json_loads_bounded(text)


def test_the_portal_what_if_refuses_deep_json(demo):
    client = Client()
    client.force_login(User.objects.get(username="marketer"))
    response = client.post(reverse("portal:what_if"), DEEP, content_type="application/json")
    assert response.status_code == 400 and "__all__" in response.json()["errors"]


def test_an_oversized_body_gets_the_apis_json_error(demo):
    big = json.dumps({"items": [item()] * 40_000})  # ~3.3 MB, over the default 2.5 MB
    assert len(big) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    error = error_of(client_for("hr").post("/api/v1/measure-values/bulk/", big, content_type="application/json"), 413)
    assert error["code"] == "request_too_large"


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/v1/auth/token/", "application/x-www-form-urlencoded"),
        ("/api/v1/employees/", "application/x-www-form-urlencoded"),
        ("/api/v1/employees/", "multipart/form-data; boundary=xyz"),
    ],
)
def test_an_oversized_form_or_multipart_body_gets_the_apis_json_error(demo, settings, path, content_type):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = "username=" + "u" * 20_000
    if content_type.startswith("multipart"):  # a file: Django would stream it to disk whatever its size
        body = f'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n{"u" * 20_000}\r\n--xyz--\r\n'
    client = APIClient() if path == "/api/v1/auth/token/" else client_for("hr")
    error = error_of(client.post(path, body, content_type=content_type), 413)
    assert error["code"] == "request_too_large"


def test_the_portal_keeps_its_html_for_an_oversized_body(demo, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client = Client()
    client.force_login(User.objects.get(username="marketer"))
    body = json.dumps({"period": "2026-11", "measures": {"leads": "1" * 20_000}})
    response = client.post(reverse("portal:what_if"), body, content_type="application/json")
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")


# --- the documented bulk limit can be reached ----------------------------------------------


def test_the_documented_bulk_maximum_of_long_rows_fits_in_the_body_limit():
    longest = item(number="N" * 50, code="c" * 50, value="-99999999999999.9999")
    body = json.dumps({"company": 2**31, "items": [longest] * BULK_MAX_ITEMS})
    assert len(body.encode()) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_the_bulk_maximum_is_accepted_and_one_more_is_refused(demo):
    numbers = [f"BULK-{n}" for n in range(5)]
    for number in numbers:
        EmployeeFactory(company=demo, personnel_number=number)
    periods = [f"{year}-{month:02d}" for year in range(1910, 2100) for month in range(1, 13)]
    items = [item(number, period, "leads", "1") for number in numbers for period in periods][:BULK_MAX_ITEMS]
    assert len(items) == BULK_MAX_ITEMS
    client = client_for("hr")

    error = error_of(client.post("/api/v1/measure-values/bulk/", {"items": [*items, item()]}, format="json"), 400)
    assert list(error["fields"]) == ["items"] and str(BULK_MAX_ITEMS) in error["fields"]["items"][0]

    with fast(120):
        response = client.post("/api/v1/measure-values/bulk/", {"items": items}, format="json")
    assert response.status_code == 200, response.content[:500]
    assert response.json()["created"] == BULK_MAX_ITEMS


# --- numbers sent as JSON numbers, and the admin's forms ------------------------------------


@pytest.mark.parametrize("raw", ["1e999999999", "-1e999999999", "1e-30", "1" + "0" * 4_000])
def test_json_numbers_that_are_no_value_a_column_holds_are_refused_too(demo, raw):
    # a JSON float overflows to inf, an integer of 4,000 digits is exact: neither is stored
    bulk = '{"items": [{"personnel_number": "DEMO-A", "period": "2026-12", "code": "leads", "value": ' + raw + "}]}"
    with fast(2):
        response = client_for("hr").post("/api/v1/measure-values/bulk/", bulk, content_type="application/json")
    assert list(error_of(response, 400)["fields"]) == ["items[0].value"]
    what_if = '{"period": "2026-11", "measures": {"leads": ' + raw + "}}"
    response = client_for("marketer").post("/api/v1/me/what-if/", what_if, content_type="application/json")
    assert list(error_of(response, 400)["fields"]) == ["measures.leads"]
    assert len(response.content) < 1_000


def test_an_integer_json_cannot_hold_is_a_parse_error(demo):
    body = '{"period": "2026-11", "measures": {"leads": ' + "9" * 5_000 + "}}"
    error = error_of(client_for("marketer").post("/api/v1/me/what-if/", body, content_type="application/json"), 400)
    assert error["code"] == "parse_error" and len(error["message"]) < 300


def test_the_admin_form_refuses_a_huge_exponent_fast(demo):
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    body = {
        "employee": Employee.objects.get(company=demo, personnel_number="DEMO-A").pk,
        "period": "2026-12",
        "measure": Measure.objects.get(company=None, code="leads").pk,
        "value": "1e999999999",
    }
    with fast(3):
        response = client.post(reverse("admin:kpis_measurevalue_add"), body)
    assert response.status_code == 200 and response.context["adminform"].form.errors["value"]
    assert len(response.content) < 500_000
    assert not MeasureValue.objects.filter(period="2026-12").exists()


def test_drf_messages_that_quote_the_input_are_cut_short(demo):
    # DRF's ChoiceField says '"<input>" is not a valid choice.'; a dict field is named by its key
    response = client_for("hr").post("/api/v1/measures/", {"code": "x", "name": "x", "unit": "u" * 100_000}, format="json")
    assert error_of(response, 400)["fields"]["unit"] and len(response.content) < 2_000
    body = {"period": "2026-11", "measures": {"k" * 100_000: ["not text"]}}
    response = client_for("marketer").post("/api/v1/me/what-if/", body, format="json")
    assert error_of(response, 400)["fields"] and len(response.content) < 2_000


def test_a_form_of_too_many_fields_is_a_400_in_the_error_shape(demo):
    body = "&".join(f"f{n}=1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = APIClient().post("/api/v1/auth/token/", body, content_type="application/x-www-form-urlencoded")
    assert error_of(response, 400)["code"] == "parse_error"


def test_the_portal_says_which_limit_in_the_users_language(demo):
    client = Client()
    client.force_login(User.objects.get(username="marketer"))
    body = json.dumps({"period": "2026-11", "measures": {"leads": "1e-30", "marketing_spend": "1e20"}})
    errors = client.post(reverse("portal:what_if"), body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="ru").json()[
        "errors"
    ]
    assert errors == {
        "leads": "'1e-30' — слишком много знаков после запятой: не больше 4",
        "marketing_spend": "'1e20' — слишком большое число: не больше 14 цифр до запятой",
    }
