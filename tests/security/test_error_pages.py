"""The error pages (403, 404, 500, a refused CSRF check; portal/templates/) are in the
portal's look, in the user's language, and tell nothing of the request or the failure. The
suite runs with DEBUG off, as production."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.payroll.test_excel import demo  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_an_unknown_page_is_the_portal_s_404(demo):  # noqa: F811
    response = Client().get("/portal/no-such-page/?secret=xyz")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and "portal/portal" in html  # the portal's style sheet
    assert "no-such-page" not in html and "xyz" not in html and "Traceback" not in html


def test_a_refused_csrf_check_is_a_friendly_page(demo):  # noqa: F811
    client = Client(enforce_csrf_checks=True)

    response = client.post("/portal/login/", {"username": "hr", "password": "x"})

    assert response.status_code == 403
    html = response.content.decode()
    assert "The form has expired" in html and "portal/portal" in html
    assert "CSRF" not in html  # Django's default page explains the mechanism; ours does not


def test_a_server_error_is_the_portal_s_500_and_tells_nothing(demo, settings):  # noqa: F811
    settings.ROOT_URLCONF = "tests.security.failing_urls"
    client = Client(raise_request_exception=False)

    response = client.get("/boom/")

    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html and "portal/portal" in html
    assert "do-not-show-this" not in html and "Traceback" not in html


def test_a_server_error_under_the_api_is_the_one_error_shape_and_tells_nothing(demo, settings):  # noqa: F811
    settings.ROOT_URLCONF = "tests.security.failing_urls"

    response = Client(raise_request_exception=False).get("/api/v1/boom/")

    assert response.status_code == 500
    assert response.json() == {
        "error": {
            "code": "server_error",
            "message": "the server could not finish this request; the error is logged",
            "fields": {},
        }
    }


def test_a_forbidden_action_is_the_portal_s_403(demo, settings):  # noqa: F811
    settings.ROOT_URLCONF = "tests.security.failing_urls"

    response = signed_in("hr").get("/forbidden/")

    assert response.status_code == 403
    html = response.content.decode()
    assert "Not allowed" in html and "portal/portal" in html and "do-not-show-this" not in html


def test_the_error_pages_speak_russian(demo):  # noqa: F811
    response = Client().get("/portal/no-such-page/", HTTP_ACCEPT_LANGUAGE="ru")

    assert response.status_code == 404
    assert "Страница не найдена" in response.content.decode()
