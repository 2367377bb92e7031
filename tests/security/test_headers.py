"""Response headers: a Content-Security-Policy with nothing inline on every page (the pages
themselves are checked in a browser in test_browser_csp.py), HSTS, the HTTPS redirect and
HTTPS-only cookies in production."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.payroll.test_excel import demo  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part}


@pytest.mark.parametrize(
    ("username", "url"),
    [
        (None, "/portal/login/"),
        ("marketer", "/portal/me/"),
        ("hr", "/portal/hr/runs/"),
        ("finance", "/portal/finance/"),
        (None, "/admin/login/"),
        ("admin", "/admin/"),
        (None, "/api/docs/"),
    ],
)
def test_every_page_has_a_policy_with_nothing_inline(demo, username, url):  # noqa: F811
    client = signed_in(username) if username else Client()

    response = client.get(url)

    assert response.status_code == 200
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    html = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html), "an inline script"
    assert not re.search(r"<style\b", html), "an inline style sheet"
    assert not re.search(r"\sstyle=", html), "a style attribute"
    assert not re.search(r"\son[a-z]+=", html), "an inline event handler"


def test_https_is_enforced_in_production(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    plain = Client().get("/portal/login/")
    proxied = Client().get("/portal/login/", HTTP_X_FORWARDED_PROTO="https")

    assert plain.status_code == 301 and plain["Location"] == "https://testserver/portal/login/"
    assert proxied.status_code == 200
    assert proxied["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_cookies_are_https_only(settings):
    from django.conf import settings as live

    assert live.SESSION_COOKIE_SECURE and live.CSRF_COOKIE_SECURE  # production's defaults, DEBUG off
    response = Client().get("/portal/login/", secure=True)
    assert response.cookies["csrftoken"]["secure"] is True


def test_the_usual_security_headers(demo):  # noqa: F811
    response = Client().get("/portal/login/", secure=True)

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
