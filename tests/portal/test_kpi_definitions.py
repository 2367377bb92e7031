"""HR's KPIs and measures page: the catalogue read-only and the company's own measures and
KPIs created, edited and deleted through kpis.services, names first and codes as a hint, the
parser's error on the formula field with the input kept; only HR of the company reaches it."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from kpis.models import Kpi, KpiSet, Measure
from kpis.services import kpi_save, kpi_set_save, measure_save
from tests.factories import CompanyFactory, catalogue_kpi, catalogue_measure

pytestmark = pytest.mark.django_db
PAGE = reverse("portal:kpis")


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def measure_form(code="calls", name="Calls made", aggregation="sum", unit="count") -> dict:
    return {"code": code, "name": name, "aggregation": aggregation, "unit": unit}


def kpi_form(formula="marketing_spend / calls", measure="", code="cost_per_call", name="Cost per call") -> dict:
    return {"code": code, "name": name, "direction": "lower_is_better", "unit": "money", "measure": measure, "formula": formula}


@pytest.fixture
def stranger():
    """Another company with its own measure and KPI."""
    company = CompanyFactory()
    measure = measure_save(measure=Measure(company=company, code="theirs", name="Their measure"))
    kpi = kpi_save(kpi=Kpi(company=company, code="their_kpi", name="Their KPI", measure=measure))
    return measure, kpi


def test_hr_defines_a_measure_then_a_formula_kpi_over_it_shown_with_names(demo):
    hr = signed_in("hr")

    response = hr.post(reverse("portal:measure_create"), measure_form(), follow=True)
    assert "The measure “Calls made” (calls) is saved." in response.content.decode()
    form = hr.get(reverse("portal:kpi_create")).content.decode()
    codes = form[form.index('data-testid="measure-codes"') :]
    assert "<code>calls</code> Calls made" in codes and "<code>marketing_spend</code> Marketing spend" in codes
    response = hr.post(reverse("portal:kpi_create"), kpi_form(), follow=True)

    kpi = Kpi.objects.get(company=demo, code="cost_per_call")
    assert (kpi.formula, kpi.direction, kpi.unit) == ("marketing_spend / calls", "lower_is_better", "money")
    html = response.content.decode()
    own = html[html.index('data-testid="own-kpis"') : html.index('data-testid="own-measures"')]
    assert "Cost per call" in own and "cost_per_call" in own and "Lower is better" in own
    assert "Marketing spend ÷ Calls made" in own  # the formula with the measures' names
    measures = html[html.index('data-testid="own-measures"') : html.index('data-testid="catalogue-kpis"')]
    assert "Calls made" in measures


def test_a_kpi_on_one_measure(demo):
    leads = catalogue_measure("leads")
    signed_in("hr").post(reverse("portal:kpi_create"), kpi_form(formula="", measure=str(leads.pk), code="my_leads", name="My leads"))
    assert Kpi.objects.get(company=demo, code="my_leads").measure == leads


def test_a_bad_formula_names_the_problem_keeps_the_input_and_saves_nothing(demo):
    response = signed_in("hr").post(reverse("portal:kpi_create"), kpi_form(formula="marketing_spend / callz"))

    assert response.status_code == 400
    html = response.content.decode()
    error = html[html.index('data-testid="formula-error"') :].split("</p>")[0]
    assert "unknown measure &#x27;callz&#x27;" in error
    assert 'value="marketing_spend / callz"' in html and 'value="Cost per call"' in html
    assert not Kpi.objects.filter(company=demo).exists()


def test_both_or_neither_definition_is_refused(demo):
    hr = signed_in("hr")
    leads = catalogue_measure("leads")
    both = hr.post(reverse("portal:kpi_create"), kpi_form(formula="leads", measure=str(leads.pk)))
    assert both.status_code == 400 and "give either a measure or a formula, not both" in both.content.decode()
    neither = hr.post(reverse("portal:kpi_create"), kpi_form(formula=""))
    assert neither.status_code == 400 and "give a measure or a formula" in neither.content.decode()
    assert not Kpi.objects.filter(company=demo).exists()


def test_a_code_taken_in_the_company_is_named(demo):
    hr = signed_in("hr")
    hr.post(reverse("portal:measure_create"), measure_form())
    again = hr.post(reverse("portal:measure_create"), measure_form(name="Other"))
    assert again.status_code == 400 and "the company already has a measure with this code" in again.content.decode()
    assert Measure.objects.filter(company=demo).count() == 1


def test_hr_edits_an_own_kpi_and_an_in_use_one_cannot_lose_its_definition(demo):
    hr = signed_in("hr")
    kpi = kpi_save(kpi=Kpi(company=demo, code="ours", name="Ours", formula="marketing_spend / leads"))
    kpi_set_save(kpi_set=KpiSet(company=demo, stage=4, name="With ours"), items=[(kpi, Decimal(1))])

    page = hr.get(reverse("portal:kpi_edit", args=[kpi.pk])).content.decode()
    assert "With ours" in page[page.index('data-testid="in-use"') :]
    refused = hr.post(reverse("portal:kpi_edit", args=[kpi.pk]), kpi_form(formula="", code="ours", name="Ours"))
    assert refused.status_code == 400
    kpi.refresh_from_db()
    assert kpi.formula == "marketing_spend / leads"
    hr.post(reverse("portal:kpi_edit", args=[kpi.pk]), kpi_form(formula="ad_spend / leads", code="ours", name="Ours 2"))
    kpi.refresh_from_db()
    assert (kpi.formula, kpi.name) == ("ad_spend / leads", "Ours 2")


def test_the_catalogue_is_listed_but_not_editable(demo):
    hr = signed_in("hr")
    cpl, leads = catalogue_kpi("cpl"), catalogue_measure("leads")
    html = hr.get(PAGE).content.decode()
    catalogue = html[html.index('data-testid="catalogue-kpis"') :]
    assert "Cost per lead" in catalogue and "Marketing spend ÷ Leads" in catalogue
    assert reverse("portal:kpi_edit", args=[cpl.pk]) not in html
    assert hr.get(reverse("portal:kpi_edit", args=[cpl.pk])).status_code == 404
    assert hr.post(reverse("portal:kpi_edit", args=[cpl.pk]), kpi_form(code="cpl", name="Hacked")).status_code == 404
    assert hr.post(reverse("portal:kpi_delete", args=[cpl.pk])).status_code == 404
    assert hr.post(reverse("portal:measure_edit", args=[leads.pk]), measure_form(code="leads", name="Hacked")).status_code == 404
    assert hr.post(reverse("portal:measure_delete", args=[leads.pk])).status_code == 404
    cpl.refresh_from_db()
    leads.refresh_from_db()
    assert cpl.name == "Cost per lead" and leads.name == "Leads"


def test_deleting_an_unused_kpi_and_a_measure_in_use_refused_with_who_uses_it(demo):
    hr = signed_in("hr")
    hr.post(reverse("portal:measure_create"), measure_form())
    hr.post(reverse("portal:kpi_create"), kpi_form())
    calls, kpi = Measure.objects.get(company=demo, code="calls"), Kpi.objects.get(company=demo, code="cost_per_call")

    refused = hr.post(reverse("portal:measure_delete", args=[calls.pk]), follow=True).content.decode()
    assert "“Calls made” is not deleted: the KPI “Cost per call” is defined by it." in refused
    assert Measure.objects.filter(pk=calls.pk).exists()
    done = hr.post(reverse("portal:kpi_delete", args=[kpi.pk]), follow=True).content.decode()
    assert "“Cost per call” is deleted." in done and not Kpi.objects.filter(pk=kpi.pk).exists()
    hr.post(reverse("portal:measure_delete", args=[calls.pk]))
    assert not Measure.objects.filter(pk=calls.pk).exists()


def test_a_kpi_a_scheme_reads_is_refused_naming_the_scheme(demo):
    from compensation.models import SchemeFactor

    factor = SchemeFactor.objects.filter(scheme__company=demo, kpi__isnull=False).select_related("scheme").first()
    own = kpi_save(kpi=Kpi(company=demo, code="own_leads", name="Own leads", measure=catalogue_measure("leads")))
    factor.kpi = own
    factor.save()
    html = signed_in("hr").post(reverse("portal:kpi_delete", args=[own.pk]), follow=True).content.decode()
    assert f"the scheme “{factor.scheme.name}” reads it (factor {factor.name})" in html
    assert Kpi.objects.filter(pk=own.pk).exists()


# --- who reaches it -------------------------------------------------------------------------


def _pages(measure: Measure, kpi: Kpi) -> list[tuple[str, str, dict]]:
    return [
        ("get", PAGE, {}),
        ("get", reverse("portal:measure_create"), {}),
        ("post", reverse("portal:measure_create"), measure_form(code="x1")),
        ("get", reverse("portal:measure_edit", args=[measure.pk]), {}),
        ("post", reverse("portal:measure_edit", args=[measure.pk]), measure_form(code="x2", name="Taken")),
        ("post", reverse("portal:measure_delete", args=[measure.pk]), {}),
        ("get", reverse("portal:kpi_create"), {}),
        ("post", reverse("portal:kpi_create"), kpi_form(formula="leads", code="x3")),
        ("get", reverse("portal:kpi_edit", args=[kpi.pk]), {}),
        ("post", reverse("portal:kpi_edit", args=[kpi.pk]), kpi_form(formula="leads", code="x4", name="Taken")),
        ("post", reverse("portal:kpi_delete", args=[kpi.pk]), {}),
    ]


@pytest.fixture
def own(demo):
    measure = measure_save(measure=Measure(company=demo, code="calls", name="Calls made"))
    kpi = kpi_save(kpi=Kpi(company=demo, code="ours", name="Ours", formula="leads"))
    return measure, kpi


def _unchanged(measure: Measure, kpi: Kpi) -> None:
    measure.refresh_from_db()
    kpi.refresh_from_db()
    assert (measure.code, measure.name, kpi.code, kpi.name) == ("calls", "Calls made", "ours", "Ours")
    assert not Measure.objects.filter(code__startswith="x").exists() and not Kpi.objects.filter(code__startswith="x").exists()


@pytest.mark.parametrize("role", ["marketer", "finance"])
def test_marketer_and_finance_get_403_and_change_nothing(own, role):
    client = signed_in(role)
    for method, url, data in _pages(*own):
        assert getattr(client, method)(url, data).status_code == 403, (method, url)
    _unchanged(*own)


def test_anonymous_is_sent_to_sign_in(own):
    for method, url, data in _pages(*own):
        response = getattr(Client(), method)(url, data)
        assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login")), (method, url)
    _unchanged(*own)


def test_another_companys_rows_are_never_listed_nor_reachable(demo, stranger):
    measure, kpi = stranger
    hr = signed_in("hr")
    html = hr.get(PAGE).content.decode()
    assert "Their measure" not in html and "Their KPI" not in html
    form = hr.get(reverse("portal:kpi_create")).content.decode()
    assert "theirs" not in form
    for method, url, data in _pages(measure, kpi)[3:6] + _pages(measure, kpi)[8:]:
        assert getattr(hr, method)(url, data).status_code == 404, (method, url)
    forged = hr.post(reverse("portal:kpi_create"), kpi_form(formula="", measure=str(measure.pk), code="forged"))
    assert forged.status_code == 400 and "choose a measure from the list" in forged.content.decode()
    assert not Kpi.objects.filter(code="forged").exists()
    measure.refresh_from_db()
    kpi.refresh_from_db()
    assert (measure.name, kpi.name) == ("Their measure", "Their KPI")


def test_the_nav_links_the_page_last_but_one(demo):
    html = signed_in("hr").get(PAGE).content.decode()
    assert f'href="{PAGE}"' in html and f'href="{reverse("portal:adjustments")}"' in html
    assert html.index(f'href="{PAGE}"') < html.index(f'href="{reverse("portal:adjustments")}"')


@pytest.mark.parametrize(
    ("language", "words"),
    [("ru", ["KPI и показатели", "Ваши KPI", "Меньше — лучше"]), ("uz", ["KPI va koʻrsatkichlar", "Sizning KPI’laringiz"])],
)
def test_the_page_speaks_the_language(demo, language, words):
    kpi_save(kpi=Kpi(company=demo, code="ours", name="Ours", formula="marketing_spend / leads", direction="lower_is_better"))
    client = signed_in("hr")
    client.cookies["django_language"] = language
    html = client.get(PAGE, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for word in words:
        assert word in html, word
    refused = client.post(reverse("portal:kpi_create"), kpi_form(formula="leads +"), HTTP_ACCEPT_LANGUAGE=language)
    assert ("формула обрывается раньше времени" if language == "ru" else "formula juda erta tugaydi") in refused.content.decode()
