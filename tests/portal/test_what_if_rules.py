"""The what-if's input rules live once, in the domain (`payroll.outlook.what_if_measures_validate`):
the API (`POST /api/v1/me/what-if/`), the portal's JSON endpoint and the dashboard's form refuse
the same values with the same message, keyed by the measure's code (issue 11, item 5)."""

import json

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from engine import Period
from organizations.models import Employee
from payroll.outlook import WHAT_IF_MESSAGES, PayoutOutlook, what_if_measures_validate

pytestmark = pytest.mark.django_db
NOVEMBER = "2026-11"
LONG_CODE = "x" * 1_000


def api_what_if(measures: dict, **extra):
    client = APIClient()
    client.force_authenticate(User.objects.get(username="marketer"))
    return client.post("/api/v1/me/what-if/", {"period": NOVEMBER, "measures": measures}, format="json", **extra)


def portal_client() -> Client:
    client = Client()
    client.force_login(User.objects.get(username="marketer"))
    return client


def portal_what_if(measures: dict, **extra):
    body = json.dumps({"period": NOVEMBER, "measures": measures})
    return portal_client().post(reverse("portal:what_if"), body, content_type="application/json", **extra)


def api_refusal(response) -> dict[str, str]:
    """The API's 400 in the one error shape, as {measure code: message}."""
    assert response.status_code == 400, response.content[:500]
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"} and error["code"] == "invalid"
    assert all(field.startswith("measures.") for field in error["fields"]), error["fields"]
    assert all(len(messages) == 1 for messages in error["fields"].values())
    return {field.removeprefix("measures."): messages[0] for field, messages in error["fields"].items()}


REFUSED = [
    pytest.param({"leads": "-5"}, {"leads": "A count cannot be negative."}, id="negative-count"),
    pytest.param({"no_such_measure": "10"}, {"no_such_measure": "Not a measure of your KPIs."}, id="unknown-measure"),
    pytest.param({"visits": "100"}, {"visits": "Not a measure of your KPIs."}, id="a-measure-my-kpis-do-not-read"),
    pytest.param({LONG_CODE: "1"}, {"x" * 50: "Not a measure of your KPIs."}, id="a-code-no-measure-has"),
    pytest.param({"leads": "many"}, {"leads": "'many' is not a number"}, id="not-a-number"),
    pytest.param({"leads": "NaN"}, {"leads": "'NaN' is not a number"}, id="nan"),
    pytest.param({"leads": ""}, {"leads": "'' is not a number"}, id="empty"),
    pytest.param(
        {"marketing_spend": "1e20"},
        {"marketing_spend": "'1e20' is too large: at most 14 digits before the decimal point"},
        id="too-large",
    ),
    pytest.param({"leads": "1e-30"}, {"leads": "'1e-30' has too many decimal places: at most 4"}, id="too-precise"),
    pytest.param(
        # every bad value at once; a negative amount of money is no count, and allowed
        {"leads": "-1", "visits": "many", "marketing_spend": "-100"},
        {"leads": "A count cannot be negative.", "visits": "Not a measure of your KPIs."},
        id="several",
    ),
]


@pytest.mark.parametrize(("measures", "refusal"), REFUSED)
def test_the_api_and_the_portal_refuse_the_same_values_alike(demo, measures, refusal):
    # when: the same values go to the API, the portal's JSON endpoint and the dashboard's form
    api = api_refusal(api_what_if(measures))
    portal = portal_what_if(measures)
    page = portal_client().get(reverse("portal:dashboard"), {"period": NOVEMBER, **{f"m-{c}": v for c, v in measures.items()}})

    # then: each refuses them with the same message per measure code
    assert api == refusal
    assert portal.status_code == 400 and portal.json() == {"errors": refusal}
    if "" not in measures.values():  # the form leaves an empty field out: the projection stands
        assert page.status_code == 200 and page.context["what_if"] is None
        assert page.context["what_if_errors"] == refusal


def test_the_refusals_read_alike_in_russian(demo):
    measures = {"leads": "-5", "visits": "1", "marketing_spend": "1e20"}
    refusal = {
        "leads": "Количество не может быть отрицательным.",
        "visits": "Этот показатель не входит в ваши KPI.",
        "marketing_spend": "'1e20' — слишком большое число: не больше 14 цифр до запятой",
    }
    assert api_refusal(api_what_if(measures, HTTP_ACCEPT_LANGUAGE="ru")) == refusal
    assert portal_what_if(measures, HTTP_ACCEPT_LANGUAGE="ru").json() == {"errors": refusal}


def test_every_refusal_has_its_russian_translation():
    # the portal's catalogue translates the domain's messages: a message changed in one place
    # and not in portal/locale would reach a Russian user in English
    with translation.override("en"):
        english = [str(message) for message in WHAT_IF_MESSAGES.values()]
    with translation.override("ru"):
        russian = [str(message) for message in WHAT_IF_MESSAGES.values()]
    assert [text for text, translated in zip(english, russian, strict=True) if text == translated] == []


def test_the_api_and_the_portal_accept_the_same_values_alike(demo):
    # 200 leads at 500 ₽ each reach both plans; a negative amount of money is allowed
    for measures, bonus in (({"leads": "200", "marketing_spend": "100000"}, "30000.00"), ({"marketing_spend": "-1"}, None)):
        api, portal = api_what_if(measures), portal_what_if(measures)
        assert api.status_code == 200 and portal.status_code == 200, (api.content[:300], portal.content[:300])
        assert api.json()["payout"]["bonus"] == portal.json()["bonus"]
        if bonus:
            assert portal.json()["bonus"] == bonus


@pytest.mark.parametrize("spend", ["100,000.00", "100 000,00", "100000"])
def test_the_api_and_the_portal_read_grouped_thousands_alike(demo, spend):
    # people type "100,000.00"; the what-if's rule is one, so the API reads it as the portal does
    measures = {"leads": "200", "marketing_spend": spend}
    assert portal_what_if(measures).json()["bonus"] == "30000.00"
    assert api_what_if(measures).json()["payout"]["bonus"] == "30000.00"


def test_an_ambiguous_grouping_is_refused_alike(demo):
    measures = {"leads": "1,2,3"}
    refusal = {"leads": "'1,2,3' is not a number"}
    assert api_refusal(api_what_if(measures)) == refusal
    portal = portal_what_if(measures)
    assert portal.status_code == 400 and portal.json() == {"errors": refusal}


def test_the_domain_names_each_refusal_by_code(demo):
    outlook = PayoutOutlook(employee=Employee.objects.get(company=demo, personnel_number="DEMO-A"), period=Period.parse(NOVEMBER))
    assert list(outlook.measure_units) == ["leads", "marketing_spend"]
    with pytest.raises(ValidationError) as refused:
        what_if_measures_validate(outlook=outlook, measures={"leads": "-5", "visits": "1", "marketing_spend": "1e20"})
    codes = {code: [error.code for error in errors] for code, errors in refused.value.error_dict.items()}
    assert codes == {
        "leads": ["measure_count_negative"],
        "visits": ["what_if_measure_not_read"],
        "marketing_spend": ["number_too_large"],
    }
