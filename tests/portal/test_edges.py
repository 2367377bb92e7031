"""The portal's edges (issue 14, item 4): a marketer whose login has no employee record, a
month written wrong, an address that is not there — each a page in the portal's look and
language that says what is wrong, with DEBUG on (as `make run` runs) as well as off."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from organizations.models import CompanyMembership

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def unlinked(demo) -> User:
    """A marketer's login of the demo company that no employee record points to."""
    user = User.objects.create_user("new-marketer", password="x")
    CompanyMembership.objects.create(user=user, company=demo, role=CompanyMembership.Role.MARKETER)
    return user


@pytest.mark.parametrize("debug", [True, False], ids=["debug-on", "debug-off"])
def test_a_marketer_without_an_employee_record_is_told_who_links_it(unlinked, settings, debug):
    settings.DEBUG = debug
    hr = [m.user for m in CompanyMembership.objects.filter(company=unlinked.membership.company, role="hr")]

    response = signed_in(unlinked).get(reverse("portal:dashboard"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="no-employee"' in html and "not linked to an employee record" in html
    assert hr and all((user.get_full_name() or user.username) in html for user in hr)
    assert "Technical" not in html and "Traceback" not in html


def test_the_missing_employee_page_speaks_russian(unlinked):
    html = signed_in(unlinked).get(reverse("portal:dashboard"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "не привязан" in html


@pytest.mark.parametrize("debug", [True, False], ids=["debug-on", "debug-off"])
@pytest.mark.parametrize("period", ["2026-13", "november", "1899-12"])
def test_a_month_written_wrong_is_a_portal_page_saying_how_to_write_it(demo, settings, debug, period):
    settings.DEBUG = debug
    marketer = User.objects.get(username="marketer")

    response = signed_in(marketer).get(reverse("portal:dashboard"), {"period": period})

    assert response.status_code == 400
    html = response.content.decode()
    assert "portal/portal" in html  # the portal's stylesheet: its look, not a bare text page
    assert 'data-testid="bad-request">Write the month as YYYY-MM, for example 2026-11.<' in html
    ru = signed_in(marketer).get(reverse("portal:dashboard"), {"period": period}, HTTP_ACCEPT_LANGUAGE="ru")
    assert ru.status_code == 400 and "ГГГГ-ММ" in ru.content.decode()


@pytest.mark.parametrize("debug", [True, False], ids=["debug-on", "debug-off"])
@pytest.mark.parametrize("path", ["/portal/no-such-page/", "/portal/hr/runs/999999/"], ids=["no-url", "no-row"])
def test_a_page_not_there_is_the_portals_404_even_with_debug_on(demo, settings, debug, path):
    settings.DEBUG = debug

    response = signed_in(User.objects.get(username="hr")).get(path)

    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and "portal/portal" in html
    assert "technical" not in html.lower() and "URLconf" not in html and "Raised by" not in html
