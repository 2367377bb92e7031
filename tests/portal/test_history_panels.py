"""HR's "Who changed what" panels (issue 14: what HR read in the admin's History) and the
plans/actuals page's recent imports, each for the HR user's own company only."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from compensation.models import BandTable, BonusScheme
from compensation.services import band_table_save
from core.history import recent_changes
from kpis.models import ImportLog, Kpi, KpiSet
from kpis.services import kpi_save
from organizations.models import CompanyMembership, Employee
from portal.formatting import format_money
from portal.history import SHOWN
from tests.factories import CompanyFactory, band_table, catalogue_kpi
from tests.portal.test_builder import SEED_BANDS, band_post, scheme_post
from tests.portal.test_kpi_definitions import kpi_form
from tests.portal.test_kpi_sets import set_form
from tests.portal.test_plans_grid import NOVEMBER, upload

pytestmark = pytest.mark.django_db
D = Decimal


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def panel(html: str) -> str:
    """The history panel's rows, tags removed, spaces collapsed."""
    start = html.index('data-testid="history-panel"')
    section = html[start : html.index("</section>", start)]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))


def entries(html: str) -> list[str]:
    start = html.index('data-testid="history-panel"')
    section = html[start : html.index("</section>", start)]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)) for row in section.split("<tr>")[2:]]


@pytest.fixture
def stranger_hr(demo):
    """HR of another company, with a band table of its own."""
    company = CompanyFactory(name="Elsewhere LLC")
    user = User.objects.create_user("stranger", password="x", first_name="Stella", last_name="Stranger")
    CompanyMembership.objects.create(user=user, company=company, role="hr")
    return user, band_table(company, [(0, 1)], name="Their bands")


def test_a_band_table_saved_twice_shows_the_coefficient_old_and_new_and_who(demo):
    created = signed_in("hr").post(reverse("portal:band_table_create"), band_post("History bands", [("0", "0"), ("80", "0,5"), ("100", "1")]))
    table = BandTable.objects.get(company=demo, name="History bands")
    assert created.status_code == 302

    signed_in("hr2").post(reverse("portal:band_table", args=[table.pk]), band_post("History bands", [("0", "0"), ("80", "0,8"), ("100", "1")]))

    rows = entries(signed_in("hr").get(reverse("portal:band_table", args=[table.pk])).content.decode())
    assert "Harry HR" in rows[0] and "Band row from 80 %" in rows[0] and "Coefficient: 0.5 → 0.8" in rows[0]
    assert "changed" in rows[0]
    assert any("Hanna HR" in row and "Band table History bands" in row and "created" in row and "Mode: Step" in row for row in rows)
    assert not any("deleted" in row for row in rows)  # the row kept its history


def test_the_scheme_page_shows_its_own_and_its_factors_changes_by_name(demo):
    table = BandTable.objects.get(company=demo, name=SEED_BANDS)
    leads, cpl = catalogue_kpi("leads"), catalogue_kpi("cpl")
    factors = [("k1", 1, f"kpi:{leads.pk}", table.pk), ("k2", 2, f"kpi:{leads.pk}", table.pk)]
    signed_in("hr").post(reverse("portal:scheme_create"), scheme_post("History scheme", factors, cap="1,5"))
    scheme = BonusScheme.objects.get(company=demo, name="History scheme")
    first_factors = list(scheme.factors.values_list("pk", flat=True))

    factors[1] = ("k2", 2, f"kpi:{cpl.pk}", table.pk)
    signed_in("hr2").post(reverse("portal:scheme", args=[scheme.pk]), scheme_post("History scheme", factors, cap="2"))

    assert list(scheme.factors.values_list("pk", flat=True)) == first_factors  # kept, so their history goes on
    text = panel(signed_in("hr").get(reverse("portal:scheme", args=[scheme.pk])).content.decode())
    assert f"KPI: {leads.name} → {cpl.name}" in text and "Factor k2" in text
    assert "Cap: 1.5 → 2" in text and "Harry HR" in text
    assert not re.search(r"KPI: \d", text)  # names, never ids
    assert "Bonus scheme: History scheme" not in text  # a factor's scheme is the page's


def test_the_kpi_set_form_shows_its_items_weights_old_and_new(demo):
    hr = signed_in("hr")
    hr.post(reverse("portal:kpi_set_create"), set_form("History set", 4, "150", [("leads", "0,5"), ("cpl", "0,5")]))
    kpi_set = KpiSet.objects.get(company=demo, name="History set")
    signed_in("hr2").post(reverse("portal:kpi_set", args=[kpi_set.pk]), set_form("History set", 4, "120", [("leads", "0,6"), ("cpl", "0,4")]))

    rows = entries(hr.get(reverse("portal:kpi_set", args=[kpi_set.pk])).content.decode())
    leads = catalogue_kpi("leads").name
    assert any(f"KPI in the set {leads}" in row and "Weight: 0.5 → 0.6" in row and "Harry HR" in row for row in rows)
    assert any("KPI set History set" in row and "Cap per KPI, %: 150 → 120" in row for row in rows)


