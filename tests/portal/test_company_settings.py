"""HR's company page (issue 14: what HR did in the admin's company form): name, currency and
language changed through `organizations.services.company_settings_save`; four-eyes approval
and automatic runs shown read-only with why; who changed what; only HR of the company."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from organizations.models import Company, CompanyMembership
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db
URL = reverse("portal:company")


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


@pytest.fixture
def other_hr():
    """HR of another company, with its own settings."""
    company = CompanyFactory(name="Other Co", currency="USD", language="en")
    user = User.objects.create_user("other-hr")
    CompanyMembership.objects.create(user=user, company=company, role=CompanyMembership.Role.HR)
    return user


def settings_of(slug: str) -> tuple:
    return Company.objects.filter(slug=slug).values_list("name", "currency", "language", "four_eyes_approval", "automatic_runs").get()


def test_hr_sees_the_settings_the_admin_only_ones_with_why_and_the_nav_links_it(demo, other_hr):
    html = signed_in("hr").get(URL).content.decode()

    form = html[html.index('data-testid="company-form"') :].split("</form>")[0]
    assert 'value="Demo Marketing LLC"' in form and 'value="RUB"' in form
    assert '<option value="ru" lang="ru" selected>' in form
    assert "four_eyes_approval" not in form and "automatic_runs" not in form  # not fields HR can send
    fixed = html[html.index('data-testid="admin-only"') :].split("</section>")[0]
    assert 'data-setting="four_eyes_approval"' in fixed and 'data-setting="automatic_runs"' in fixed
    assert "Only an administrator switches it" in fixed
    assert "Other Co" not in html
    assert f'href="{URL}" aria-current="page"' in html  # the HR nav's entry


def test_hr_saves_the_currency_written_in_lower_case_and_the_history_names_them(demo):
    client = signed_in("hr")

    response = client.post(URL, {"name": "Demo Renamed", "currency": " uzs", "language": "uz"}, follow=True)

    assert settings_of("demo")[:3] == ("Demo Renamed", "UZS", "uz")
    html = response.content.decode()
    assert "The currency is UZS" in html  # what was understood
    history = html[html.index('data-testid="company-history"') :]
    assert "Hanna HR" in history and "Currency</strong>: RUB → UZS" in history
    assert "Company name</strong>: Demo Marketing LLC → Demo Renamed" in history


@pytest.mark.parametrize("currency", ["RU", "R1B", "рубль"], ids=["short", "digit", "word"])
def test_a_bad_currency_is_named_the_input_kept_and_nothing_saved(demo, currency):
    before = settings_of("demo")

    response = signed_in("hr").post(URL, {"name": "Demo Renamed", "currency": currency, "language": "en"})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="company-currency-error"' in html and "is not a currency code" in html
    assert 'value="Demo Renamed"' in html and '<option value="en" lang="en" selected>' in html  # kept
    assert settings_of("demo") == before


def test_an_unknown_language_and_an_empty_name_are_named(demo):
    before = settings_of("demo")
    response = signed_in("hr").post(URL, {"name": "", "currency": "RUB", "language": "de"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="company-name-error"' in html and 'id="company-language-error"' in html
    assert settings_of("demo") == before


@pytest.mark.parametrize("field", ["four_eyes_approval", "automatic_runs"])
def test_a_forged_admin_only_setting_is_refused_with_the_reason(demo, field):
    before = settings_of("demo")
    value = "" if Company.objects.values_list(field, flat=True).get(slug="demo") else "on"

    response = signed_in("hr").post(URL, {"name": "Demo", "currency": "RUB", "language": "ru", field: value})

    assert response.status_code == 400
    assert f"only an administrator may change {field}" in response.content.decode()
    assert settings_of("demo") == before


def test_hr_of_another_company_sees_and_changes_only_its_own(demo, other_hr):
    client = Client()
    client.force_login(other_hr)
    demo_before = settings_of("demo")

    html = client.get(URL).content.decode()
    assert 'value="Other Co"' in html and "Demo Marketing LLC" not in html
    client.post(URL, {"name": "Other Renamed", "currency": "EUR", "language": "en"})

    assert settings_of("demo") == demo_before
    assert Company.objects.get(pk=other_hr.membership.company_id).name == "Other Renamed"
    assert "Hanna HR" not in client.get(URL).content.decode()  # demo's history is not theirs


@pytest.mark.parametrize("username", ["marketer", "finance"])
def test_marketer_and_finance_get_403_and_change_nothing(demo, username):
    before = settings_of("demo")
    client = signed_in(username)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"name": "Hijacked", "currency": "USD", "language": "en"}).status_code == 403
    assert settings_of("demo") == before


def test_anonymous_is_sent_to_sign_in(demo):
    before = settings_of("demo")
    for response in (Client().get(URL), Client().post(URL, {"name": "Hijacked"})):
        assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))
    assert settings_of("demo") == before
