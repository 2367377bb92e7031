"""Issue 15: the marketer's KPI card says where an event-fed measure came from
("3 leads = 4 from amoCRM − 1 not counted"), in the user's language."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from engine import Period
from events.models import Event
from kpis.models import Plan
from payroll.services import payroll_run_start
from portal.selectors import marketer_statement
from tests.events.test_done_when import MONTH, ingest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


def dashboard(language: str = "en") -> tuple[dict, str]:
    client = Client()
    client.force_login(User.objects.get(username="marketer"))
    response = client.get(reverse("portal:dashboard"), {"period": MONTH}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.context, response.content.decode()


@pytest.fixture
def planned(demo):
    """DEMO-A's November plans for December too (a month with no plan shows no KPI cards)."""
    for plan in Plan.objects.filter(employee__company=demo, employee__personnel_number="DEMO-A", period="2026-11"):
        plan.pk, plan.period = None, MONTH
        plan.save()
    return demo


def test_the_leads_card_shows_its_events(planned):
    ingest("amocrm_leads_pages.json", "amocrm")  # DEMO-A (the marketer): 4 leads, one lost (143)
    context, page = dashboard()
    leads = next(card for card in context["cards"] if card["code"] == "leads")
    (fed,) = leads["provenance"]
    assert (fed["code"], fed["total"], fed["sources"]) == ("leads", 3, [{"name": "amoCRM", "received": 4, "not_counted": 1}])
    assert "4 from amoCRM − 1 not counted" in page
    assert "4 из amoCRM − 1 не засчитано" in dashboard("ru")[1]
    assert "amoCRM dan 4 ta − 1 tasi hisobga olinmadi" in dashboard("uz")[1]


def test_without_events_the_card_says_nothing_of_them(planned):
    context, page = dashboard()
    assert context["cards"] and all(card["provenance"] == [] for card in context["cards"])
    assert "not counted" not in page


def test_a_stored_payout_shows_the_events_it_was_computed_from(planned, django_capture_on_commit_callbacks):
    """The closed month's card reads the payout's stored trace: later events change nothing."""
    ingest("amocrm_leads_pages.json", "amocrm")
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = payroll_run_start(company=planned, period=Period.parse(MONTH))
    payout = run.payouts.get(employee__personnel_number="DEMO-A")
    Event.objects.filter(source="amocrm", external_id="32000003").update(counts=False, status="143")  # changed since
    leads = next(card for card in marketer_statement(payout=payout)["cards"] if card["code"] == "leads")
    assert leads["provenance"][0]["sources"] == [{"name": "amoCRM", "received": 4, "not_counted": 1}]