def test_the_person_page_shows_salary_in_its_currency_and_scheme_changes(demo):
    employee = Employee.objects.get(company=demo, personnel_number="DEMO-B")
    scheme = BonusScheme.objects.filter(company=demo).first()
    hr = signed_in("hr")
    hr.post(reverse("portal:person_salary", args=[employee.pk]), {"effective_from": "2026-12-01", "monthly_amount": "30 000"})
    signed_in("hr2").post(reverse("portal:person_salary", args=[employee.pk]), {"effective_from": "2026-12-01", "monthly_amount": "35 000,50"})
    hr.post(reverse("portal:person_scheme", args=[employee.pk]), {"effective_from": "2026-12-01", "scheme": scheme.pk})

    text = panel(hr.get(reverse("portal:person", args=[employee.pk])).content.decode())
    old, new = format_money(D(30000), demo.currency), format_money(D("35000.50"), demo.currency)
    assert f"Monthly salary: {old} → {new}".replace("\xa0", " ") in text  # the panel's spaces are collapsed
    assert f"Bonus scheme: {scheme.name}" in text and "Scheme assignment" in text


def test_an_own_kpis_edit_page_shows_its_changes(demo):
    kpi = kpi_save(kpi=Kpi(company=demo, code="ours", name="Ours", formula="marketing_spend / leads"))
    signed_in("hr2").post(reverse("portal:kpi_edit", args=[kpi.pk]), kpi_form(formula="ad_spend / leads", code="ours", name="Ours 2"))

    text = panel(signed_in("hr").get(reverse("portal:kpi_edit", args=[kpi.pk])).content.decode())
    assert "Name: Ours → Ours 2" in text and "Formula: marketing_spend / leads → ad_spend / leads" in text and "Harry HR" in text


def test_another_companys_history_never_shows(demo, stranger_hr):
    user, their_table = stranger_hr
    ours = band_table(demo, [(0, 1)], name="Our bands")
    theirs = Client()
    theirs.force_login(user)
    theirs.post(reverse("portal:band_table", args=[their_table.pk]), band_post("Their bands", [("0", "2")]))
    signed_in("hr").post(reverse("portal:band_table", args=[ours.pk]), band_post("Our bands", [("0", "3")]))

    our_page = signed_in("hr").get(reverse("portal:band_table", args=[ours.pk])).content.decode()
    their_page = theirs.get(reverse("portal:band_table", args=[their_table.pk])).content.decode()

    assert "Hanna HR" in panel(our_page) and "Stella" not in panel(our_page) and "Their bands" not in panel(our_page)
    assert "Stella Stranger" in panel(their_page) and "Hanna HR" not in panel(their_page)
    assert signed_in("hr").get(reverse("portal:band_table", args=[their_table.pk])).status_code == 404
    assert theirs.get(reverse("portal:band_table", args=[ours.pk])).status_code == 404


def test_the_plans_page_lists_only_the_companys_imports_of_that_kind(demo, stranger_hr):
    hr = signed_in("hr")
    hr.post(reverse("portal:plans_import"), {"period": NOVEMBER, "file": upload("personnel_number,period,code,value\nDEMO-A,2026-11,leads,230\n", "good.csv")})
    bad = "personnel_number,period,code,value\nDEMO-A,2026-11,leads,230\nDEMO-A,2026-11,leads,abc\n"
    hr.post(reverse("portal:plans_import"), {"period": NOVEMBER, "file": upload(bad, "bad.csv")})
    ImportLog.objects.create(company=stranger_hr[1].company, kind="plans", file_name="theirs.csv", status="applied")
    ImportLog.objects.create(company=demo, kind="measures", file_name="actuals.csv", status="applied")

    html = hr.get(reverse("portal:plans") + f"?period={NOVEMBER}").content.decode()
    table = html[html.index('data-testid="recent-imports"') :].split("</table>")[0]
    rows = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)) for row in table.split("<tr>")[2:]]

    assert len(rows) == 2 and "bad.csv" in rows[0] and "good.csv" in rows[1]
    assert "rejected" in rows[0] and "row 3 · value" in rows[0] and "not a number" in rows[0] and "Hanna HR" in rows[0]
    assert "applied" in rows[1] and re.search(r"applied\s+0\s+1\s+0", rows[1])  # created, updated, unchanged
    assert "theirs.csv" not in html and "actuals.csv" not in table
    actuals = hr.get(reverse("portal:actuals") + f"?period={NOVEMBER}").content.decode()
    assert "actuals.csv" in actuals and "good.csv" not in actuals


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _save_many(table: BandTable, times: int, start: int = 0) -> None:
    for n in range(start, start + times):
        band_table_save(table=table, points=[(D(0), D(n) / 100), (D(100), D(2))])


def test_a_pages_queries_do_not_grow_with_its_history(demo):
    table = band_table(demo, [(0, 1)], name="Long history")
    url = reverse("portal:band_table", args=[table.pk])
    hr = signed_in("hr")
    _save_many(table, SHOWN + 2)
    shorter = _queries(hr, url)
    _save_many(table, SHOWN * 3, start=SHOWN + 2)
    assert _queries(hr, url) == shorter
    assert len(entries(hr.get(url).content.decode())) == SHOWN


def test_an_unchanged_save_is_no_change_and_a_deletion_says_what_went(demo):
    table = band_table(demo, [(0, 0), (80, 1)], name="Plain")
    band_table_save(table=table, points=[(D(0), D(0)), (D(80), D(1))])  # saved as it was
    band_table_save(table=table, points=[(D(0), D(0))])

    changes = recent_changes([BandTable.history.filter(id=table.pk), table.points.model.history.filter(table_id=table.pk)], skip=["table"])

    assert [change.action for change in changes][:1] == ["deleted"]
    deleted = changes[0]
    assert {item.field.name: item.old for item in deleted.changes} == {"lower_bound_pct": D(80), "coefficient": D(1)}
    assert not any(change.action == "changed" for change in changes)  # two saves of the unchanged table
