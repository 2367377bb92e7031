"""The suspicious band table is saved and said: in the API's answer and as an admin message."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from rest_framework.test import APIClient

from compensation.demo import seed_demo
from compensation.models import BandTable

pytestmark = pytest.mark.django_db
TYPO = [("0", "0"), ("80", "5"), ("100", "1")]  # "0,5" that became 5


def test_the_api_saves_the_table_and_says_what_looks_wrong():
    seed_demo()
    api = APIClient()
    api.force_authenticate(User.objects.get(username="hr"))
    body = {"name": "Leads, typo", "mode": "step", "points": [{"lower_bound_pct": b, "coefficient": c} for b, c in TYPO]}

    created = api.post("/api/v1/band-tables/", body, format="json")

    assert created.status_code == 201, created.json()
    assert created.json()["warnings"] == [
        "row 3: the coefficient falls from 5 to 1 at 100 %: a higher fulfillment pays less",
        "row 2: the band from 80 % pays 5, more than the top band (1)",
    ]
    table = BandTable.objects.get(name="Leads, typo")
    assert [p.coefficient for p in table.points.all()] == [Decimal(0), Decimal(5), Decimal(1)]
    fixed = api.patch(f"/api/v1/band-tables/{table.pk}/", {"points": [{"lower_bound_pct": "0", "coefficient": "0"}, {"lower_bound_pct": "80", "coefficient": "0.5"}, {"lower_bound_pct": "100", "coefficient": "1"}]}, format="json")
    assert fixed.status_code == 200 and fixed.json()["warnings"] == []


def test_the_admin_saves_the_table_and_warns(admin_client):
    company = seed_demo()
    data = {
        "company": company.pk, "name": "Leads, typo", "mode": "step",
        "points-TOTAL_FORMS": "3", "points-INITIAL_FORMS": "0", "points-MIN_NUM_FORMS": "0", "points-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for n, (bound, coefficient) in enumerate(TYPO):
        data[f"points-{n}-lower_bound_pct"] = bound
        data[f"points-{n}-coefficient"] = coefficient

    response = admin_client.post(reverse("admin:compensation_bandtable_add"), data, follow=True)

    assert BandTable.objects.filter(name="Leads, typo").exists(), response.content.decode()[:2000]
    texts = [str(m) for m in response.context["messages"]]
    assert any("falls from 5" in t for t in texts) and any("more than the top band" in t for t in texts)
