"""`organizations.services.company_settings_save`: HR changes its company's name, currency
and language by the model's rules; four-eyes approval and automatic runs only an
administrator switches; each save is in the history under who made it."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError

from organizations.models import Company
from organizations.selectors import company_history
from organizations.services import COMPANY_SETTINGS, company_settings_save
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr():
    return User.objects.create_user("hr-settings")


@pytest.fixture
def admin():
    return User.objects.create_superuser("admin-settings")


def stored(company: Company) -> dict:
    return dict(Company.objects.filter(pk=company.pk).values(*COMPANY_SETTINGS).get())


def test_hr_changes_the_name_currency_and_language_and_the_history_says_who(hr):
    company = CompanyFactory(name="Old LLC", currency="RUB", language="ru")
    before = stored(company)

    company_settings_save(company=company, changes={"name": " Renamed LLC ", "currency": " uzs ", "language": "uz"}, user=hr)

    assert stored(company) == {**before, "name": "Renamed LLC", "currency": "UZS", "language": "uz"}
    assert company.currency == "UZS"  # the caller's copy follows
    newest, created = company_history(company=company, fields=COMPANY_SETTINGS)
    assert newest.user == hr and not newest.created and created.created
    assert {(c.field, c.old, c.new) for c in newest.changes} == {
        ("name", "Old LLC", "Renamed LLC"),
        ("currency", "RUB", "UZS"),
        ("language", "ru", "uz"),
    }


@pytest.mark.parametrize("currency", ["RU", "RUBL", "R1B", "₽₽₽", ""], ids=["two", "four", "digit", "symbol", "empty"])
def test_a_currency_that_is_not_three_letters_is_refused_and_nothing_is_saved(hr, currency):
    company = CompanyFactory(currency="RUB")
    before = stored(company)

    with pytest.raises(ValidationError) as refused:
        company_settings_save(company=company, changes={"name": "Changed too", "currency": currency}, user=hr)

    assert "currency" in refused.value.message_dict
    assert stored(company) == before


def test_an_unknown_language_is_refused(hr):
    company = CompanyFactory()
    with pytest.raises(ValidationError) as refused:
        company_settings_save(company=company, changes={"language": "de"}, user=hr)
    assert "language" in refused.value.message_dict


@pytest.mark.parametrize("field", ["four_eyes_approval", "automatic_runs"])
def test_only_an_administrator_switches_four_eyes_and_automatic_runs(hr, admin, field):
    company = CompanyFactory()
    before = stored(company)

    with pytest.raises(PermissionDenied, match=f"only an administrator may change {field}"):
        company_settings_save(company=company, changes={"name": "Sneaky", field: not before[field]}, user=hr)
    assert stored(company) == before

    company_settings_save(company=company, changes={field: before[field]}, user=hr)  # unchanged: no change
    company_settings_save(company=company, changes={field: not before[field]}, user=admin)
    assert stored(company)[field] is (not before[field])


def test_the_slug_and_other_columns_are_not_settings(hr):
    company = CompanyFactory(slug="keep-me")
    with pytest.raises(ValidationError) as refused:
        company_settings_save(company=company, changes={"slug": "taken-over"}, user=hr)
    assert "slug" in refused.value.message_dict["__all__"][0]
    assert Company.objects.get(pk=company.pk).slug == "keep-me"


def test_a_save_that_changes_nothing_writes_no_history(hr):
    company = CompanyFactory(name="Same")
    count = company.history.count()
    company_settings_save(company=company, changes={"name": "Same"}, user=hr)
    assert company.history.count() == count
